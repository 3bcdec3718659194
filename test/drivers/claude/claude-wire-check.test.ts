import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { z } from "zod";
import { ClaudeParser, type ParsedLine } from "../../../src/drivers/claude/claude-parser.ts";
import {
  AssistantLine, ControlCancelLine, ControlRequestLine, ControlResponseLine, ResultLine, SystemInit, TextBlock,
  ThinkingBlock, ToolResultBlock, ToolUseBlock, UserLine,
} from "../../../src/drivers/claude/claude-wire.ts";
import {
  isAssistantLine, isControlCancelLine, isControlRequestLine, isControlResponseLine, isResultLine, isSystemInit,
  isTextBlock, isThinkingBlock, isToolResultBlock, isToolUseBlock, isUserLine, type Obj,
} from "../../../src/drivers/claude/claude-wire-check.ts";
import { EXTRA_SHAPES, mutations, toLine } from "./wire-mutations.ts";

const DIR = join(import.meta.dir, "../../fixtures/transcripts/claude");
const RECORDED = readdirSync(DIR).filter((f) => f.endsWith(".jsonl")).sort();
const recordedLines = (file: string) => readFileSync(join(DIR, file), "utf8").split("\n").filter(Boolean);
const ALL_LINES = [...RECORDED.flatMap(recordedLines), ...EXTRA_SHAPES.map((o) => JSON.stringify(o))];

type Check = [(v: Obj) => boolean, z.ZodType];
/** The hand check and the schema of each line type that has one (system lines: init only). */
const LINE_CHECKS: Record<string, Check> = {
  system: [isSystemInit, SystemInit], assistant: [isAssistantLine, AssistantLine], user: [isUserLine, UserLine],
  result: [isResultLine, ResultLine], control_request: [isControlRequestLine, ControlRequestLine],
  control_response: [isControlResponseLine, ControlResponseLine], control_cancel_request: [isControlCancelLine, ControlCancelLine],
};
const BLOCK_CHECKS: Record<string, Check> = {
  text: [isTextBlock, TextBlock], thinking: [isThinkingBlock, ThinkingBlock], tool_use: [isToolUseBlock, ToolUseBlock],
  tool_result: [isToolResultBlock, ToolResultBlock],
};

/** Both paths over the same lines, each with parser state carried from line to line as in a session. */
function bothPaths(lines: string[]): { fast: ParsedLine[]; zod: ParsedLine[] } {
  const fast = new ClaudeParser();
  const zod = new ClaudeParser({ zodOnly: true });
  return { fast: lines.map((l) => fast.parse(l)), zod: lines.map((l) => zod.parse(l)) };
}

/** A mutation as the parser sees it (its Infinity stand-ins read back as Infinity). */
const reparse = (m: unknown) => JSON.parse(toLine(m)) as Obj;

function blocksOf(o: Obj): Obj[] {
  const content = (o.message as Obj | undefined)?.content;
  return Array.isArray(content) ? content.filter((b): b is Obj => typeof b === "object" && b !== null) : [];
}

describe("fast path and zod path on recorded lines", () => {
  test.each(RECORDED)("%s maps to identical events on both paths", (file) => {
    const lines = recordedLines(file);
    const { fast, zod } = bothPaths(lines);
    expect(fast).toEqual(zod);
    expect(fast.length).toBe(lines.length);
  });

  test("the shapes the recordings lack (thinking, TodoWrite, subagent, errors, cancel) map alike too", () => {
    const { fast, zod } = bothPaths(EXTRA_SHAPES.map((o) => JSON.stringify(o)));
    expect(fast).toEqual(zod);
    expect(fast.filter((p) => p.kind !== "events" || p.events.some((e) => e.type !== "unknown")).length).toBeGreaterThan(8);
  });

  test("every well-formed known line and block passes its hand check (the fast path is really taken)", () => {
    let lines = 0;
    let blocks = 0;
    for (const line of ALL_LINES) {
      const o = JSON.parse(line) as Obj;
      const check = LINE_CHECKS[o.type as string];
      if (!check || (o.type === "system" && o.subtype !== "init")) continue;
      expect(check[0](o)).toBe(true);
      lines++;
      for (const b of blocksOf(o)) {
        const bc = BLOCK_CHECKS[b.type as string];
        if (bc) expect(bc[0](b)).toBe(true);
        if (bc) blocks++;
      }
    }
    expect(lines).toBeGreaterThan(30);
    expect(blocks).toBeGreaterThan(20);
  });
});

