// How aegis answers Codex's approval requests (server → client requests during a turn): a command to run, a file
// change to apply, an MCP tool call (an elicitation with `_meta.codex_approval_kind: "mcp_tool_call"`), more
// permissions than the sandbox gives (network, folders; granted whole or not at all). It describes
// each in aegis's terms and decides by the session's permission level: aegis's own MCP tools always pass; otherwise
// read allows reads, write adds edits, full allows all, auto asks the human (no one to ask: refused). Codex's
// sandbox still applies to whatever is allowed. This file decides only: it sends nothing and holds no state.

import type { Permission } from "../../config/provider-options.ts";
import { type PermissionRequest, permissionAllows } from "../driver.ts";
import { AEGIS_MCP_SERVER } from "./launch.ts";
import type { ApprovalDecision, CommandApprovalParams, ElicitationParams, FileChangeApprovalParams, PermissionsApprovalParams } from "./wire.ts";

export type ApprovalRequest =
  | { method: "item/commandExecution/requestApproval"; params: CommandApprovalParams }
  | { method: "item/fileChange/requestApproval"; params: FileChangeApprovalParams }
  | { method: "mcpServer/elicitation/request"; params: ElicitationParams }
  | { method: "item/permissions/requestApproval"; params: PermissionsApprovalParams };

/** The question in aegis's own terms, as handed to `askPermission`. */
export function describeApproval(req: ApprovalRequest): PermissionRequest {
  switch (req.method) {
    case "item/commandExecution/requestApproval": {
      const command = req.params.command ?? "";
      return { toolName: "shell", kind: "execute", title: command || "run a command", input: { command, cwd: req.params.cwd ?? undefined } };
    }
    case "item/fileChange/requestApproval":
      return { toolName: "apply_patch", kind: "edit", title: req.params.reason ?? "apply a file change", input: { grantRoot: req.params.grantRoot ?? undefined } };
    case "mcpServer/elicitation/request":
      return { toolName: `mcp__${req.params.serverName}`, kind: "other", title: req.params.message ?? `a tool of MCP server ${req.params.serverName}`, input: req.params._meta };
    case "item/permissions/requestApproval":
      // Leaving the sandbox is as much as running anything: only full allows it, auto asks.
      return { toolName: "request_permissions", kind: "execute", title: req.params.reason ?? "more permissions than the sandbox gives", input: req.params.permissions };
  }
}

/** Whether aegis allows the request at this level, asking the human for `ask` verdicts (no one to ask: no). */
export async function decideApproval(
  permission: Permission,
  req: ApprovalRequest,
  askPermission?: (req: PermissionRequest) => Promise<boolean>,
): Promise<boolean> {
  if (req.method === "mcpServer/elicitation/request" && req.params.serverName === AEGIS_MCP_SERVER) return true;
  const described = describeApproval(req);
  const verdict = permissionAllows(permission, described.kind);
  if (verdict !== "ask") return verdict;
  if (!askPermission) return false;
  return (await askPermission(described)) === true;
}

/** The JSON-RPC result answering the request. A refusal declines the one action; the turn goes on. */
export function approvalAnswer(req: ApprovalRequest, allow: boolean): unknown {
  if (req.method === "mcpServer/elicitation/request") return { action: allow ? "accept" : "decline", content: null, _meta: null };
  if (req.method === "item/permissions/requestApproval") return { permissions: allow ? req.params.permissions : {}, scope: "turn" };
  const decision: ApprovalDecision = allow ? "accept" : "decline";
  return { decision };
}
