import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ClaudeParser, type ParsedLine } from "../../../src/drivers/claude/claude-parser.ts";
import type { AgentEvent } from "../../../src/drivers/driver.ts";

const DIR = join(import.meta.dir, "../../fixtures/transcripts/claude");

function parseTranscript(name: string, parser = new ClaudeParser()): { parsed: ParsedLine[]; events: AgentEvent[] } {
  const lines = readFileSync(join(DIR, name), "utf8").split("\n").filter(Boolean);
  const parsed = lines.map((l) => parser.parse(l));
  const events = parsed.flatMap((p) => (p.kind === "events" ? p.events : p.kind === "result" ? [...p.events, p.end] : []));
  return { parsed, events };
}

describe("ClaudeParser on recorded transcripts", () => {
  test("text turn: init, text with message id, usage, turn_end with cost", () => {
    const parser = new ClaudeParser();
    const { events } = parseTranscript("text-turn.jsonl", parser);
    expect(events.map((e) => e.type)).toEqual(["init", "text", "usage", "turn_end"]);
    expect(events[0]).toEqual({ type: "init", providerSessionId: "724cd086-5b1e-4c52-9d0e-3f7a1c2b9e10", model: "claude-sonnet-4-5" });
    expect(events[1]).toEqual({ type: "text", text: "ECHO: hello from turn 1", messageId: "msg_mock_0001" });
    expect(events[3]).toMatchObject({
      type: "turn_end", stopReason: "end_turn", isError: false, costUsd: 0.025542,
      usage: { input: 8484, output: 6, cacheRead: 0, cacheWrite: 0 },
    });
    expect(parser.sessionId).toBe("724cd086-5b1e-4c52-9d0e-3f7a1c2b9e10");
    expect(parser.permissionMode).toBe("bypassPermissions");
  });

  test("tool turn: tool_call with kind execute, tool_result ok, then text", () => {
    const { events } = parseTranscript("tool-turn.jsonl");
    expect(events.map((e) => e.type)).toEqual(["init", "tool_call", "tool_result", "text", "usage", "turn_end"]);
    expect(events[1]).toEqual({ type: "tool_call", id: "toolu_mock_0001", name: "Bash", kind: "execute", input: { command: "echo hi", description: "Run echo hi" } });
    expect(events[2]).toEqual({ type: "tool_result", id: "toolu_mock_0001", ok: true, text: "hi" });
  });

  test("per-turn cost is the delta of the cumulative total_cost_usd", () => {
    const parser = new ClaudeParser();
    const costs = ["text-turn.jsonl", "tool-turn.jsonl", "mcp-turn.jsonl"].map((f) => {
      const end = parseTranscript(f, parser).events.at(-1) as Extract<AgentEvent, { type: "turn_end" }>;
      return end.costUsd;
    });
    expect(costs).toEqual([0.025542, 0.051561, 0.051897]);
  });

  test("MCP tool results given as text blocks are joined; cache usage is mapped", () => {
    const { events } = parseTranscript("mcp-turn.jsonl");
    expect(events[1]).toMatchObject({ type: "tool_call", name: "mcp__echo__echo", kind: "other" });
    expect(events[2]).toEqual({ type: "tool_result", id: "toolu_mock_0002", ok: true, text: "MCP ECHO: pong" });
    expect(events.at(-1)).toMatchObject({ usage: { input: 17450, output: 12, cacheRead: 8000, cacheWrite: 120 } });
  });

  test("interrupted turn: control_response, failed tool_result, error turn_end", () => {
    const { parsed, events } = parseTranscript("interrupt-turn.jsonl");
    expect(parsed[2]).toEqual({ kind: "control_response", requestId: "req-int-2", ok: true, response: undefined });
    expect(events.find((e) => e.type === "tool_result")).toMatchObject({ ok: false });
    expect(events.at(-1)).toMatchObject({ type: "turn_end", isError: true, stopReason: "error_during_execution" });
  });

  test("API error: subtype stays success, is_error decides; the message is the error", () => {
    const { events } = parseTranscript("api-error-turn.jsonl");
    expect(events[1]).toMatchObject({ type: "unknown" }); // system/api_retry
    const end = events.at(-1);
    expect(end).toMatchObject({ type: "turn_end", isError: true, stopReason: "error" });
    expect((end as { error: string }).error).toStartWith("API Error: 500");
  });

  test("plan-mode denial: failed tool_result and the denied tool names", () => {
    const { parsed, events } = parseTranscript("plan-denied-turn.jsonl");
    expect(events[1]).toMatchObject({ type: "tool_call", name: "Write", kind: "edit" });
    expect(events[2]).toMatchObject({ type: "tool_result", ok: false, text: "Cannot write to /tmp/work/new.txt while in plan mode." });
    const result = parsed.at(-1);
    expect(result?.kind === "result" && result.permissionDenials).toEqual(["Write"]);
  });

  test("can_use_tool arrives as a control request", () => {
    const { parsed } = parseTranscript("can-use-tool.jsonl");
    expect(parsed[2]).toMatchObject({
      kind: "control_request",
      requestId: "6f1e2d3c-aaaa-4bbb-8ccc-000000000001",
      request: { subtype: "can_use_tool", tool_name: "Bash", input: { command: "touch made-claude-auto.txt" } },
    });
  });
});

