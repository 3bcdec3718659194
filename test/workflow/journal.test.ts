// The journal: live steps are committed with their completion order; a later attempt replays recorded outcomes in
// that order without executing them, detects non-determinism, re-runs unfinished steps, and replays failures the
// workflow had handled. On both store backends, through the async contract (#15).
import { beforeAll, expect, test } from "bun:test";
import type { Db } from "../../src/store/api.ts";
import { digestOf, Journal, type StepObserver } from "../../src/workflow/journal.ts";
import { describeDb, type DbUnderTest } from "../helpers/backends.ts";

const quiet: StepObserver = { started() {}, ended() {} };

let backend: DbUnderTest;

async function freshStore(runId = "run_test"): Promise<Db> {
  const { db } = await backend.open();
  await db.runs.insertRun({ id: runId, workflow: "t", args: {}, at: Date.now() });
  return db;
}

async function attempt(db: Db, n: number, observer: StepObserver = quiet): Promise<Journal> {
  return new Journal(db, "run_test", n, n === 1 ? [] : await db.runs.listSteps("run_test"), observer);
}

const listSteps = (db: Db, runId: string) => db.runs.listSteps(runId);

/** A step whose effect counts its executions and resolves after `ms`. */
function counted(j: Journal, calls: Record<string, number>, name: string, ms = 0): Promise<string> {
  return j.step({ kind: "send", label: `send ${name}`, input: { name } }, async () => {
    calls[name] = (calls[name] ?? 0) + 1;
    if (ms) await Bun.sleep(ms);
    return { output: `out:${name}`, costUsd: 0.5 };
  });
}

