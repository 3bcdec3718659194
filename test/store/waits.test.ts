// The durable-wait rows (#12), on both backends (#15): timers keep the first wake time, a signal is consumed once and
// by one step, and parked runs are due when their time comes or their event arrives.

import { expect, test } from "bun:test";
import { describeDb, type DbUnderTest } from "../helpers/backends.ts";

async function withRun(b: DbUnderTest) {
  const { db } = await b.open();
  await db.runs.insertRun({ id: "run_a", workflow: "w", args: {}, at: 1 });
  return db;
}

describeDb("durable waits", (b) => {
  test("a timer keeps the wake time first recorded for its step (#12)", async () => {
    const db = await withRun(b);
    expect(await db.waits.recordTimer("run_a", 3, 5000)).toBe(5000);
    expect(await db.waits.recordTimer("run_a", 3, 9000)).toBe(5000);
    expect(await db.waits.recordTimer("run_a", 4, 9000)).toBe(9000);
  });

  test("a signal is consumed once, oldest first, and the same step gets the same one again (#12)", async () => {
    const db = await withRun(b);
    await db.waits.insertSignal({ runId: "run_a", event: "go", payload: { n: 1 }, at: 10 });
    await db.waits.insertSignal({ runId: "run_a", event: "go", payload: { n: 2 }, at: 11 });
    expect(await db.waits.consumeSignal("run_a", "other", 1, 20)).toBeUndefined();
    const first = (await db.waits.consumeSignal("run_a", "go", 1, 20))!;
    expect(JSON.parse(first.payload!)).toEqual({ n: 1 });
    expect((await db.waits.consumeSignal("run_a", "go", 1, 21))!.id).toBe(first.id);
    expect(JSON.parse((await db.waits.consumeSignal("run_a", "go", 2, 22))!.payload!)).toEqual({ n: 2 });
    expect(await db.waits.consumeSignal("run_a", "go", 3, 23)).toBeUndefined();
    expect(await db.waits.hasPendingSignal("run_a", "go")).toBe(false);
    expect((await db.waits.listSignals("run_a")).map((s) => [s.event, s.consumed_seq])).toEqual([["go", 1], ["go", 2]]);
  });

  test("a parked run is due at its wake time or when its event arrives, not while it runs (#12)", async () => {
    const db = await withRun(b);
    await db.waits.parkRun({ run_id: "run_a", state: "sleeping", wake_at: 1000, event: null, question: null, at: 5 });
    expect(await db.waits.dueParks(2000)).toEqual([]); // still running: its process has not let go yet
    await db.runs.finishRun("run_a", { status: "interrupted", at: 6, attemptMs: 1 });
    expect(await db.waits.dueParks(999)).toEqual([]);
    expect((await db.waits.dueParks(1000)).map((p) => p.run_id)).toEqual(["run_a"]);
    expect(await db.waits.nextWake(0)).toBe(1000);
    expect(await db.waits.nextWake(1000)).toBeUndefined();
    await db.waits.parkRun({ run_id: "run_a", state: "waiting", wake_at: null, event: "go", question: null, at: 7 });
    expect(await db.waits.dueParks(5000)).toEqual([]);
    await db.waits.insertSignal({ runId: "run_a", event: "go", payload: null, at: 8 });
    expect((await db.waits.dueParks(0)).map((p) => p.state)).toEqual(["waiting"]);
    await db.waits.unparkRun("run_a");
    expect(await db.waits.dueParks(5000)).toEqual([]);
    expect(await db.waits.listParks()).toEqual([]);
  });
});