describe("ClaudeParser on bad input", () => {
  const parser = new ClaudeParser();
  const only = (line: string) => {
    const p = parser.parse(line);
    return p.kind === "events" ? p.events : [];
  };

  test("non-JSON, arrays, unknown types and wrong shapes become unknown events", () => {
    expect(only("not json at all")).toEqual([{ type: "unknown", raw: "not json at all" }]);
    expect(only("[1,2]")).toEqual([{ type: "unknown", raw: [1, 2] }]);
    expect(only('{"type":"mystery","x":1}')).toEqual([{ type: "unknown", raw: { type: "mystery", x: 1 } }]);
    expect(only('{"type":"assistant","message":"wrong"}')[0]?.type).toBe("unknown");
    expect(only('{"type":"result","subtype":"success"}')[0]?.type).toBe("unknown");
    expect(only('{"type":"system","subtype":"init"}')[0]?.type).toBe("unknown");
    expect(only('{"type":"keep_alive"}')).toEqual([]);
  });

  test("unknown content blocks are kept as unknown next to known ones", () => {
    const events = only(JSON.stringify({
      type: "assistant",
      message: { id: "m1", content: [{ type: "server_tool_use", id: "s" }, { type: "thinking", thinking: "hmm" }, { type: "text" }] },
    }));
    expect(events.map((e) => e.type)).toEqual(["unknown", "thinking", "unknown"]);
  });

  test("subagent text is not the agent's text, but its tools are reported", () => {
    const events = only(JSON.stringify({
      type: "assistant", parent_tool_use_id: "toolu_task",
      message: { id: "m2", content: [{ type: "text", text: "sub says" }, { type: "tool_use", id: "t9", name: "Grep", input: { pattern: "x" } }] },
    }));
    expect(events.map((e) => e.type)).toEqual(["unknown", "tool_call"]);
    expect(events[1]).toMatchObject({ kind: "search" });
  });

  test("TodoWrite also yields a plan", () => {
    const events = only(JSON.stringify({
      type: "assistant",
      message: { id: "m3", content: [{ type: "tool_use", id: "t1", name: "TodoWrite", input: { todos: [
        { content: "write test", status: "completed", activeForm: "Writing" },
        { content: "fix bug", status: "in_progress", activeForm: "Fixing" },
      ] } }] },
    }));
    expect(events[1]).toEqual({ type: "plan", entries: [{ content: "write test", status: "completed" }, { content: "fix bug", status: "in_progress" }] });
  });

  test("a cost total that drops (new process after resume) counts from zero", () => {
    const p = new ClaudeParser();
    const result = (total: number) => JSON.stringify({ type: "result", subtype: "success", is_error: false, total_cost_usd: total });
    const cost = (line: string) => {
      const r = p.parse(line);
      return r.kind === "result" ? r.end.costUsd : undefined;
    };
    expect(cost(result(0.5))).toBe(0.5);
    expect(cost(result(0.75))).toBe(0.25);
    expect(cost(result(0.1))).toBe(0.1);
  });
});
