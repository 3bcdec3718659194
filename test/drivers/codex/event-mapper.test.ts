// The Codex app-server → AgentEvent mapping (#10), fed the notifications Codex 0.169.0 sends (shapes as recorded from
// the real app-server against the mock LLM; shared/reference/codex.md).

import { describe, expect, test } from "bun:test";
import { CodexEventMapper, toUsage } from "../../../src/drivers/codex/event-mapper.ts";

const scope = { threadId: "th_1", turnId: "tu_1" };
const item = (it: Record<string, unknown>) => ({ ...scope, item: it });
const cmd = { type: "commandExecution", id: "call_1", command: "/bin/bash -lc 'echo hi'", cwd: "/w", processId: "7", status: "inProgress", commandActions: [], aggregatedOutput: null, exitCode: null, durationMs: null };
const usage = (input: number, cached: number, output: number) => ({
  ...scope,
  tokenUsage: {
    total: { totalTokens: 0, inputTokens: 0, cachedInputTokens: 0, cacheWriteInputTokens: 0, outputTokens: 0, reasoningOutputTokens: 0 },
    last: { totalTokens: input + output, inputTokens: input, cachedInputTokens: cached, cacheWriteInputTokens: 0, outputTokens: output, reasoningOutputTokens: 0 },
    modelContextWindow: 272000,
  },
});

function mapper(): CodexEventMapper {
  const m = new CodexEventMapper();
  m.beginTurn();
  return m;
}

