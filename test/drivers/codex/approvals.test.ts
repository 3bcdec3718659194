// Codex's approval requests answered by aegis's policy (#10): read allows no command or edit, write allows edits,
// full everything, auto asks the human (nobody to ask: refused); aegis's own MCP tools always pass.

import { describe, expect, test } from "bun:test";
import type { PermissionRequest } from "../../../src/drivers/driver.ts";
import { approvalAnswer, type ApprovalRequest, decideApproval, describeApproval } from "../../../src/drivers/codex/approvals.ts";
import { z } from "zod";
import { JsonRpcConnection } from "../../../src/drivers/acp/connection.ts";
import { LineChannel } from "../acp/line-channel.ts";

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

  test("Codex's messages without the jsonrpc member are read as 2.0 (jsonrpcOptional); a wrong version is still skipped (#10)", async () => {
    const notes: string[] = [];
    const ch = new LineChannel();
    const conn = new JsonRpcConnection(ch, { jsonrpcOptional: true, onNotification: (m) => notes.push(m), onRequest: () => ({ ok: 1 }) });
    void conn.start();
    const p = conn.request("a", {}, z.unknown());
    const failing = conn.request("b", {}, z.unknown());
    const req = await ch.next((m) => m.method === "a");
    const reqB = await ch.next((m) => m.method === "b");
    ch.push({ method: "x", params: {} });
    ch.push({ jsonrpc: "1.0", method: "skipped" });
    ch.push("not json");
    ch.push("[1]");
    ch.push({ id: 7, method: "ask", params: {} });
    ch.push({ id: reqB.id, error: { code: -32000, message: "no" } });
    ch.push({ id: req.id, result: { done: true } });
    expect(await p).toEqual({ done: true });
    await expect(failing).rejects.toThrow("no");
    expect(await ch.next((m) => m.id === 7)).toMatchObject({ jsonrpc: "2.0", id: 7, result: { ok: 1 } });
    expect(notes).toEqual(["x"]);
    expect(conn.skippedLines).toBe(3);
  });
});
