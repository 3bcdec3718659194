// Answers Claude Code's `can_use_tool` control requests by aegis's permission policy. Only `auto` sessions get a
// prompt tool (see claude-command.ts), but every level is answered defensively: read never allows a tool (an allow
// would override plan mode), except aegis's own MCP tools, which every agent may call.

import type { Permission } from "../../config/providers.ts";
import { permissionAllows, type PermissionRequest } from "../driver.ts";
import { AEGIS_MCP_SERVER } from "./claude-command.ts";
import type { CanUseToolRequest, PermissionDecision } from "./claude-wire.ts";
import { claudeToolKind, mcpServerOf } from "./tool-kind.ts";
import { errorMessage } from "../../util/errors.ts";

export type AskPermission = (req: PermissionRequest) => Promise<boolean>;

export async function decideToolUse(
  permission: Permission,
  req: CanUseToolRequest,
  ask: AskPermission | undefined,
): Promise<PermissionDecision> {
  const allow: PermissionDecision = { behavior: "allow", updatedInput: req.input };
  const deny = (why: string): PermissionDecision => ({ behavior: "deny", message: `aegis: ${why}` });
  if (mcpServerOf(req.tool_name) === AEGIS_MCP_SERVER) return allow;
  const kind = claudeToolKind(req.tool_name);
  if (permission === "read") return deny(`${req.tool_name} is not allowed: this agent's permission is read`);
  const verdict = permissionAllows(permission, kind);
  if (verdict === true) return allow;
  if (verdict === false) return deny(`${req.tool_name} (${kind}) is not allowed: this agent's permission is ${permission}`);
  if (!ask) return deny(`${req.tool_name} needs approval and there is no one to ask (permission auto, no TTY)`);
  try {
    const ok = await ask({ toolName: req.tool_name, kind, title: toolTitle(req.tool_name, req.input), input: req.input });
    return ok ? allow : deny(`${req.tool_name} was refused by the user`);
  } catch (err) {
    return deny(`${req.tool_name} was refused: asking for approval failed (${errorMessage(err)})`);
  }
}

/** A one-line summary of a tool call for a human deciding on it. */
export function toolTitle(name: string, input: Record<string, unknown>): string {
  const key = name === "Bash" ? "command" : ["Read", "Write", "Edit", "MultiEdit"].includes(name) ? "file_path" : undefined;
  const value = key ? input[key] : Object.values(input).find((v) => typeof v === "string");
  return typeof value === "string" ? `${name}: ${value}` : name;
}
