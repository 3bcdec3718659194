// How aegis answers an ACP `session/request_permission`: it names the tool behind the request, decides by the
// session's permission level, and picks the matching option. The table: read allows only read/search/fetch/think
// kinds, write adds edits, full allows all, auto asks the human (and refuses when nobody can be asked). Tools of
// aegis's own MCP server are always allowed; Gemini's `exit_plan_mode` is always refused for read, since one allow
// would leave plan mode. This file decides only: it sends nothing and holds no state.

import type { Permission } from "../../config/providers.ts";
import { permissionAllows, type PermissionRequest, type ToolKind } from "../driver.ts";
import type { PermissionOption, PermissionOutcome, ToolCallUpdate } from "./wire.ts";

/** The name of aegis's own MCP server as handed to every agent. */
export const AEGIS_MCP_SERVER = "aegis";

export type PermissionDecision = "allow" | "reject" | "ask";

const TOOL_KINDS: ReadonlySet<string> = new Set(["read", "edit", "delete", "move", "search", "execute", "think", "fetch", "other"]);

/** ACP tool kinds outside aegis's vocabulary (e.g. Gemini's `switch_mode`) count as `other`. */
export function toToolKind(kind: string | null | undefined): ToolKind {
  return kind && TOOL_KINDS.has(kind) ? (kind as ToolKind) : "other";
}

/**
 * The tool's name behind an ACP tool call. Gemini builds call ids as `<tool name>__<tool name>_<time>_<n>`; OpenCode
 * uses opaque `call_…` ids, and its first `tool_call` update is titled with the tool's name (`knownName`).
 */
export function toolNameOf(call: Pick<ToolCallUpdate, "toolCallId" | "title">, knownName?: string): string {
  const sep = call.toolCallId.indexOf("__");
  if (sep > 0) return call.toolCallId.slice(0, sep);
  return knownName ?? call.title ?? call.toolCallId;
}

/** The permission question in aegis's own terms, as handed to `askPermission`. */
export function describePermissionRequest(call: ToolCallUpdate, knownName?: string): PermissionRequest {
  return {
    toolName: toolNameOf(call, knownName),
    kind: toToolKind(call.kind),
    title: call.title ?? "",
    ...(call.rawInput !== undefined ? { input: call.rawInput } : {}),
  };
}

// Only kinds an MCP tool can carry: a shell command titled "… (aegis MCP Server)" must not pass as one of ours.
const MCP_KINDS: ReadonlySet<ToolKind> = new Set(["other", "read", "search", "fetch", "think"]);
const GEMINI_AEGIS_TITLE = ` (${AEGIS_MCP_SERVER} MCP Server)`;

/**
 * Whether the request is for a tool of aegis's own MCP plane (all named `aegis_…`), by how each agent names a
 * server's tool: Gemini `mcp_aegis_…`, OpenCode `aegis_…`, GitHub Copilot CLI `aegis-aegis_…`, Claude-style
 * `mcp__aegis__aegis_…` (Qwen Code, claude-code-acp).
 */
export function isAegisTool(req: PermissionRequest): boolean {
  if (!MCP_KINDS.has(req.kind)) return false;
  const name = req.toolName;
  if (name.startsWith(`mcp_${AEGIS_MCP_SERVER}_`) || /^aegis_[A-Za-z0-9_-]+$/.test(name)) return true;
  if (/^(?:aegis-|mcp__aegis__)aegis_[A-Za-z0-9_]+$/.test(name)) return true;
  return req.title.endsWith(GEMINI_AEGIS_TITLE);
}

/** The policy table: what aegis answers for `req` at this permission level, before asking anyone. */
export function decidePermission(permission: Permission, req: PermissionRequest): PermissionDecision {
  if (isAegisTool(req)) return "allow";
  if (permission === "read" && req.toolName === "exit_plan_mode") return "reject";
  const verdict = permissionAllows(permission, req.kind);
  if (verdict === "ask") return "ask";
  return verdict ? "allow" : "reject";
}

/** Decides, asking the human for `ask` verdicts; without anyone to ask (no TTY, CI) the answer is no. */
export async function resolvePermission(
  permission: Permission,
  req: PermissionRequest,
  askPermission?: (req: PermissionRequest) => Promise<boolean>,
): Promise<boolean> {
  const decision = decidePermission(permission, req);
  if (decision !== "ask") return decision === "allow";
  if (!askPermission) return false;
  return (await askPermission(req)) === true;
}

/**
 * The ACP answer for a decision. Allow picks a one-time option (never "always", which would outlive this decision
 * inside the CLI); reject picks a reject option, or `cancelled` when the agent offered none.
 */
export function chooseOutcome(options: PermissionOption[], allow: boolean): PermissionOutcome {
  const order = allow ? ["allow_once", "allow_always"] : ["reject_once", "reject_always"];
  for (const kind of order) {
    const option = options.find((o) => o.kind === kind);
    if (option) return { outcome: "selected", optionId: option.optionId };
  }
  return { outcome: "cancelled" };
}
