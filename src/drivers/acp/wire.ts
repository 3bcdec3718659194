// Wire schemas of the Agent Client Protocol (ACP v1) as aegis speaks it: the JSON-RPC 2.0 envelope and the messages a
// client sends or receives. Every inbound message is validated here, at the edge; objects are loose so that fields a
// newer CLI adds never break us. This file only describes shapes: no I/O, no state.

import { z } from "zod";

export const ACP_PROTOCOL_VERSION = 1;

// ── JSON-RPC 2.0 envelope ────────────────────────────────────────────────────────────────────────────────────────
export const RpcId = z.union([z.number(), z.string()]);
export type RpcId = z.infer<typeof RpcId>;

export const RpcErrorBody = z.looseObject({ code: z.number(), message: z.string(), data: z.unknown().optional() });
export type RpcErrorBody = z.infer<typeof RpcErrorBody>;

export const RpcRequest = z.looseObject({ jsonrpc: z.literal("2.0"), id: RpcId, method: z.string(), params: z.unknown().optional() });
export const RpcNotification = z.looseObject({ jsonrpc: z.literal("2.0"), method: z.string(), params: z.unknown().optional() });
export const RpcResult = z.looseObject({ jsonrpc: z.literal("2.0"), id: RpcId, result: z.unknown() });
export const RpcError = z.looseObject({ jsonrpc: z.literal("2.0"), id: RpcId.nullable(), error: RpcErrorBody });

/** Standard JSON-RPC error codes aegis sends back. */
export const RPC_METHOD_NOT_FOUND = -32601;
export const RPC_INVALID_PARAMS = -32602;
export const RPC_INTERNAL_ERROR = -32603;

// ── shared ACP pieces ────────────────────────────────────────────────────────────────────────────────────────────
export const ContentBlock = z.looseObject({ type: z.string(), text: z.string().optional() });
export type ContentBlock = z.infer<typeof ContentBlock>;

/** Tool-call content: plain content, a diff, or a terminal reference. */
export const ToolCallContent = z.looseObject({
  type: z.string(),
  content: ContentBlock.optional(),
  path: z.string().optional(),
  oldText: z.string().nullish(),
  newText: z.string().optional(),
});
export type ToolCallContent = z.infer<typeof ToolCallContent>;

const ToolCallFields = {
  toolCallId: z.string(),
  title: z.string().nullish(),
  kind: z.string().nullish(),
  status: z.string().nullish(),
  content: z.array(ToolCallContent).nullish(),
  rawInput: z.unknown().optional(),
  rawOutput: z.unknown().optional(),
};
export const ToolCallUpdate = z.looseObject(ToolCallFields);
export type ToolCallUpdate = z.infer<typeof ToolCallUpdate>;

// ── agent → client ───────────────────────────────────────────────────────────────────────────────────────────────
export const InitializeResult = z.looseObject({
  protocolVersion: z.number(),
  agentCapabilities: z
    .looseObject({
      loadSession: z.boolean().optional(),
      mcpCapabilities: z.looseObject({ http: z.boolean().optional(), sse: z.boolean().optional() }).optional(),
    })
    .optional(),
  agentInfo: z.looseObject({ name: z.string().optional(), version: z.string().optional() }).nullish(),
});
export type InitializeResult = z.infer<typeof InitializeResult>;

/** A session mode the agent offers (`plan`, `yolo`, or a URL id such as Copilot's `…/session-modes#plan`). */
export const SessionMode = z.looseObject({ id: z.string(), name: z.string().nullish(), description: z.string().nullish() });
export type SessionMode = z.infer<typeof SessionMode>;

/** A value of a `select` config option; ACP also allows groups of them (`{ group, name, options }`). */
const ConfigValue = z.looseObject({ value: z.string().optional(), name: z.string().nullish(), options: z.array(z.looseObject({ value: z.string(), name: z.string().nullish() })).optional() });
export const ConfigOption = z.looseObject({ id: z.string(), type: z.string().optional(), currentValue: z.unknown().optional(), options: z.array(ConfigValue).optional() });
export type ConfigOption = z.infer<typeof ConfigOption>;

