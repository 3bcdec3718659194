// Claude Code's stream-json wire format (as printed by `claude -p --output-format stream-json --verbose`, 2.1.x):
// the zod schemas that validate every inbound line at the edge, and the builders of the frames aegis writes to stdin.
// Schemas check only the fields aegis reads and keep the rest (loose objects), so new CLI fields never break parsing.
// No mapping to AgentEvents here (that is claude-parser.ts), and no I/O.

import { z } from "zod";

export const WireUsage = z.looseObject({
  input_tokens: z.number().nullish(),
  output_tokens: z.number().nullish(),
  cache_read_input_tokens: z.number().nullish(),
  cache_creation_input_tokens: z.number().nullish(),
});
export type WireUsage = z.infer<typeof WireUsage>;

export const TextBlock = z.looseObject({ type: z.literal("text"), text: z.string() });
export const ThinkingBlock = z.looseObject({ type: z.literal("thinking"), thinking: z.string() });
export const ToolUseBlock = z.looseObject({ type: z.literal("tool_use"), id: z.string(), name: z.string(), input: z.unknown() });
export const ToolResultBlock = z.looseObject({
  type: z.literal("tool_result"),
  tool_use_id: z.string(),
  content: z.union([z.string(), z.array(z.looseObject({ type: z.string(), text: z.string().optional() }))]).nullish(),
  is_error: z.boolean().nullish(),
});
export type ToolResultBlock = z.infer<typeof ToolResultBlock>;

/** A content block of any type; the parser validates known types with the schemas above. */
const AnyBlock = z.looseObject({ type: z.string() });

export const SystemInit = z.looseObject({
  type: z.literal("system"),
  subtype: z.literal("init"),
  session_id: z.string(),
  model: z.string().optional(),
  permissionMode: z.string().optional(),
  mcp_servers: z.array(z.looseObject({ name: z.string(), status: z.string() })).optional(),
});

export const AssistantLine = z.looseObject({
  type: z.literal("assistant"),
  message: z.looseObject({ id: z.string().optional(), content: z.array(AnyBlock) }),
  parent_tool_use_id: z.string().nullish(),
  session_id: z.string().optional(),
});

export const UserLine = z.looseObject({
  type: z.literal("user"),
  message: z.looseObject({ content: z.union([z.string(), z.array(AnyBlock)]) }),
  parent_tool_use_id: z.string().nullish(),
});

export const ResultLine = z.looseObject({
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
  permission_denials: z.array(z.looseObject({ tool_name: z.string(), tool_use_id: z.string().optional() })).optional(),
});
export type ResultLine = z.infer<typeof ResultLine>;

export const ControlRequestLine = z.looseObject({
  type: z.literal("control_request"),
  request_id: z.string(),
  request: z.looseObject({ subtype: z.string() }),
});

export const CanUseToolRequest = z.looseObject({
  subtype: z.literal("can_use_tool"),
  tool_name: z.string(),
  input: z.record(z.string(), z.unknown()).default({}),
  tool_use_id: z.string().nullish(),
  decision_reason: z.unknown().optional(),
  blocked_path: z.string().nullish(),
});
export type CanUseToolRequest = z.infer<typeof CanUseToolRequest>;

export const ControlResponseLine = z.looseObject({
  type: z.literal("control_response"),
  response: z.looseObject({
    subtype: z.string(),
    request_id: z.string(),
    response: z.unknown().optional(),
    error: z.string().optional(),
  }),
});

export const ControlCancelLine = z.looseObject({ type: z.literal("control_cancel_request"), request_id: z.string() });

// ── frames aegis writes ─────────────────────────────────────────────────────────────────────────────────────────

/** One user turn. */
export function userFrame(text: string): string {
  return `${JSON.stringify({ type: "user", message: { role: "user", content: text } })}\n`;
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
