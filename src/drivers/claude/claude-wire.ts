// Claude Code's stream-json wire format (as printed by `claude -p --output-format stream-json --verbose`, 2.1.x):
// the zod schemas that validate every inbound line at the edge, and the builders of the frames aegis writes to stdin.
// Schemas check only the fields aegis reads and drop the rest (plain z.object strips unknown keys, which is about twice
// as fast as keeping them), so new CLI fields never break parsing; `unknown` events carry the original line instead.
// The frequent lines are first tried against hand checks (claude-wire-check.ts) that must accept only what these
// schemas accept: change a schema, change its check (the check tests compare the two on every one-field mutation).
// No mapping to AgentEvents here (that is claude-parser.ts), and no I/O.

import { z } from "zod";

export const WireUsage = z.object({
  input_tokens: z.number().nullish(),
  output_tokens: z.number().nullish(),
  cache_read_input_tokens: z.number().nullish(),
  cache_creation_input_tokens: z.number().nullish(),
});
export type WireUsage = z.infer<typeof WireUsage>;

export const TextBlock = z.object({ type: z.literal("text"), text: z.string() });
export const ThinkingBlock = z.object({ type: z.literal("thinking"), thinking: z.string() });
export const ToolUseBlock = z.object({ type: z.literal("tool_use"), id: z.string(), name: z.string(), input: z.unknown() });
export const ToolResultBlock = z.object({
  type: z.literal("tool_result"),
  tool_use_id: z.string(),
  content: z.union([z.string(), z.array(z.object({ type: z.string(), text: z.string().optional() }))]).nullish(),
  is_error: z.boolean().nullish(),
});
export type ToolResultBlock = z.infer<typeof ToolResultBlock>;

/** Content blocks are validated one by one by the parser, with the schema of their type (the originals are kept for
 * `unknown` events, so they must not be stripped here). */
const Blocks = z.array(z.unknown());

export const SystemInit = z.object({
  type: z.literal("system"),
  subtype: z.literal("init"),
  session_id: z.string(),
  model: z.string().optional(),
  permissionMode: z.string().optional(),
  mcp_servers: z.array(z.object({ name: z.string(), status: z.string() })).optional(),
});

export const AssistantLine = z.object({
  type: z.literal("assistant"),
  message: z.object({ id: z.string().optional(), content: Blocks }),
  parent_tool_use_id: z.string().nullish(),
  session_id: z.string().optional(),
});

export const UserLine = z.object({
  type: z.literal("user"),
  message: z.object({ content: z.union([z.string(), Blocks]) }),
  parent_tool_use_id: z.string().nullish(),
});

export const ResultLine = z.object({
  type: z.literal("result"),
  subtype: z.string(),
  is_error: z.boolean(),
  duration_ms: z.number().optional(),
  result: z.string().optional(),
  stop_reason: z.string().nullish(),
  session_id: z.string().optional(),
  total_cost_usd: z.number().optional(),
  usage: WireUsage.optional(),
  api_error_status: z.number().nullish(),
  errors: z.array(z.string()).optional(),
  permission_denials: z.array(z.object({ tool_name: z.string(), tool_use_id: z.string().optional() })).optional(),
});
export type ResultLine = z.infer<typeof ResultLine>;

export const ControlRequestLine = z.object({
  type: z.literal("control_request"),
  request_id: z.string(),
  request: z.looseObject({ subtype: z.string() }), // loose: the request's own fields are validated by subtype
});

export const CanUseToolRequest = z.object({
  subtype: z.literal("can_use_tool"),
  tool_name: z.string(),
  input: z.record(z.string(), z.unknown()).default({}),
  tool_use_id: z.string().nullish(),
  decision_reason: z.unknown().optional(),
  blocked_path: z.string().nullish(),
});
export type CanUseToolRequest = z.infer<typeof CanUseToolRequest>;

export const ControlResponseLine = z.object({
  type: z.literal("control_response"),
  response: z.object({
    subtype: z.string(),
    request_id: z.string(),
    response: z.unknown().optional(),
    error: z.string().optional(),
  }),
});

export const ControlCancelLine = z.object({ type: z.literal("control_cancel_request"), request_id: z.string() });

// ── frames aegis writes ─────────────────────────────────────────────────────────────────────────────────────────

/**
 * One user turn. `context` (the opening texts: the replayed conversation) goes first, each text a content block of
 * its own, so the user's text stays a separate, unchanged block; without context the content is the plain string.
 */
export function userFrame(text: string, context: readonly string[] = []): string {
  const content = context.length === 0 ? text : [...context, text].map((t) => ({ type: "text", text: t }));
  return `${JSON.stringify({ type: "user", message: { role: "user", content } })}\n`;
}

/** A control request of ours (`initialize`, `interrupt`). */
export function controlRequestFrame(requestId: string, subtype: "initialize" | "interrupt"): string {
  return `${JSON.stringify({ type: "control_request", request_id: requestId, request: { subtype } })}\n`;
}

export type PermissionDecision =
  | { behavior: "allow"; updatedInput: Record<string, unknown> }
  | { behavior: "deny"; message: string };

/** Our answer to the CLI's `can_use_tool` control request. */
export function permissionResponseFrame(requestId: string, decision: PermissionDecision): string {
  return `${JSON.stringify({ type: "control_response", response: { subtype: "success", request_id: requestId, response: decision } })}\n`;
}

/** A failure answer to a control request we do not support. */
export function controlErrorFrame(requestId: string, error: string): string {
  return `${JSON.stringify({ type: "control_response", response: { subtype: "error", request_id: requestId, error } })}\n`;
}
