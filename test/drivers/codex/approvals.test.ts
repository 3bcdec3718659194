// Codex's approval requests answered by aegis's policy (#10): read allows no command or edit, write allows edits,
// full everything, auto asks the human (nobody to ask: refused); aegis's own MCP tools always pass.

import { describe, expect, test } from "bun:test";
import type { PermissionRequest } from "../../../src/drivers/driver.ts";
import { approvalAnswer, type ApprovalRequest, decideApproval, describeApproval } from "../../../src/drivers/codex/approvals.ts";
import { asJsonRpc } from "../../../src/drivers/codex/codex-client.ts";

const scope = { threadId: "t", turnId: "u", itemId: "i" };
const command: ApprovalRequest = { method: "item/commandExecution/requestApproval", params: { ...scope, command: "/bin/bash -lc 'touch x'", cwd: "/w" } };
const patch: ApprovalRequest = { method: "item/fileChange/requestApproval", params: { ...scope, reason: "add a.txt" } };
const mcp = (serverName: string): ApprovalRequest => ({ method: "mcpServer/elicitation/request", params: { threadId: "t", turnId: "u", serverName, message: "Allow?", _meta: { codex_approval_kind: "mcp_tool_call" } } });

describe("Codex approvals (#10)", () => {
  test("the policy table per permission level, with nobody to ask", async () => {
    const table: Record<string, boolean[]> = {};
    for (const level of ["read", "write", "full", "auto"] as const) {
      table[level] = await Promise.all([command, patch, mcp("echo"), mcp("aegis")].map((r) => decideApproval(level, r)));
    }
    expect(table).toEqual({
      read: [false, false, false, true],
      write: [false, true, false, true],
      full: [true, true, true, true],
      auto: [false, false, false, true],
    });
  });

  test("auto puts the question to askPermission in aegis's terms", async () => {
    const asked: PermissionRequest[] = [];
    const ask = async (r: PermissionRequest) => (asked.push(r), true);
    expect(await decideApproval("auto", command, ask)).toBe(true);
    expect(asked).toEqual([{ toolName: "shell", kind: "execute", title: "/bin/bash -lc 'touch x'", input: { command: "/bin/bash -lc 'touch x'", cwd: "/w" } }]);
    expect(describeApproval(mcp("echo"))).toMatchObject({ toolName: "mcp__echo", kind: "other" });
  });

  test("more permissions than the sandbox gives: granted whole at full, nothing elsewhere; auto asks (#10)", async () => {
    const wants = { network: { enabled: true }, fileSystem: null };
    const req: ApprovalRequest = { method: "item/permissions/requestApproval", params: { ...scope, reason: "needs the network", permissions: wants } };
    expect(await decideApproval("full", req)).toBe(true);
    expect(await decideApproval("write", req)).toBe(false);
    expect(await decideApproval("auto", req, async (r) => r.kind === "execute" && r.title === "needs the network")).toBe(true);
    expect(approvalAnswer(req, true)).toEqual({ permissions: wants, scope: "turn" });
    expect(approvalAnswer(req, false)).toEqual({ permissions: {}, scope: "turn" });
  });

  test("answers in Codex's vocabulary: decision accept/decline, elicitation action accept/decline", () => {
    expect(approvalAnswer(command, true)).toEqual({ decision: "accept" });
    expect(approvalAnswer(patch, false)).toEqual({ decision: "decline" });
    expect(approvalAnswer(mcp("echo"), true)).toEqual({ action: "accept", content: null, _meta: null });
    expect(approvalAnswer(mcp("echo"), false)).toEqual({ action: "decline", content: null, _meta: null });
  });

  test("Codex's lines get the jsonrpc member they leave out; other lines pass unchanged", async () => {
    async function* lines() {
      yield '{"id":1,"result":{}}';
      yield '{"jsonrpc":"2.0","method":"x"}';
      yield "not json";
      yield "[1]";
    }
    const out: string[] = [];
    for await (const l of asJsonRpc(lines())) out.push(l);
    expect(out.map((l) => (l.startsWith("{") ? JSON.parse(l) : l))).toEqual([{ jsonrpc: "2.0", id: 1, result: {} }, { jsonrpc: "2.0", method: "x" }, "not json", "[1]"]);
  });
});