describe("hand checks against the schemas on every one-field mutation", () => {
  // Soundness is what keeps edge validation intact: a check may never accept what its schema refuses. Agreement the
  // other way (accepting all the schema accepts) is what keeps the fast path fast; both hold on these mutations.
  test("line checks agree with their schemas", () => {
    let accepted = 0;
    let refused = 0;
    for (const line of ALL_LINES) {
      const o = JSON.parse(line) as Obj;
      const check = LINE_CHECKS[o.type as string];
      if (!check || (o.type === "system" && o.subtype !== "init")) continue;
      for (const m of mutations(o).map(reparse)) {
        if (m.type !== o.type || (o.type === "system" && m.subtype !== "init")) continue;
        const zodOk = check[1].safeParse(m).success;
        if (check[0](m) !== zodOk) throw new Error(`check and schema disagree (schema: ${zodOk}) on ${toLine(m)}`);
        if (zodOk) accepted++;
        else refused++;
      }
    }
    expect(accepted).toBeGreaterThan(500);
    expect(refused).toBeGreaterThan(500);
  });

  test("block checks agree with their schemas", () => {
    let accepted = 0;
    let refused = 0;
    for (const line of ALL_LINES) {
      for (const b of blocksOf(JSON.parse(line) as Obj)) {
        const check = BLOCK_CHECKS[b.type as string];
        if (!check) continue;
        for (const m of mutations(b).map(reparse)) {
          if (m.type !== b.type) continue;
          const zodOk = check[1].safeParse(m).success;
          if (check[0](m) !== zodOk) throw new Error(`check and schema disagree (schema: ${zodOk}) on ${toLine(m)}`);
          if (zodOk) accepted++;
          else refused++;
        }
      }
    }
    expect(accepted).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(100);
  });

  test("the parser maps every mutated line identically on both paths", () => {
    let n = 0;
    for (const line of ALL_LINES) {
      const o = JSON.parse(line) as Obj;
      const variants = mutations(o).map(toLine);
      const { fast, zod } = bothPaths(variants);
      for (let i = 0; i < variants.length; i++) {
        if (!Bun.deepEquals(fast[i], zod[i], true)) throw new Error(`paths differ on ${variants[i]}`);
      }
      n += variants.length;
    }
    expect(n).toBeGreaterThan(3000);
  });
});

describe("malformed variants of each known type degrade to unknown on both paths", () => {
  const MALFORMED: Record<string, unknown[]> = {
    "system/init": [{ type: "system", subtype: "init" }, { type: "system", subtype: "init", session_id: 7 }, { type: "system", subtype: "init", session_id: "s", mcp_servers: [{ name: "a" }] }],
    assistant: [{ type: "assistant" }, { type: "assistant", message: [] }, { type: "assistant", message: { content: "text" } }, { type: "assistant", message: { id: null, content: [] } }, { type: "assistant", message: { content: [] }, parent_tool_use_id: 5 }],
    user: [{ type: "user", message: { content: 3 } }, { type: "user", message: null }, { type: "user", message: { content: [] }, parent_tool_use_id: [] }],
    result: [{ type: "result", subtype: "success" }, { type: "result", subtype: "success", is_error: "no" }, { type: "result", subtype: "success", is_error: false, duration_ms: Infinity }, { type: "result", subtype: "success", is_error: false, usage: { input_tokens: "9" } }, { type: "result", subtype: "success", is_error: false, errors: [1] }, { type: "result", subtype: "success", is_error: false, permission_denials: [{ tool_use_id: "t" }] }],
    control_request: [{ type: "control_request", request: { subtype: "can_use_tool" } }, { type: "control_request", request_id: "r", request: [] }, { type: "control_request", request_id: "r", request: { tool_name: "Bash" } }],
    control_response: [{ type: "control_response", response: { subtype: "success" } }, { type: "control_response", response: { subtype: "error", request_id: "r", error: 500 } }, { type: "control_response", response: "ok" }],
    control_cancel_request: [{ type: "control_cancel_request" }, { type: "control_cancel_request", request_id: null }],
  };

  test.each(Object.keys(MALFORMED))("%s", (kind) => {
    const lines = (MALFORMED[kind] as unknown[]).map(toLine);
    const { fast, zod } = bothPaths(lines);
    lines.forEach((line, i) => {
      expect(fast[i]).toEqual({ kind: "events", events: [{ type: "unknown", raw: JSON.parse(line) }] });
      expect(zod[i]).toEqual(fast[i] as ParsedLine);
    });
  });

  test("a malformed block becomes unknown while its well-formed neighbours still map", () => {
    const bad = [{ type: "text", text: 1 }, { type: "thinking" }, { type: "tool_use", id: "t", name: "Bash" }, { type: "tool_use", id: 3, name: "Bash", input: {} }];
    const good = { type: "text", text: "fine" };
    const lines = [
      toLine({ type: "assistant", message: { id: "m", content: [...bad, good] } }),
      toLine({ type: "user", message: { content: [{ type: "tool_result", tool_use_id: "t", content: [{ type: "text", text: null }] }, { type: "tool_result", tool_use_id: "u", is_error: "yes" }, { type: "tool_result", tool_use_id: "v", content: "ok" }] } }),
    ];
    const { fast, zod } = bothPaths(lines);
    expect(fast).toEqual(zod);
    expect(fast[0] as unknown).toEqual({ kind: "events", events: [...bad.map((raw) => ({ type: "unknown", raw })), { type: "text", text: "fine", messageId: "m" }] });
    const events = fast[1]?.kind === "events" ? fast[1].events : [];
    expect(events.map((e) => e.type)).toEqual(["unknown", "unknown", "tool_result"]);
    expect(events[2]).toEqual({ type: "tool_result", id: "v", ok: true, text: "ok" });
  });

  test("stream_event, system/status and keep_alive keep their mapping (unknown, unknown, nothing)", () => {
    const [alive, stream, status] = EXTRA_SHAPES.slice(-3).map((o) => new ClaudeParser().parse(toLine(o)));
    expect(stream).toEqual({ kind: "events", events: [{ type: "unknown", raw: EXTRA_SHAPES.at(-2) }] });
    expect(status).toEqual({ kind: "events", events: [{ type: "unknown", raw: EXTRA_SHAPES.at(-1) }] });
    expect(alive).toEqual({ kind: "events", events: [] });
  });
});
