// The transcript fold and layout (#14): streamed text pieces join into one message, thinking and tool calls fold,
// a tool result lands on its call, each turn ends with one usage line; no row is lost.

import { describe, expect, test } from "bun:test";
import type { TranscriptRow } from "../../src/tui/source/model.ts";
import { layoutTranscript, TranscriptModel, wrap, type LayoutCache } from "../../src/tui/transcript-model.ts";
import { plainText } from "../../src/tui/theme.ts";

let id = 0;
const row = (turn: number, event: TranscriptRow["event"]): TranscriptRow => ({ id: ++id, sessionId: "ses_1", turn, at: 0, event });

function sample(): TranscriptRow[] {
  return [
    row(1, { type: "prompt", text: "fix the bug" }),
    row(1, { type: "thinking", text: "let me " }),
    row(1, { type: "thinking", text: "look" }),
    row(1, { type: "tool_call", id: "t1", name: "Read", kind: "read", input: { path: "src/a.ts" } }),
    row(1, { type: "text", text: "Found ", messageId: "m1" }),
    row(1, { type: "text", text: "it.", messageId: "m1" }),
    row(1, { type: "tool_result", id: "t1", ok: true, text: "export const a = 1;" }),
    row(1, { type: "turn_end", stopReason: "end_turn", isError: false, durationMs: 1200, usage: { input: 10, output: 3, cacheRead: 0, cacheWrite: 0 }, costUsd: 0.0012 }),
  ];
}

describe("TranscriptModel (#14)", () => {
  test("folds rows into prompt, thinking, tool (with its result), joined text and a usage line", () => {
    const m = new TranscriptModel();
    m.apply(sample());
    expect(m.items.map((i) => i.kind)).toEqual(["prompt", "thinking", "tool", "text", "usage"]);
    expect(m.items[1]).toMatchObject({ kind: "thinking", text: "let me look" });
    expect(m.items[2]).toMatchObject({ kind: "tool", name: "Read", result: { ok: true, text: "export const a = 1;" } });
    expect(m.items[3]).toMatchObject({ kind: "text", text: "Found it." });
    expect(m.rows).toBe(8);
  });

  test("text of another message starts a new item; rows applied in several batches give the same items", () => {
    const rows = [row(2, { type: "text", text: "a", messageId: "x" }), row(2, { type: "text", text: "b", messageId: "y" }), row(2, { type: "text", text: "c", messageId: "y" })];
    const whole = new TranscriptModel();
    whole.apply(rows);
    const split = new TranscriptModel();
    for (const r of rows) split.apply([r]);
    expect(whole.items.map((i) => (i.kind === "text" ? i.text : ""))).toEqual(["a", "bc"]);
    expect(split.items).toEqual(whole.items);
    expect(split.version).toBe(3);
  });

  test("thinking and tool calls are collapsed unless expanded; expanded shows arguments and result", () => {
    const m = new TranscriptModel();
    m.apply(sample());
    const tool = m.items.find((i) => i.kind === "tool")!;
    const collapsed = plainText(layoutTranscript(m.items, { width: 80, expanded: new Set() }).lines);
    expect(collapsed).toContain("▸ thinking (11 chars)");
    expect(collapsed).not.toContain("let me look");
    expect(collapsed).toContain("▸ Read");
    expect(collapsed).not.toContain("result: export");
    expect(collapsed).toContain("turn 1: 10 in / 3 out");
    const open = plainText(layoutTranscript(m.items, { width: 80, expanded: new Set([tool.key]) }).lines);
    expect(open).toContain("▾ Read");
    expect(open).toContain('"path": "src/a.ts"');
    expect(open).toContain("result: export const a = 1;");
  });

  test("a failed turn shows its error; the cache returns the same lines until an item changes", () => {
    const m = new TranscriptModel();
    m.apply([row(3, { type: "turn_end", stopReason: "cancelled", isError: true, error: "interrupted by the user", durationMs: 5, usage: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 } })]);
    const cache: LayoutCache = new Map();
    const a = layoutTranscript(m.items, { width: 60, expanded: new Set() }, cache);
    expect(plainText(a.lines)).toContain("interrupted by the user");
    const b = layoutTranscript(m.items, { width: 60, expanded: new Set() }, cache);
    expect(b.lines[0]).toBe(a.lines[0]!);
  });

  test("wrap keeps line breaks and cuts long lines at spaces", () => {
    expect(wrap("one two three four", 9)).toEqual(["one two", "three", "four"]);
    expect(wrap("a\nb", 10)).toEqual(["a", "b"]);
  });
});

describe("transcript layout limits (#14)", () => {
  test("an expanded tool result of many lines shows its head and says how much is left out", () => {
    const m = new TranscriptModel();
    const big = Array.from({ length: 5000 }, (_, i) => `line ${i}`).join("\n");
    m.apply([row(1, { type: "tool_call", id: "big", name: "Read", kind: "read", input: { path: "huge.txt" } }), row(1, { type: "tool_result", id: "big", ok: true, text: big })]);
    const { lines } = layoutTranscript(m.items, { width: 80, expanded: new Set([m.items[0]!.key]) });
    const text = plainText(lines);
    expect(text).toContain("result: line 0");
    expect(text).not.toContain("line 4999");
    expect(text).toMatch(/… \d+\+ more lines \(\d+ chars in all; aegis logs shows everything\)/);
    expect(lines.length).toBeLessThan(260);
  });
});
