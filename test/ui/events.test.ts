// The NDJSON event schema of `aegis run --json` (a public interface: its types and envelope are pinned here) and the
// views that render events: plain lines, TTY progress, the summary and $GITHUB_STEP_SUMMARY.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { EventStamper, EVENT_VERSION, RUN_EVENT_TYPES, toNdjson, type RunEvent } from "../../src/ui/events.ts";
import { progressView } from "../../src/ui/progress.ts";
import { ndjsonView, plainLine } from "../../src/ui/run-display.ts";
import { appendStepSummary, summaryMarkdown, summaryText } from "../../src/ui/summary.ts";
import { workflow } from "../../src/workflow/registry.ts";
import { tempDir } from "../fixtures/helpers/temp-dir.ts";
import { rig } from "../workflow/helpers.ts";

type RunEnd = Extract<RunEvent, { type: "run_end" }>;

const end = (over: Partial<RunEnd> = {}): RunEnd => ({
  v: 1, type: "run_end", runId: "run_x", seq: 9, at: "2026-01-01T00:00:00.000Z", workflow: "tdd", status: "done", result: { ok: true },
  durationMs: 1234, steps: { total: 5, replayed: 2, live: 3 }, sessions: 2, costUsd: 0.0425, tokens: { input: 1000, output: 234 }, ...over,
});

describe("NDJSON events", () => {
  test("the event types and the envelope are stable (schema snapshot, v1)", () => {
    expect(EVENT_VERSION).toBe(1);
    expect(RUN_EVENT_TYPES).toEqual(["run_start", "step_start", "step_end", "session", "agent", "log", "checkpoint", "ask", "run_end"]);
    const e = new EventStamper("run_abc").stamp({ type: "log", message: "hi", level: "info" });
    expect(Object.keys(e).slice(0, 5)).toEqual(["v", "type", "runId", "seq", "at"]);
    expect(JSON.parse(toNdjson(e))).toEqual({ v: 1, type: "log", runId: "run_abc", seq: 1, at: e.at, message: "hi", level: "info" });
    expect(toNdjson(e).endsWith("}\n")).toBe(true);
  });

  test("a real run emits only known types, numbered from 1, with the fields each type promises", async () => {
    await using r = rig();
    await r.run(workflow("t-events", async (e) => {
      const h = await e.spawn("writer");
      await e.send(h, "hi");
      await e.checkpoint("one", { h });
      e.log("note");
      await e.askHuman("Go?", { options: ["yes", "no"] });
      return "ok";
    }), {}, { answers: { go: "yes" } });
    const types = new Set(r.events.map((e) => e.type));
    for (const t of types) expect(RUN_EVENT_TYPES).toContain(t);
    expect([...types].sort()).toEqual(["agent", "ask", "checkpoint", "log", "run_end", "run_start", "session", "step_end", "step_start"]);
    expect(r.events.map((e) => e.seq)).toEqual(r.events.map((_, i) => i + 1));
    const shape = (t: string) => Object.keys(r.events.find((e) => e.type === t)!).sort();
    expect(shape("run_start")).toEqual(["args", "at", "attempt", "recordedSteps", "runId", "seq", "type", "v", "workflow"]);
    expect(shape("step_end")).toEqual(["at", "costUsd", "durationMs", "kind", "label", "runId", "seq", "status", "step", "stepCostUsd", "tokens", "type", "v"]);
    expect(shape("run_end")).toEqual(["at", "costUsd", "durationMs", "result", "runId", "seq", "sessions", "status", "steps", "tokens", "type", "v", "workflow"]);
    expect(shape("ask")).toEqual(["at", "key", "options", "question", "runId", "seq", "step", "type", "v"]);
  });

  test("ndjsonView writes one parseable line per event", () => {
    const lines: string[] = [];
    const view = ndjsonView((s) => lines.push(s));
    view.event(end());
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ type: "run_end", status: "done" });
  });
});

