// The workflow families (runs + journal, waits, schedules, worktrees) through the async contract, one suite on both
// backends (#15): the same calls give the same rows, a step restarted by a new attempt is replaced whole, a signal is
// consumed by one step only even when two connections race for it, fires recorded by two "serves" at once are
// inserted once (so one run starts), a signal from another connection wakes a `runs` subscriber, and a failed
// transaction leaves no journal row behind.

import { expect, test } from "bun:test";
import type { Db } from "../../src/store/api.ts";
import { describeDb } from "../helpers/backends.ts";

const T0 = 1_700_000_000_000;

async function seedRun(db: Db, id = "run_a"): Promise<void> {
  await db.runs.insertRun({ id, workflow: "wf", file: "/x/wf.ts", args: { n: 1 }, owner: "own_1", caller: `sched:${id}`, host: "box-1", at: T0 });
}

/** Resolves with the first key after the subscription went live (its first "*" call), or rejects after `ms`. */
function nextKey(db: Db, topic: "runs" | "schedules", ms = 10_000): { live: Promise<void>; next: Promise<string> } {
  let live!: () => void;
  const liveP = new Promise<void>((r) => (live = r));
  const next = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${topic} signal within ${ms} ms`)), ms);
    let calls = 0;
    const off = db.subscribe(topic, (key) => {
      if (calls++ === 0) return live();
      clearTimeout(timer);
      off();
      resolve(key);
    });
  });
  return { live: liveP, next };
}

describeDb("workflow state on the store contract (#15)", (b) => {
  test("runs and their journal read back the same on both backends (#15)", async () => {
    const { db } = await b.open();
    await seedRun(db);
    db.runs.startStep({ runId: "run_a", seq: 1, kind: "agent", label: "ask", digest: "d1", attempt: 1, at: T0 + 1 });
    await db.runs.finishStep("run_a", 1, { status: "done", doneSeq: 1, output: { text: "hi" }, at: T0 + 5, costUsd: 0.25, inputTokens: 10, outputTokens: 20 });
    db.runs.addRunUsage("run_a", 0.25, 10, 20);
    db.runs.startStep({ runId: "run_a", seq: 2, kind: "bash", label: "ls", digest: "d2", attempt: 1, at: T0 + 6 });
    await db.runs.finishStep("run_a", 2, { status: "failed", doneSeq: 2, error: "boom", at: T0 + 7 });
    const steps = await db.runs.listSteps("run_a");
    expect(steps.map((s) => [s.seq, s.status, s.done_seq, s.output, s.error])).toEqual([[1, "done", 1, '{"text":"hi"}', null], [2, "failed", 2, null, "boom"]]);
    expect(steps[0]).toMatchObject({ started_at: T0 + 1, finished_at: T0 + 5, cost_usd: 0.25, input_tokens: 10, output_tokens: 20, attempt: 1 });
    // A new attempt starts step 2 again: the row is replaced whole (no stale error or finish time).
    await db.runs.restartRun("run_a", "own_2", T0 + 100);
    db.runs.startStep({ runId: "run_a", seq: 2, kind: "bash", label: "ls", digest: "d2", attempt: 2, at: T0 + 101 });
    expect((await db.runs.listSteps("run_a"))[1]).toMatchObject({ status: "running", attempt: 2, error: null, finished_at: null, done_seq: null });
    await db.runs.failDoneStep("run_a", 1, "stale");
    await db.runs.setStepDoneSeq("run_a", 2, 9);
    expect((await db.runs.listSteps("run_a")).map((s) => [s.status, s.done_seq])).toEqual([["failed", 1], ["running", 9]]);
    const run = await db.runs.getRun("run_a");
    expect(run).toMatchObject({ status: "running", owner: "own_2", attempt: 2, args: '{"n":1}', host: "box-1", cost_usd: 0.25, input_tokens: 10, output_tokens: 20, created_at: T0, started_at: T0 + 100 });
    expect(await db.runs.runningRuns()).toHaveLength(1);
    expect(await db.runs.markRunCrashed("run_a", T0 + 200, "died")).toBe(true);
    expect(await db.runs.markRunCrashed("run_a", T0 + 201, "again")).toBe(false);
    expect(await db.runs.crashedRunIds()).toEqual(["run_a"]);
    await db.runs.requestRunCancel("run_a");
    expect(await db.runs.cancelRequested("run_a")).toBe(true);
    await db.runs.finishRun("run_a", { status: "done", result: [1, 2], at: T0 + 300, attemptMs: 40.4 });
    expect(await db.runs.getRun("run_a")).toMatchObject({ status: "done", result: "[1,2]", finished_at: T0 + 300, duration_ms: 40 });
    await seedRun(db, "run_b");
    expect((await db.runs.listRuns(1)).map((r) => r.id)).toEqual(["run_b"]);
    expect(await db.runs.getRun("run_none")).toBeNull();
  });

  test("timers keep their first wake time and parked runs come due by time or by a signal (#15)", async () => {
    const { db } = await b.open();
    await seedRun(db);
    await seedRun(db, "run_b");
    expect(await db.waits.recordTimer("run_a", 3, T0 + 1000)).toBe(T0 + 1000);
    expect(await db.waits.recordTimer("run_a", 3, T0 + 9999)).toBe(T0 + 1000);
    await db.runs.finishRun("run_a", { status: "interrupted", at: T0, attemptMs: 1 });
    await db.runs.finishRun("run_b", { status: "interrupted", at: T0, attemptMs: 1 });
    await db.waits.parkRun({ run_id: "run_a", state: "sleeping", wake_at: T0 + 1000, event: null, question: null, at: T0 });
    await db.waits.parkRun({ run_id: "run_b", state: "waiting", wake_at: null, event: "go", question: null, at: T0 + 1 });
    expect(await db.waits.nextWake(T0)).toBe(T0 + 1000);
    expect((await db.waits.dueParks(T0 + 10)).map((p) => p.run_id)).toEqual([]);
    expect((await db.waits.dueParks(T0 + 1000)).map((p) => p.run_id)).toEqual(["run_a"]);
    const id = await db.waits.insertSignal({ runId: "run_b", event: "go", payload: { ok: true }, sender: "me", at: T0 + 2 });
    expect(id).toBeGreaterThan(0);
    expect(await db.waits.hasPendingSignal("run_b", "go")).toBe(true);
    expect((await db.waits.dueParks(T0 + 10)).map((p) => p.run_id)).toEqual(["run_b"]);
    expect(await db.waits.getPark("run_b")).toEqual({ run_id: "run_b", state: "waiting", wake_at: null, event: "go", question: null, parked_at: T0 + 1 });
    expect([...(await db.waits.parksOf(["run_b", "run_none", "run_a"])).keys()]).toEqual(["run_b", "run_a"]);
    const got = await db.waits.consumeSignal("run_b", "go", 7, T0 + 3);
    expect(got).toMatchObject({ id, event: "go", payload: '{"ok":true}', sender: "me", sent_at: T0 + 2, consumed_seq: 7, consumed_at: T0 + 3 });
    // The same step asking again gets the same signal (an attempt died before recording the step); another gets none.
    expect((await db.waits.consumeSignal("run_b", "go", 7, T0 + 4))?.id).toBe(id);
    expect(await db.waits.consumeSignal("run_b", "go", 8, T0 + 4)).toBeUndefined();
    expect(await db.waits.hasPendingSignal("run_b", "go")).toBe(false);
    await db.waits.unparkRun("run_b");
    expect((await db.waits.listParks()).map((p) => p.run_id)).toEqual(["run_a"]);
    expect(await db.waits.listSignals("run_b")).toHaveLength(1);
  });

  test("two connections racing for the signals consume each one by one step only (#15)", async () => {
    const { db, location } = await b.open();
    const other = await b.reopen(location);
    await seedRun(db);
    for (let i = 0; i < 20; i++) await db.waits.insertSignal({ runId: "run_a", event: "e", payload: i, at: T0 + i });
    const take = async (d: Db, k: number) => {
      const got: number[] = [];
      for (let seq = k * 100; ; seq++) {
        const s = await d.waits.consumeSignal("run_a", "e", seq, T0 + 50);
        if (!s) return got;
        got.push(s.id);
      }
    };
    const [x, y] = await Promise.all([take(db, 0), take(other, 1)]);
    expect([...x, ...y].sort((p, q) => p - q)).toHaveLength(20);
    expect(new Set([...x, ...y]).size).toBe(20);
  });

  test("a signal sent from another connection wakes a runs subscriber with the run id (#15)", async () => {
    const { db, location } = await b.open();
    const other = await b.reopen(location);
    await seedRun(db);
    const w = nextKey(db, "runs");
    await w.live;
    await other.waits.insertSignal({ runId: "run_a", event: "go", payload: null, at: T0 });
    // PostgreSQL names the run (NOTIFY from the trigger); SQLite's WAL watch says "rescan".
    expect(["run_a", "*"]).toContain(await w.next);
  });

  test("fires recorded by two serves at once are inserted once, so one run starts (#15)", async () => {
    const { db, location } = await b.open();
    const other = await b.reopen(location);
    const planned = Array.from({ length: 10 }, (_, i) => ({ scheduledAt: T0 + i * 60_000, state: "pending" as const }));
    for (const d of [db, other]) expect(await d.schedules.scheduleCursor("nightly", "0 * * * *", T0 - 1)).toBe(T0 - 1);
    const fire = (d: Db, by: string) => d.schedules.recordFires("nightly", T0 + 9 * 60_000, planned, T0, false, by);
    const [a, c] = await Promise.all([fire(db, "own_a"), fire(other, "own_c")]);
    expect(a.length + c.length).toBe(10);
    expect(new Set([...a, ...c].map((f) => f.scheduledAt)).size).toBe(10);
    expect(await db.schedules.scheduleCursor("nightly", "0 * * * *", 0)).toBe(T0 + 9 * 60_000);
    expect(await db.schedules.scheduleCursor("nightly", "5 * * * *", 42)).toBe(42); // a changed spec restarts the cursor
    const pending = await db.schedules.pendingFires("nightly");
    expect(pending).toHaveLength(10);
    // Each fire names the serve whose insert took: the one that starts its run.
    expect(pending.filter((f) => f.fired_by === "own_a").length).toBe(a.length);
    await db.runs.insertRun({ id: "run_f", workflow: "wf", args: {}, caller: "schedule:nightly@1", at: T0 });
    await db.schedules.markFireStarted("nightly", T0, "run_f", T0 + 1);
    await db.schedules.markFireSkipped("nightly", T0 + 60_000, "overlap");
    expect(await db.schedules.lastStartedFire("nightly")).toMatchObject({ scheduled_at: T0, state: "started", run_id: "run_f", run_status: "running", started_at: T0 + 1, manual: 0 });
    expect(await db.schedules.lastFire("nightly")).toMatchObject({ scheduled_at: T0 + 9 * 60_000, state: "pending", run_status: null });
    expect(await db.schedules.runOfCaller("schedule:nightly@1")).toBe("run_f");
    expect(await db.schedules.runOfCaller("schedule:none")).toBeNull();
    expect(await db.schedules.runStatusOf("run_f")).toBe("running");
    expect((await db.schedules.listFires("nightly")).map((f) => f.state).slice(0, 3)).toEqual(["started", "skipped", "pending"]);
    expect(await db.schedules.recordFires("nightly", null, [planned[0]!], T0, true)).toEqual([]);
  });

  test("worktree rows and a run's start branch read back the same on both backends (#15)", async () => {
    const { db } = await b.open();
    await seedRun(db);
    const wt = { handle: "h1", sessionId: "ses_1", spawnedBy: "run_a", repo: "/r", path: "/r/.wt/h1", branch: "aegis/h1", base: "abc", baseRef: "main", keep: "changed" as const, host: "box-1", at: T0 };
    await db.worktrees.insertWorktree(wt);
    await db.worktrees.recordWorktreeMerge("h1", { into: "main", commit: "c1", head: "h", at: T0 + 5 });
    await db.worktrees.setWorktreeState("h1", "removed", T0 + 6);
    expect(await db.worktrees.listWorktrees()).toEqual([]);
    expect(await db.worktrees.listWorktrees({ includeRemoved: true })).toHaveLength(1);
    // The handle used again: the removed row is replaced whole.
    await db.worktrees.insertWorktree({ ...wt, sessionId: "ses_2", at: T0 + 10 });
    expect(await db.worktrees.getWorktree("h1")).toEqual({ ...{ handle: "h1", session_id: "ses_2", spawned_by: "run_a", repo: "/r", path: "/r/.wt/h1", branch: "aegis/h1", base: "abc", base_ref: "main", keep: "changed", state: "live", created_at: T0 + 10 }, host: "box-1", closed_at: null, merged_into: null, merged_commit: null, merged_head: null, merged_at: null });
    await db.worktrees.setWorktreeState("h1", "kept", T0 + 11);
    await db.worktrees.reattachWorktreeRow("h1", "ses_3");
    expect(await db.worktrees.getWorktree("h1")).toMatchObject({ state: "live", session_id: "ses_3", closed_at: null });
    expect(await db.worktrees.runStartBranch("run_a")).toBeNull();
    await db.worktrees.setRunStartBranch("run_a", "feature");
    expect(await db.worktrees.runStartBranch("run_a")).toBe("feature");
    expect(await db.worktrees.getWorktree("nope")).toBeNull();
  });

  test("a failed transaction leaves no journal row, a committed one is seen by another connection (#15)", async () => {
    const { db, location } = await b.open();
    const other = await b.reopen(location);
    await seedRun(db);
    await expect(db.tx(async (t) => {
      await t.runs.finishStep("run_a", 1, { status: "done", doneSeq: 1, at: T0 });
      await t.waits.parkRun({ run_id: "run_a", state: "sleeping", wake_at: T0, event: null, question: null, at: T0 });
      throw new Error("abort");
    })).rejects.toThrow("abort");
    expect(await db.waits.getPark("run_a")).toBeNull();
    await db.tx(async (t) => {
      await t.runs.finishRun("run_a", { status: "interrupted", at: T0 + 1, attemptMs: 1 });
      await t.waits.parkRun({ run_id: "run_a", state: "sleeping", wake_at: T0 + 5, event: null, question: null, at: T0 + 1 });
    }, { durable: true });
    expect(await other.waits.getPark("run_a")).toMatchObject({ state: "sleeping", wake_at: T0 + 5 });
    // The journal's commit: a buffered usage write inside the transaction lands with the step's finish.
    db.runs.startStep({ runId: "run_a", seq: 1, kind: "agent", label: "ask", digest: "d1", attempt: 1, at: T0 });
    await db.tx(async (t) => {
      t.runs.addRunUsage("run_a", 0.5, 3, 4);
      await t.runs.finishStep("run_a", 1, { status: "done", doneSeq: 1, at: T0 + 2, costUsd: 0.5 });
    }, { durable: true });
    expect(await other.runs.getRun("run_a")).toMatchObject({ cost_usd: 0.5, input_tokens: 3, output_tokens: 4 });
    expect((await other.runs.listSteps("run_a"))[0]).toMatchObject({ status: "done", cost_usd: 0.5 });
    expect((await other.runs.getRun("run_a"))?.status).toBe("interrupted");
  });
});