describe("Codex event mapping (#10)", () => {
  test("agent message deltas become text chunks of one message; its item/completed does not repeat them", () => {
    const m = mapper();
    expect(m.map("item/started", item({ type: "agentMessage", id: "msg_1", text: "" }))).toEqual([]);
    expect(m.map("item/agentMessage/delta", { ...scope, itemId: "msg_1", delta: "ECHO: h" })).toEqual([{ type: "text", text: "ECHO: h", messageId: "msg_1" }]);
    expect(m.map("item/agentMessage/delta", { ...scope, itemId: "msg_1", delta: "i" })).toEqual([{ type: "text", text: "i", messageId: "msg_1" }]);
    expect(m.map("item/completed", item({ type: "agentMessage", id: "msg_1", text: "ECHO: hi" }))).toEqual([]);
  });

  test("a message that arrives whole (no deltas) is text once", () => {
    expect(mapper().map("item/completed", item({ type: "agentMessage", id: "msg_2", text: "whole" }))).toEqual([{ type: "text", text: "whole", messageId: "msg_2" }]);
  });

  test("reasoning: summary deltas are thinking; raw deltas are left out once a summary streams; a silent item gives its summary", () => {
    const m = mapper();
    expect(m.map("item/reasoning/summaryTextDelta", { ...scope, itemId: "r1", delta: "plan", summaryIndex: 0 })).toEqual([{ type: "thinking", text: "plan" }]);
    expect(m.map("item/reasoning/textDelta", { ...scope, itemId: "r1", delta: "raw" })).toEqual([]);
    expect(m.map("item/completed", item({ type: "reasoning", id: "r1", summary: ["plan"], content: [] }))).toEqual([]);
    expect(m.map("item/completed", item({ type: "reasoning", id: "r2", summary: ["a", "b"], content: [] }))).toEqual([{ type: "thinking", text: "a\nb" }]);
  });

  test("a command is a shell tool_call (execute) then its result: exit 0 ok, non-zero or declined not", () => {
    const m = mapper();
    expect(m.map("item/started", item(cmd))).toEqual([{ type: "tool_call", id: "call_1", name: "shell", kind: "execute", input: { command: cmd.command, cwd: "/w" } }]);
    expect(m.map("item/completed", item({ ...cmd, status: "completed", exitCode: 0, aggregatedOutput: "hi\n" }))).toEqual([{ type: "tool_result", id: "call_1", ok: true, text: "hi\n" }]);
    expect(m.map("item/completed", item({ ...cmd, status: "failed", exitCode: 1, aggregatedOutput: "touch: Read-only file system" }))[0]).toMatchObject({ ok: false, text: "touch: Read-only file system" });
    expect(m.map("item/completed", item({ ...cmd, status: "declined" }))[0]).toMatchObject({ ok: false, text: "declined" });
  });

  test("file changes are apply_patch edits; MCP calls are mcp__<server>__<tool> with their content or error", () => {
    const m = mapper();
    const patch = { type: "fileChange", id: "call_2", changes: [{ path: "/w/a.txt", kind: { type: "add" }, diff: "x" }], status: "inProgress" };
    expect(m.map("item/started", item(patch))[0]).toMatchObject({ type: "tool_call", name: "apply_patch", kind: "edit", input: { changes: [{ path: "/w/a.txt" }] } });
    expect(m.map("item/completed", item({ ...patch, status: "completed" }))[0]).toMatchObject({ type: "tool_result", ok: true, text: "completed: /w/a.txt" });
    const mcp = { type: "mcpToolCall", id: "call_3", server: "aegis", tool: "list_sessions", status: "inProgress", arguments: { a: 1 }, result: null, error: null };
    expect(m.map("item/started", item(mcp))[0]).toMatchObject({ type: "tool_call", name: "mcp__aegis__list_sessions", kind: "other", input: { a: 1 } });
    expect(m.map("item/completed", item({ ...mcp, status: "completed", result: { content: [{ type: "text", text: "MCP ECHO: hi" }] } }))[0])
      .toEqual({ type: "tool_result", id: "call_3", ok: true, text: "MCP ECHO: hi" });
    expect(m.map("item/completed", item({ ...mcp, status: "failed", error: { message: "MCP tool call requires approval" } }))[0])
      .toEqual({ type: "tool_result", id: "call_3", ok: false, text: "MCP tool call requires approval" });
  });

  test("usage is the sum of the turn's requests, cached input kept apart; a new turn starts from zero", () => {
    const m = mapper();
    m.map("thread/tokenUsage/updated", usage(1000, 200, 10));
    m.map("thread/tokenUsage/updated", usage(1500, 1000, 5));
    expect(m.turnUsage()).toEqual({ input: 1300, output: 15, cacheRead: 1200, cacheWrite: 0 });
    m.beginTurn();
    expect(m.turnUsage()).toEqual({ input: 0, output: 0, cacheRead: 0, cacheWrite: 0 });
    expect(toUsage({ inputTokens: 10, cachedInputTokens: 2, cacheWriteInputTokens: 3, outputTokens: 4 })).toEqual({ input: 5, output: 4, cacheRead: 2, cacheWrite: 3 });
  });

  test("plan updates become plan entries", () => {
    const plan = [{ step: "read", status: "completed" }, { step: "fix", status: "inProgress" }, { step: "test", status: "pending" }];
    expect(mapper().map("turn/plan/updated", { ...scope, explanation: null, plan })).toEqual([{
      type: "plan", entries: [{ content: "read", status: "completed" }, { content: "fix", status: "in_progress" }, { content: "test", status: "pending" }],
    }]);
  });

  test("bookkeeping is dropped; an unknown notification or item kind is kept as unknown", () => {
    const m = mapper();
    expect(m.map("thread/status/changed", { threadId: "th_1", status: { type: "idle" } })).toEqual([]);
    expect(m.map("item/commandExecution/outputDelta", { ...scope, itemId: "call_1", delta: "x" })).toEqual([]);
    expect(m.map("thread/goal/updated", { threadId: "th_1" })).toEqual([{ type: "unknown", raw: { method: "thread/goal/updated", params: { threadId: "th_1" } } }]);
    expect(m.map("item/started", item({ type: "imageGeneration", id: "ig" }))[0]).toMatchObject({ type: "unknown" });
    expect(m.map("item/started", { threadId: "th_1" })[0]).toMatchObject({ type: "unknown" });
  });

  test("a tool call Codex announced no item for (read-only sandbox, failing at once) comes from the raw items, once (#10)", () => {
    const m = mapper();
    const raw = (it: Record<string, unknown>) => m.map("rawResponseItem/completed", { ...scope, item: it });
    expect(raw({ type: "function_call", name: "exec_command", arguments: '{"cmd":"touch x"}', call_id: "call_9" })).toEqual([]);
    expect(raw({ type: "function_call_output", call_id: "call_9", output: "Chunk ID: 1\nProcess exited with code 1\nOutput:\ntouch: Read-only file system\n" })).toEqual([
      { type: "tool_call", id: "call_9", name: "shell", kind: "execute", input: { cmd: "touch x" } },
      { type: "tool_result", id: "call_9", ok: false, text: "Chunk ID: 1\nProcess exited with code 1\nOutput:\ntouch: Read-only file system\n" },
    ]);
    expect(raw({ type: "custom_tool_call", name: "apply_patch", input: "*** Begin Patch", call_id: "call_10" })).toEqual([]);
    expect(raw({ type: "custom_tool_call_output", call_id: "call_10", output: "patch rejected: writing is blocked by read-only sandbox" })).toMatchObject([
      { type: "tool_call", name: "apply_patch", kind: "edit" }, { type: "tool_result", ok: false },
    ]);
    // An announced call is not repeated from its raw items.
    m.map("item/started", item(cmd));
    expect(raw({ type: "function_call", name: "exec_command", arguments: "{}", call_id: "call_1" })).toEqual([]);
    expect(raw({ type: "function_call_output", call_id: "call_1", output: "Process exited with code 0" })).toEqual([]);
    expect(raw({ type: "message", role: "assistant", content: [] })).toEqual([]);
  });
});