describeDb("journal", (b) => {
  beforeAll(() => void (backend = b)); // the helpers above open stores on this block's backend
  test("a second attempt replays recorded outputs without executing them, then goes live", async () => {
    const store = await freshStore();
    const calls: Record<string, number> = {};
    const j1 = await attempt(store, 1);
    expect(await counted(j1, calls, "a")).toBe("out:a");
    expect(await counted(j1, calls, "b")).toBe("out:b");
    const j2 = await attempt(store, 2);
    let firstLive = 0;
    j2.onFirstLive = (seq) => (firstLive = seq);
    expect(await counted(j2, calls, "a")).toBe("out:a");
    expect(await counted(j2, calls, "b")).toBe("out:b");
    expect(firstLive).toBe(0);
    expect(await counted(j2, calls, "c")).toBe("out:c");
    expect(firstLive).toBe(3);
    expect(calls).toEqual({ a: 1, b: 1, c: 1 });
    expect((await listSteps(store, "run_test")).map((s) => [s.seq, s.status, s.done_seq])).toEqual([[1, "done", 1], [2, "done", 2], [3, "done", 3]]);
  });

  test("a different call, or the same call with another input, fails as non-deterministic naming the step", async () => {
    const store = await freshStore();
    const j1 = await attempt(store, 1);
    await counted(j1, {}, "a");
    await counted(j1, {}, "b");
    const j2 = await attempt(store, 2);
    await counted(j2, {}, "a");
    const err = await counted(j2, {}, "x").catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "E_NONDETERMINISTIC" });
    expect(String((err as Error).message)).toContain("step 2 was `send b`");
    expect(String((err as Error).message)).toContain("`send x`");
    const j3 = await attempt(store, 3);
    await counted(j3, {}, "a");
    const other = await j3.step({ kind: "bash", label: "bash ls", input: { name: "b" } }, async () => ({ output: 1 })).catch((e: unknown) => e);
    expect(other).toMatchObject({ code: "E_NONDETERMINISTIC" });
  });

  test("concurrent branches replay in the order they originally completed, so later calls get the same keys", async () => {
    const store = await freshStore();
    const calls: Record<string, number> = {};
    // Branch A's first step is slow, branch B's fast: live, B's second call is made before A's.
    const branches = (j: Journal, slow: number) => Promise.all([
      (async () => [await counted(j, calls, "a1", slow), await counted(j, calls, "a2")])(),
      (async () => [await counted(j, calls, "b1"), await counted(j, calls, "b2")])(),
    ]);
    const live = await branches(await attempt(store, 1), 30);
    const keysLive = (await listSteps(store, "run_test")).map((s) => `${s.seq}:${s.label}`);
    expect(keysLive).toEqual(["1:send a1", "2:send b1", "3:send b2", "4:send a2"]);
    // Replayed, every step resolves at once; without ordering, a2 would be called before b2 and mismatch.
    const replayed = await branches(await attempt(store, 2), 0);
    expect(replayed).toEqual(live);
    expect(calls).toEqual({ a1: 1, a2: 1, b1: 1, b2: 1 });
  });

  test("a step the dead attempt left unfinished runs again; the rest replays", async () => {
    const store = await freshStore();
    const calls: Record<string, number> = {};
    const j1 = await attempt(store, 1);
    await counted(j1, calls, "a");
    // Simulate a crash mid-step: the row is written as running and never finished.
    store.runs.startStep({ runId: "run_test", seq: 2, kind: "send", label: "send b", digest: digestOf("send", { name: "b" }), attempt: 1, at: 0 });
    await store.flush();
    const j2 = await attempt(store, 2);
    await counted(j2, calls, "a");
    await counted(j2, calls, "b");
    expect(calls).toEqual({ a: 1, b: 1 });
    expect((await listSteps(store, "run_test"))[1]).toMatchObject({ status: "done", attempt: 2 });
  });

  test("a failure the workflow handled replays as the same failure; the failure that ended the run runs again", async () => {
    const store = await freshStore();
    let n = 0;
    const failing = (j: Journal) => j.step({ kind: "bash", label: "bash flaky", input: { n: 1 } }, async () => {
      n++;
      throw Object.assign(new Error("boom"), { name: "BoomError" });
    });
    const j1 = await attempt(store, 1);
    await expect(failing(j1)).rejects.toThrow("boom");
    await counted(j1, {}, "after");
    await expect(failing(j1)).rejects.toThrow("boom");
    expect(n).toBe(2);
    const j2 = await attempt(store, 2);
    const replayedErr = await failing(j2).catch((e: unknown) => e);
    expect((replayedErr as Error).name).toBe("BoomError");
    expect(n).toBe(2); // handled failure: replayed, not executed
    await counted(j2, {}, "after");
    await expect(failing(j2)).rejects.toThrow("boom");
    expect(n).toBe(3); // the last failure is executed again
  });

  test("jumpAfter a checkpoint skips the steps before it and keeps keys aligned", async () => {
    const store = await freshStore();
    const calls: Record<string, number> = {};
    const j1 = await attempt(store, 1);
    await counted(j1, calls, "a");
    await j1.step({ kind: "checkpoint", label: "checkpoint one", input: { name: "one" } }, async () => ({ output: { x: 1 } }));
    await counted(j1, calls, "b");
    const j2 = await attempt(store, 2);
    const skipped = j2.jumpAfter(2);
    expect(skipped.map((r) => r.seq)).toEqual([1, 2]);
    expect(await counted(j2, calls, "b")).toBe("out:b");
    await counted(j2, calls, "c");
    expect(calls).toEqual({ a: 1, b: 1, c: 1 });
  });

  test("committed usage is added to the run's totals", async () => {
    const store = await freshStore();
    const j = await attempt(store, 1);
    await counted(j, {}, "a");
    await counted(j, {}, "b");
    expect((await store.runs.getRun("run_test"))?.cost_usd).toBe(1);
  });

  test("digests ignore key order and tell inputs apart", () => {
    expect(digestOf("send", { a: 1, b: [1, { c: 2, d: 3 }] })).toBe(digestOf("send", { b: [1, { d: 3, c: 2 }], a: 1 }));
    expect(digestOf("send", { a: 1 })).not.toBe(digestOf("send", { a: 2 }));
    expect(digestOf("send", { a: 1 })).not.toBe(digestOf("bash", { a: 1 }));
  });
});
