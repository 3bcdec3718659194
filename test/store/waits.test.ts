// The durable-wait rows (#12): timers keep the first wake time, a signal is consumed once and by one step, and parked
// runs are due when their time comes or their event arrives.

import { expect, test } from "bun:test";
import { insertRun, finishRun } from "../../src/store/runs.ts";
import { openStore } from "../../src/store/store.ts";
import { consumeSignal, dueParks, hasPendingSignal, insertSignal, nextWake, parkRun, recordTimer, unparkRun } from "../../src/store/waits.ts";

function withRun() {
  const store = openStore(":memory:");
  insertRun(store, { id: "run_a", workflow: "w", args: {}, at: 1 });
  return store;
}

test("a timer keeps the wake time first recorded for its step (#12)", () => {
  const store = withRun();
  expect(recordTimer(store, "run_a", 3, 5000)).toBe(5000);
  expect(recordTimer(store, "run_a", 3, 9000)).toBe(5000);
  expect(recordTimer(store, "run_a", 4, 9000)).toBe(9000);
  store.close();
});

test("a signal is consumed once, oldest first, and the same step gets the same one again (#12)", () => {
  const store = withRun();
  insertSignal(store, { runId: "run_a", event: "go", payload: { n: 1 }, at: 10 });
  insertSignal(store, { runId: "run_a", event: "go", payload: { n: 2 }, at: 11 });
  expect(consumeSignal(store, "run_a", "other", 1, 20)).toBeUndefined();
  const first = consumeSignal(store, "run_a", "go", 1, 20)!;
  expect(JSON.parse(first.payload!)).toEqual({ n: 1 });
  expect(consumeSignal(store, "run_a", "go", 1, 21)!.id).toBe(first.id);
  expect(JSON.parse(consumeSignal(store, "run_a", "go", 2, 22)!.payload!)).toEqual({ n: 2 });
  expect(consumeSignal(store, "run_a", "go", 3, 23)).toBeUndefined();
  expect(hasPendingSignal(store, "run_a", "go")).toBe(false);
  store.close();
});

test("a parked run is due at its wake time or when its event arrives, not while it runs (#12)", () => {
  const store = withRun();
  parkRun(store, { run_id: "run_a", state: "sleeping", wake_at: 1000, event: null, question: null, at: 5 });
  expect(dueParks(store, 2000)).toEqual([]); // still running: its process has not let go yet
  finishRun(store, "run_a", { status: "interrupted", at: 6, attemptMs: 1 });
  expect(dueParks(store, 999)).toEqual([]);
  expect(dueParks(store, 1000).map((p) => p.run_id)).toEqual(["run_a"]);
  expect(nextWake(store, 0)).toBe(1000);
  expect(nextWake(store, 1000)).toBeUndefined();
  parkRun(store, { run_id: "run_a", state: "waiting", wake_at: null, event: "go", question: null, at: 7 });
  expect(dueParks(store, 5000)).toEqual([]);
  insertSignal(store, { runId: "run_a", event: "go", payload: null, at: 8 });
  expect(dueParks(store, 0).map((p) => p.state)).toEqual(["waiting"]);
  unparkRun(store, "run_a");
  expect(dueParks(store, 5000)).toEqual([]);
  store.close();
});
