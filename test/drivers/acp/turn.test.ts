// The ACP turn queue (#10): one turn_end, events in order, the session's watchdog started and ended by the turn, and a
// cancel whose AbortSignal exists only once someone asks for it, aborted or not.

import { describe, expect, test } from "bun:test";
import { LazyAbort, Turn } from "../../../src/drivers/acp/turn.ts";
import type { AgentEvent } from "../../../src/drivers/driver.ts";
import { TurnWatchdog } from "../../../src/drivers/turn-watchdog.ts";

const watchdog = () => new TurnWatchdog({ idleMs: 60_000, graceMs: 1000, onIdle: () => {}, onForce: () => {} });

describe("acp Turn (#10)", () => {
  test("events in order, exactly one turn_end, later pushes and ends ignored", async () => {
    const w = watchdog();
    const t = new Turn(w);
    t.push({ type: "text", text: "a" });
    t.pushAll([{ type: "text", text: "b" }, { type: "text", text: "c" }]);
    t.end({ stopReason: "end_turn", isError: false });
    t.end({ stopReason: "error", isError: true, error: "late" });
    t.push({ type: "text", text: "late" });
    const seen: AgentEvent[] = [];
    for await (const ev of t.events()) seen.push(ev);
    expect(seen.map((e) => (e.type === "text" ? e.text : e.type))).toEqual(["a", "b", "c", "turn_end"]);
    expect(seen.at(-1)).toMatchObject({ stopReason: "end_turn", isError: false });
    await t.finished;
    w.close();
  });

  test("LazyAbort: aborted before or after the signal is asked for, the signal says so", () => {
    const early = new LazyAbort();
    early.abort();
    expect(early.aborted).toBe(true);
    expect(early.signal.aborted).toBe(true);
    const late = new LazyAbort();
    const signal = late.signal;
    let fired = 0;
    signal.addEventListener("abort", () => fired++);
    expect(signal.aborted).toBe(false);
    late.abort();
    late.abort();
    expect(signal.aborted).toBe(true);
    expect(fired).toBe(1);
  });
});