/**
 * What session/new and session/load may say about the session's modes, models and config options (all optional in
 * ACP). A malformed one is dropped (`catch`), never fatal: the session itself is still usable.
 */
const SessionSetupFields = {
  modes: z.looseObject({ availableModes: z.array(SessionMode), currentModeId: z.string() }).nullish().catch(undefined),
  models: z.looseObject({ availableModels: z.array(z.looseObject({ modelId: z.string(), name: z.string().nullish() })), currentModelId: z.string() }).nullish().catch(undefined),
  configOptions: z.array(ConfigOption).nullish().catch(undefined),
};
export const NewSessionResult = z.looseObject({ sessionId: z.string(), ...SessionSetupFields });
export type NewSessionResult = z.infer<typeof NewSessionResult>;

export const LoadSessionResult = z.looseObject(SessionSetupFields).nullish();
export type LoadSessionResult = z.infer<typeof LoadSessionResult>;
/** The parts of a session/new or session/load result that describe modes and models. */
export type SessionSetup = Pick<NewSessionResult, "modes" | "models" | "configOptions">;

const TokenCount = z.looseObject({ input_tokens: z.number().optional(), output_tokens: z.number().optional() });
export const PromptResult = z.looseObject({
  stopReason: z.string(),
  usage: z
    .looseObject({
      inputTokens: z.number().optional(),
      outputTokens: z.number().optional(),
      cachedReadTokens: z.number().nullish(),
      cachedWriteTokens: z.number().nullish(),
    })
    .nullish(),
  _meta: z.looseObject({ quota: z.looseObject({ token_count: TokenCount.optional() }).optional() }).nullish(),
});
export type PromptResult = z.infer<typeof PromptResult>;

const Chunk = { content: ContentBlock, messageId: z.string().nullish() };
export const SessionUpdate = z.discriminatedUnion("sessionUpdate", [
  z.looseObject({ sessionUpdate: z.literal("agent_message_chunk"), ...Chunk }),
  z.looseObject({ sessionUpdate: z.literal("agent_thought_chunk"), ...Chunk }),
  z.looseObject({ sessionUpdate: z.literal("user_message_chunk"), ...Chunk }),
  z.looseObject({ sessionUpdate: z.literal("tool_call"), ...ToolCallFields }),
  z.looseObject({ sessionUpdate: z.literal("tool_call_update"), ...ToolCallFields }),
  z.looseObject({
    sessionUpdate: z.literal("plan"),
    entries: z.array(z.looseObject({ content: z.string(), status: z.string() })),
  }),
  z.looseObject({
    sessionUpdate: z.literal("usage_update"),
    used: z.number().optional(),
    size: z.number().optional(),
    cost: z.looseObject({ amount: z.number(), currency: z.string().optional() }).nullish(),
  }),
]);
export type SessionUpdate = z.infer<typeof SessionUpdate>;

/** The envelope of `session/update`; the update itself is checked separately so an unknown kind stays `unknown`. */
export const SessionUpdateParams = z.looseObject({ sessionId: z.string(), update: z.looseObject({ sessionUpdate: z.string() }) });

export const PermissionOption = z.looseObject({ optionId: z.string(), kind: z.string(), name: z.string().optional() });
export type PermissionOption = z.infer<typeof PermissionOption>;

export const RequestPermissionParams = z.looseObject({
  sessionId: z.string(),
  toolCall: ToolCallUpdate,
  options: z.array(PermissionOption),
});
export type RequestPermissionParams = z.infer<typeof RequestPermissionParams>;

export type PermissionOutcome = { outcome: "cancelled" } | { outcome: "selected"; optionId: string };

// ── client → agent ───────────────────────────────────────────────────────────────────────────────────────────────
/** An MCP server as ACP's `session/new` takes it (headers and env are name/value lists, required even when empty). */
export type AcpMcpServer =
  | { type: "http"; name: string; url: string; headers: Array<{ name: string; value: string }> }
  | { name: string; command: string; args: string[]; env: Array<{ name: string; value: string }> };
