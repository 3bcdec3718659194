import { describe, expect, test } from "bun:test";
import { UpdateMapper } from "../../../src/drivers/acp/event-mapper.ts";

// Updates below are copied from the real CLIs' wire traffic (reference/real-clis.md §2–3).
describe("UpdateMapper", () => {
  test("text chunks keep OpenCode's messageId; Gemini's get one per run of text", () => {
    const m = new UpdateMapper();
    m.beginTurn();
    expect(m.map({ sessionUpdate: "agent_message_chunk", messageId: "msg_2146a", content: { type: "text", text: "ECHO: hello" } }))
      .toEqual([{ type: "text", text: "ECHO: hello", messageId: "msg_2146a" }]);
    const a = m.map({ sessionUpdate: "agent_message_chunk", content: { type: "text", text: "one " } });
    const b = m.map({ sessionUpdate: "agent_message_chunk", content: { type: "text", text: "two" } });
    m.map({ sessionUpdate: "tool_call", toolCallId: "t1", title: "bash", kind: "execute", status: "pending" });
    const c = m.map({ sessionUpdate: "agent_message_chunk", content: { type: "text", text: "after tool" } });
    const id = (e: unknown) => (e as Array<{ messageId: string }>)[0]!.messageId;
    expect(id(a)).toBe(id(b));
    expect(id(c)).not.toBe(id(a));
    m.beginTurn();
    const d = m.map({ sessionUpdate: "agent_message_chunk", content: { type: "text", text: "turn 2" } });
    expect(id(d)).not.toBe(id(a));
  });

  test("thoughts become thinking; plans keep entries; replay and echo updates are dropped", () => {
    const m = new UpdateMapper();
    m.beginTurn();
    expect(m.map({ sessionUpdate: "agent_thought_chunk", content: { type: "text", text: "hmm" } })).toEqual([{ type: "thinking", text: "hmm" }]);
    expect(m.map({ sessionUpdate: "plan", entries: [{ content: "a", priority: "high", status: "in_progress" }, { content: "b", status: "weird" }] }))
      .toEqual([{ type: "plan", entries: [{ content: "a", status: "in_progress" }, { content: "b", status: "pending" }] }]);
    expect(m.map({ sessionUpdate: "available_commands_update", availableCommands: [] })).toEqual([]);
    expect(m.map({ sessionUpdate: "user_message_chunk", content: { type: "text", text: "old prompt" } })).toEqual([]);
    expect(m.map({ sessionUpdate: "current_mode_update", currentModeId: "plan" })).toEqual([]);
  });

  test("a text chunk checked by hand agrees with the schema: a bad messageId, text or content is unknown (#10)", () => {
    const m = new UpdateMapper();
    m.beginTurn();
    expect(m.map({ sessionUpdate: "agent_message_chunk", messageId: null, content: { type: "text", text: "x" } })).toEqual([{ type: "text", text: "x", messageId: "msg_1_1" }]);
    for (const bad of [{ messageId: 7, content: { type: "text", text: "x" } }, { content: { type: "text", text: 1 } }, { content: null }, { content: [] }]) {
      expect(m.map({ sessionUpdate: "agent_message_chunk", ...bad })[0]?.type).toBe("unknown");
    }
    // Not text: the schema decides (an image block is valid ACP, but carries no text aegis reports).
    expect(m.map({ sessionUpdate: "agent_message_chunk", content: { type: "image", data: "…" } })[0]?.type).toBe("unknown");
  });

  test("unknown or malformed updates are kept as unknown", () => {
    const m = new UpdateMapper();
    expect(m.map({ sessionUpdate: "brand_new_thing", x: 1 })).toEqual([{ type: "unknown", raw: { sessionUpdate: "brand_new_thing", x: 1 } }]);
    expect(m.map({ sessionUpdate: "tool_call" })).toEqual([{ type: "unknown", raw: { sessionUpdate: "tool_call" } }]);
  });

  test("OpenCode bash: one tool_call under its first title, one tool_result with the output", () => {
    const m = new UpdateMapper();
    m.beginTurn();
    const events = [
      { sessionUpdate: "tool_call", toolCallId: "call_1", title: "bash", kind: "execute", status: "pending", rawInput: { cwd: "/w" } },
      { sessionUpdate: "tool_call_update", toolCallId: "call_1", status: "in_progress", kind: "execute", title: "echo hi" },
      { sessionUpdate: "tool_call_update", toolCallId: "call_1", status: "in_progress", content: [{ type: "content", content: { type: "text", text: "hi\n" } }] },
      { sessionUpdate: "tool_call_update", toolCallId: "call_1", status: "completed", title: "echo hi", content: [{ type: "content", content: { type: "text", text: "hi\n" } }], rawOutput: { output: "hi\n" } },
    ].flatMap((u) => m.map(u));
    expect(events).toEqual([
      { type: "tool_call", id: "call_1", name: "bash", kind: "execute", input: { cwd: "/w" } },
      { type: "tool_result", id: "call_1", ok: true, text: "hi\n" },
    ]);
    expect(m.knownToolName("call_1")).toBe("bash");
  });

  test("Gemini: an update with no prior tool_call still reports the call, named from its id", () => {
    const m = new UpdateMapper();
    m.beginTurn();
    expect(m.map({ sessionUpdate: "tool_call_update", toolCallId: "mcp_echo_echo__mcp_echo_echo_17_0", status: "completed", title: "echo (echo MCP Server)", content: [{ type: "content", content: { type: "text", text: "MCP ECHO: pong" } }], kind: "other" }))
      .toEqual([
        { type: "tool_call", id: "mcp_echo_echo__mcp_echo_echo_17_0", name: "mcp_echo_echo", kind: "other", input: {} },
        { type: "tool_result", id: "mcp_echo_echo__mcp_echo_echo_17_0", ok: true, text: "MCP ECHO: pong" },
      ]);
  });

  test("failed calls report ok false with the error; a refusal is reported once", () => {
    const m = new UpdateMapper();
    m.beginTurn();
    const call = { toolCallId: "call_9", title: "bash", kind: "execute" };
    expect(m.refused(call, "refused by aegis policy")).toEqual([
      { type: "tool_call", id: "call_9", name: "bash", kind: "execute", input: {} },
      { type: "tool_result", id: "call_9", ok: false, text: "refused by aegis policy" },
    ]);
    // OpenCode then sends its own failed update: not reported twice.
    expect(m.map({ sessionUpdate: "tool_call_update", toolCallId: "call_9", status: "failed", rawOutput: { error: "rejected" } })).toEqual([]);
    expect(m.map({ sessionUpdate: "tool_call_update", toolCallId: "w1", status: "failed", kind: "edit", rawOutput: { error: "Access denied: plan path" } }))
      .toEqual([
        { type: "tool_call", id: "w1", name: "w1", kind: "edit", input: {} },
        { type: "tool_result", id: "w1", ok: false, text: "Access denied: plan path" },
      ]);
  });

  test("turn usage: ACP usage, or Gemini's quota token count; cost is the turn's share of the session total", () => {
    const m = new UpdateMapper();
    m.beginTurn();
    expect(m.turnUsage({ stopReason: "end_turn", _meta: { quota: { token_count: { input_tokens: 140, output_tokens: 126 } } } }))
      .toEqual({ usage: { input: 140, output: 126, cacheRead: 0, cacheWrite: 0 } });
    m.map({ sessionUpdate: "usage_update", used: 2442, size: 128000, cost: { amount: 0.25, currency: "USD" } });
    expect(m.turnUsage({ stopReason: "end_turn", usage: { inputTokens: 2442, outputTokens: 6, totalTokens: 2448 } }))
      .toEqual({ usage: { input: 2442, output: 6, cacheRead: 0, cacheWrite: 0 }, costUsd: 0.25 });
    m.beginTurn();
    m.map({ sessionUpdate: "usage_update", used: 3000, size: 128000, cost: { amount: 0.4, currency: "USD" } });
    expect(m.turnUsage({ stopReason: "end_turn" }).costUsd).toBeCloseTo(0.15, 10);
    expect(m.turnUsage(undefined).usage).toEqual({ input: 0, output: 0, cacheRead: 0, cacheWrite: 0 });
  });
});
