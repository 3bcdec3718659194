// Wire schemas of Codex CLI's app-server protocol (`codex app-server`, JSON-RPC over stdio, as of Codex 0.169.0;
// `codex app-server generate-ts` prints the full types) — only the part aegis speaks. Every inbound message is
// validated here, at the edge; objects are loose so that fields a newer Codex adds never break us, and an item or
// notification of a kind not listed stays `unknown` to the mapper. This file only describes shapes: no I/O, no state.

import { z } from "zod";

// ── results of aegis's requests ──────────────────────────────────────────────────────────────────────────────────
export const InitializeResult = z.looseObject({ userAgent: z.string().optional(), codexHome: z.string().optional() });
export type InitializeResult = z.infer<typeof InitializeResult>;

const ThreadInfo = z.looseObject({ id: z.string(), path: z.string().nullish() });

/** `thread/start` and `thread/resume` answer alike: the thread and the settings it runs with. */
export const ThreadResult = z.looseObject({
  thread: ThreadInfo,
  model: z.string().nullish(),
  modelProvider: z.string().nullish(),
  approvalPolicy: z.unknown().optional(),
  sandbox: z.unknown().optional(),
});
export type ThreadResult = z.infer<typeof ThreadResult>;

export const TurnInfo = z.looseObject({
  id: z.string(),
  status: z.string(),
  error: z.looseObject({ message: z.string(), codexErrorInfo: z.unknown().optional(), additionalDetails: z.string().nullish() }).nullish(),
});
export type TurnInfo = z.infer<typeof TurnInfo>;

export const TurnStartResult = z.looseObject({ turn: TurnInfo });
export const EmptyResult = z.unknown();

// ── thread items (item/started, item/completed) ──────────────────────────────────────────────────────────────────
export const ThreadItem = z.looseObject({ type: z.string(), id: z.string() });

export const CommandExecutionItem = z.looseObject({
  type: z.literal("commandExecution"),
  id: z.string(),
  command: z.string(),
  cwd: z.string().nullish(),
  status: z.string().nullish(),
  aggregatedOutput: z.string().nullish(),
  exitCode: z.number().nullish(),
});

export const FileChangeItem = z.looseObject({
  type: z.literal("fileChange"),
  id: z.string(),
  changes: z.array(z.looseObject({ path: z.string(), kind: z.unknown().optional(), diff: z.string().nullish() })),
  status: z.string().nullish(),
});

export const McpToolCallItem = z.looseObject({
  type: z.literal("mcpToolCall"),
  id: z.string(),
  server: z.string(),
  tool: z.string(),
  status: z.string().nullish(),
  arguments: z.unknown().optional(),
  result: z.looseObject({ content: z.array(z.unknown()).nullish(), structuredContent: z.unknown().optional() }).nullish(),
  error: z.looseObject({ message: z.string() }).nullish(),
});

export const DynamicToolCallItem = z.looseObject({
  type: z.literal("dynamicToolCall"),
  id: z.string(),
  tool: z.string(),
  namespace: z.string().nullish(),
  arguments: z.unknown().optional(),
  status: z.string().nullish(),
  success: z.boolean().nullish(),
  contentItems: z.array(z.unknown()).nullish(),
});

export const WebSearchItem = z.looseObject({ type: z.literal("webSearch"), id: z.string(), query: z.string().nullish() });
export const AgentMessageItem = z.looseObject({ type: z.literal("agentMessage"), id: z.string(), text: z.string() });
export const ReasoningItem = z.looseObject({
  type: z.literal("reasoning"),
  id: z.string(),
  summary: z.array(z.string()).nullish(),
  content: z.array(z.string()).nullish(),
});

// ── notifications (server → client) ──────────────────────────────────────────────────────────────────────────────
/** Every turn-scoped notification names its thread (and turn): the session routes on these. */
export const TurnScoped = z.looseObject({ threadId: z.string(), turnId: z.string().nullish() });