describe("views", () => {
  test("plain lines name the step, its outcome and cost; chatter stays out", () => {
    const base = { v: 1 as const, runId: "run_x", seq: 1, at: "t" };
    expect(plainLine({ ...base, type: "step_end", step: 3, kind: "send", label: 'send a "hi"', status: "done", durationMs: 1500, stepCostUsd: 0.012, costUsd: 0.02, tokens: { input: 1, output: 1 } }))
      .toBe('  [3] send a "hi": done in 1.5s · $0.012');
    expect(plainLine({ ...base, type: "step_end", step: 4, kind: "bash", label: "bash x", status: "replayed", durationMs: 0, stepCostUsd: 0, costUsd: 0, tokens: { input: 0, output: 0 } }))
      .toBe("  [4] bash x: replayed");
    expect(plainLine({ ...base, type: "session", handle: "h", agent: "impl", action: "respawned", detail: "no id" })).toBe("  session h (impl) respawned: no id");
    expect(plainLine({ ...base, type: "agent", handle: "h", text: "..." })).toBeUndefined();
    expect(plainLine({ ...base, type: "step_start", step: 1, kind: "send", label: "x" })).toBeUndefined();
  });

  test("the TTY view scrolls finished steps above a redrawn block with agents, tokens and cost", () => {
    const out: string[] = [];
    const view = progressView({ write: (s: string) => out.push(s), columns: 80 }, { intervalMs: 60_000, color: false });
    const base = { v: 1 as const, runId: "run_x", at: "t" };
    view.event({ ...base, seq: 1, type: "run_start", workflow: "tdd", args: {}, attempt: 1, recordedSteps: 0 });
    view.event({ ...base, seq: 2, type: "session", handle: "brisk-curie", agent: "impl", action: "spawned" });
    view.event({ ...base, seq: 3, type: "step_start", step: 2, kind: "send", label: 'send brisk-curie "go"' });
    view.event({ ...base, seq: 4, type: "agent", handle: "brisk-curie", state: "working" });
    view.event({ ...base, seq: 5, type: "agent", handle: "brisk-curie", text: "thinking\nwriting the test" });
    view.event({ ...base, seq: 6, type: "step_end", step: 1, kind: "spawn", label: "spawn impl", status: "done", durationMs: 5, stepCostUsd: 0, costUsd: 0.5, tokens: { input: 10, output: 20 } });
    view.close();
    const text = out.join("");
    expect(text).toContain("  [1] spawn impl: done in 5 ms\n");
    expect(text).toMatch(/tdd · [\d.]+ (ms|s) · 30 tokens · \$0\.50 · step 2 send brisk-curie "go"/);
    expect(text).toContain("  brisk-curie (impl) working: writing the test");
    expect(text).toContain("\x1b[J"); // the block is cleared before each redraw and at the end
    expect(text.endsWith("\x1b[J")).toBe(true);
  });

  test("the summary says what happened and how to resume; failures carry the message", () => {
    expect(summaryText(end())).toBe("✓ tdd done\n  5 steps (2 replayed) · 2 sessions · 1,234 tokens · $0.043 · 1.2s · run_x");
    const failed = summaryText(end({ status: "failed", result: undefined, error: { code: "E_PREDICATE", message: "predicate failed after 4 attempts" } }));
    expect(failed).toContain("✗ tdd failed: predicate failed after 4 attempts");
    expect(failed).toContain("resume with: aegis resume run_x");
  });

  test("$GITHUB_STEP_SUMMARY gets a markdown table appended, when set", () => {
    using dir = tempDir("gh-summary");
    const file = dir.join("summary.md");
    expect(appendStepSummary(end(), {})).toBeUndefined();
    expect(appendStepSummary(end(), { GITHUB_STEP_SUMMARY: file })).toBe(file);
    appendStepSummary(end({ status: "failed", error: { message: "a | b" } }), { GITHUB_STEP_SUMMARY: file });
    const md = readFileSync(file, "utf8");
    expect(md).toContain("### aegis workflow `tdd`");
    expect(md).toContain("| Status | ✓ done |");
    expect(md).toContain("| Result | {\"ok\":true} |");
    expect(md).toContain("| Error | a \\| b |");
    expect(md.match(/### aegis workflow/g)).toHaveLength(2);
    expect(summaryMarkdown(end())).toContain("| Tokens | 1,000 in / 234 out |");
  });

  test("(#5) an unwritable $GITHUB_STEP_SUMMARY is a warning naming the file and the reason, never a throw", () => {
    const warnings: string[] = [];
    const file = "/nonexistent/dir/s.md";
    expect(appendStepSummary(end(), { GITHUB_STEP_SUMMARY: file }, (w) => warnings.push(w))).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(file);
    expect(warnings[0]).toContain("ENOENT");
  });
});
