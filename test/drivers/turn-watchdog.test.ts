// The one idle timeout every driver uses (#10): silence → onIdle, then onForce after the grace; activity, a paused
// clock (a human deciding) and an ended turn keep it quiet; escalate() (an asked-for interrupt) arms only the grace.

import { describe, expect, test } from "bun:test";
import { errorEnd, idleTimeoutError, turnEnd } from "../../src/drivers/turn-end.ts";
import { TurnWatchdog } from "../../src/drivers/turn-watchdog.ts";
import { within } from "../fixtures/helpers/wait.ts";

function watchdog(idleMs: number, graceMs: number) {
  const calls: string[] = [];
  let resolveForce!: () => void;
  const forced = new Promise<void>((r) => (resolveForce = r));
  let resolveIdle!: () => void;
  const idled = new Promise<void>((r) => (resolveIdle = r));
  const w = new TurnWatchdog({
    idleMs, graceMs,
    onIdle: () => { calls.push("idle"); resolveIdle(); },
    onForce: () => { calls.push("force"); resolveForce(); },
  });
  return { w, calls, forced, idled };
}

describe("TurnWatchdog (#10)", () => {
  test("a silent turn is interrupted, then forced after the grace; timedOut says why", async () => {
    const { w, calls, forced } = watchdog(20, 10);
    w.begin();
    await within(forced, 2000, "force");
    expect(calls).toEqual(["idle", "force"]);
    expect(w.timedOut).toBe(true);
    expect(w.interrupting).toBe(true);
    w.close();
  });

  test("an ended turn fires nothing, and the next turn starts with a fresh clock", async () => {
    const { w, calls, idled } = watchdog(20, 10);
    w.begin();
    w.end();
    w.begin();
    expect(w.timedOut).toBe(false);
    await within(idled, 2000, "idle of the second turn");
    expect(calls[0]).toBe("idle");
    w.close();
  });

  test("while paused (a human deciding) the turn is not idle; activity afterwards restarts the clock", async () => {
    const { w, calls, idled } = watchdog(20, 10);
    w.begin();
    let answer!: () => void;
    const asked = w.paused(() => new Promise<void>((r) => (answer = r)));
    // Three idle periods pass while the question is open, watched through a second watchdog's own idle.
    const probe = watchdog(70, 10);
    probe.w.begin();
    await within(probe.idled, 2000, "probe");
    probe.w.close();
    expect(calls).toEqual([]);
    answer();
    await asked;
    await within(idled, 2000, "idle after the answer");
    expect(w.timedOut).toBe(true);
    w.close();
  });

  test("escalate() arms only the grace: force without idle, timedOut stays false", async () => {
    const { w, calls, forced } = watchdog(60_000, 10);
    w.begin();
    w.escalate();
    w.escalate();
    await within(forced, 2000, "force");
    expect(calls).toEqual(["force"]);
    expect(w.timedOut).toBe(false);
    w.close();
  });
});

describe("turnEnd builder (#10)", () => {
  test("measures the duration, defaults usage to zero, carries error and cost only when given", () => {
    const ok = turnEnd(performance.now() - 5, { stopReason: "end_turn", isError: false });
    expect(ok).toEqual({ type: "turn_end", stopReason: "end_turn", isError: false, durationMs: expect.any(Number), usage: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 } });
    expect(ok.durationMs).toBeGreaterThanOrEqual(5);
    expect("error" in ok || "costUsd" in ok).toBe(false);
    const bad = errorEnd(performance.now(), idleTimeoutError("codex", 300), "timeout", { costUsd: 0.5 });
    expect(bad).toMatchObject({ stopReason: "timeout", isError: true, costUsd: 0.5, error: "timed out: no event from codex for 300 ms, so the turn was interrupted" });
  });
});