export const ItemParams = z.looseObject({ threadId: z.string(), turnId: z.string().nullish(), item: ThreadItem });
export const DeltaParams = z.looseObject({ threadId: z.string(), itemId: z.string(), delta: z.string() });

const TokenBreakdown = z.looseObject({
  inputTokens: z.number(),
  cachedInputTokens: z.number().optional(),
  cacheWriteInputTokens: z.number().optional(),
  outputTokens: z.number(),
  reasoningOutputTokens: z.number().optional(),
});
export type TokenBreakdown = z.infer<typeof TokenBreakdown>;
export const TokenUsageParams = z.looseObject({
  threadId: z.string(),
  tokenUsage: z.looseObject({ total: TokenBreakdown, last: TokenBreakdown }),
});

/** A raw Responses API item (thread/start `experimentalRawEvents`): aegis reads only tool calls and their outputs. */
export const RawItemParams = z.looseObject({
  threadId: z.string(),
  item: z.looseObject({
    type: z.string(),
    call_id: z.string().optional(),
    name: z.string().optional(),
    namespace: z.string().nullish(),
    arguments: z.string().optional(),
    input: z.string().optional(),
    output: z.unknown().optional(),
  }),
});

export const PlanParams = z.looseObject({
  threadId: z.string(),
  plan: z.array(z.looseObject({ step: z.string(), status: z.string() })),
});

export const TurnCompletedParams = z.looseObject({ threadId: z.string(), turn: TurnInfo });
export const TurnStartedParams = z.looseObject({ threadId: z.string(), turn: z.looseObject({ id: z.string() }) });

export const ErrorParams = z.looseObject({
  threadId: z.string().optional(),
  willRetry: z.boolean().optional(),
  error: z.looseObject({ message: z.string(), additionalDetails: z.string().nullish() }),
});

// ── requests (server → client): approvals ────────────────────────────────────────────────────────────────────────
export const CommandApprovalParams = z.looseObject({
  threadId: z.string(),
  turnId: z.string().nullish(),
  itemId: z.string(),
  command: z.string().nullish(),
  cwd: z.string().nullish(),
  reason: z.string().nullish(),
});
export type CommandApprovalParams = z.infer<typeof CommandApprovalParams>;

export const FileChangeApprovalParams = z.looseObject({
  threadId: z.string(),
  turnId: z.string().nullish(),
  itemId: z.string(),
  reason: z.string().nullish(),
  grantRoot: z.string().nullish(),
});
export type FileChangeApprovalParams = z.infer<typeof FileChangeApprovalParams>;

/** An MCP server's elicitation; Codex also uses it to ask before an MCP tool call (`_meta.codex_approval_kind`). */
export const ElicitationParams = z.looseObject({
  threadId: z.string(),
  turnId: z.string().nullish(),
  serverName: z.string(),
  mode: z.string().optional(),
  message: z.string().optional(),
  _meta: z.unknown().optional(),
});
export type ElicitationParams = z.infer<typeof ElicitationParams>;

/** The model asks for more than its sandbox allows (network, more folders) for the rest of the turn. */
export const PermissionsApprovalParams = z.looseObject({
  threadId: z.string(),
  turnId: z.string().nullish(),
  itemId: z.string(),
  reason: z.string().nullish(),
  permissions: z.looseObject({ network: z.unknown().optional(), fileSystem: z.unknown().optional() }),
});
export type PermissionsApprovalParams = z.infer<typeof PermissionsApprovalParams>;

/** Codex's answer vocabulary for command and file-change approvals. */
export type ApprovalDecision = "accept" | "decline" | "cancel";

// ── client → server ──────────────────────────────────────────────────────────────────────────────────────────────
export type SandboxMode = "read-only" | "workspace-write" | "danger-full-access";
export type ApprovalPolicy = "untrusted" | "on-request" | "never";

/** A text item of `turn/start`'s input. */
export function textInput(text: string): { type: "text"; text: string; text_elements: [] } {
  return { type: "text", text, text_elements: [] };
}
