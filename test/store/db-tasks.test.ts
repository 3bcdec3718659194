// The tasks family through the async contract, one suite on both backends (#15): the same calls give the same rows,
// racing claimers in two connections stay within maxParallel and never share a task, a finish guarded by owner
// happens once, a failed transaction leaves nothing, and another connection's enqueue wakes a subscriber.

import { expect, test } from "bun:test";
import type { Db } from "../../src/store/api.ts";
import type { NewTask, TaskRow } from "../../src/store/tasks.ts";
import { describeDb } from "../helpers/backends.ts";

const task = (id: string, queue = "q"): NewTask => ({ id, queue, payload: `do ${id}`, enqueuedBy: "test", callback: false, at: 1_700_000_000_000 });
const done = { status: "done" as const, result: "ok", error: null, at: 1_700_000_000_500 };

/** Subscribes; resolves `live` at the first ("*", subscription live) call and `next` with the key of the call after. */
function watchTasks(db: Db, ms = 10_000): { live: Promise<void>; next: Promise<string> } {
  let live!: () => void;
  const liveP = new Promise<void>((r) => (live = r));
  const next = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no tasks signal within ${ms} ms`)), ms);
    let calls = 0;
    const off = db.subscribe("tasks", (key) => {
      if (calls++ === 0) return live();
      clearTimeout(timer);
      off();
      resolve(key);
    });
  });
  return { live: liveP, next };
}

describeDb("tasks on the store contract (#15)", (b) => {
  test("enqueue, position, head, counts and reads agree on both backends (#15)", async () => {
    const { db } = await b.open();
    expect(await db.tasks.insertTask(task("task_a"))).toBe(1);
    expect(await db.tasks.insertTask(task("task_b"))).toBe(2);
    await db.tasks.insertTask(task("task_x", "other"));
    const a = await db.tasks.getTask("task_a");
    expect(a).toMatchObject({ seq: 1, id: "task_a", queue: "q", status: "pending", callback: 0, enqueued_at: 1_700_000_000_000, owner: null });
    expect(await db.tasks.pendingPosition(await db.tasks.getTask("task_b") as never)).toBe(2);
    expect((await db.tasks.pendingHead("q", 10)).map((t) => t.id)).toEqual(["task_a", "task_b"]);
    expect(await db.tasks.queueCounts("q")).toEqual({ pending: 2, running: 0 });
    expect((await db.tasks.listTasks({ queue: "q", limit: 1 })).map((t) => t.id)).toEqual(["task_a"]);
    expect(await db.tasks.getTask("task_missing")).toBeNull();
  });

  test("racing claimers in two connections stay within maxParallel and finish each task once (#15)", async () => {
    const { db, location } = await b.open();
    const other = await b.reopen(location);
    for (let i = 0; i < 60; i++) await db.tasks.insertTask(task(`task_${String(i).padStart(2, "0")}`));
    const finished: string[] = [];
    let peak = 0;
    const worker = async (d: Db, owner: string) => {
      for (;;) {
        const got = await d.tasks.claimTasks("q", 3, owner, 1_700_000_000_100, 2);
        if (got.length === 0) {
          if ((await d.tasks.queueCounts("q")).pending === 0) return;
          await Bun.sleep(1); // every slot is taken by the other claimers: let them finish
          continue;
        }
        peak = Math.max(peak, (await d.tasks.queueCounts("q")).running);
        for (const t of got) {
          expect(await d.tasks.finishTask(t.id, "running", done, "own_someone_else")).toBe(false);
          expect(await d.tasks.finishTask(t.id, "running", done, owner)).toBe(true);
          finished.push(t.id);
        }
      }
    };
    await Promise.all([worker(db, "own_a"), worker(db, "own_b"), worker(other, "own_c"), worker(other, "own_d")]);
    expect(finished.length).toBe(60);
    expect(new Set(finished).size).toBe(60);
    expect(peak).toBeLessThanOrEqual(3);
    expect(await db.tasks.queueCounts("q")).toEqual({ pending: 0, running: 0 });
  });

  test("finishTasks finishes several tasks in one write, each guarded by its status, owner and fence (#15)", async () => {
    const { db, location } = await b.open();
    for (const id of ["task_a", "task_b", "task_c", "task_d", "task_e"]) await db.tasks.insertTask(task(id));
    const mine = await db.tasks.claimTasks("q", 10, "own_a", 1_700_000_000_100, 4);
    expect(mine.map((t) => t.id)).toEqual(["task_a", "task_b", "task_c", "task_d"]);
    const [a, bb, c, d] = mine as [TaskRow, TaskRow, TaskRow, TaskRow];
    const failed = { status: "failed" as const, result: null, error: "boom", at: 1_700_000_000_600, costUsd: 0.5, inputTokens: 3, outputTokens: 4 };
    const other = await b.reopen(location); // another process's connection
    const moved = await other.tasks.finishTasks([
      { id: a.id, from: "running", outcome: done, owner: "own_a", fence: a.fence! },
      { id: bb.id, from: "running", outcome: failed, owner: "own_a", fence: bb.fence! },
      { id: c.id, from: "running", outcome: done, owner: "own_other", fence: c.fence! }, // not its owner
      { id: d.id, from: "running", outcome: done, owner: "own_a", fence: d.fence! + 1 }, // a stale fence
      { id: "task_e", from: "pending", outcome: { status: "cancelled", result: null, error: "cancelled", at: 1_700_000_000_700 } },
      { id: "task_missing", from: "running", outcome: done },
    ]);
    await other.flush();
    expect(moved.sort()).toEqual(["task_a", "task_b", "task_e"]);
    expect(await db.tasks.getTask("task_a")).toMatchObject({ status: "done", result: "ok", finished_at: 1_700_000_000_500 });
    expect(await db.tasks.getTask("task_b")).toMatchObject({ status: "failed", error: "boom", cost_usd: 0.5, input_tokens: 3, output_tokens: 4 });
    expect((await db.tasks.getTask("task_c"))?.status).toBe("running");
    expect((await db.tasks.getTask("task_d"))?.status).toBe("running");
    expect((await db.tasks.getTask("task_e"))?.status).toBe("cancelled");
    expect(await db.tasks.queueCounts("q")).toEqual({ pending: 0, running: 2 });
    expect(await db.tasks.finishTasks([{ id: a.id, from: "running", outcome: done, owner: "own_a", fence: a.fence! }])).toEqual([]);
    expect(await db.tasks.finishTasks([])).toEqual([]);
  });

  test("a transaction that throws leaves nothing; the Db inside tx() is refused (#15)", async () => {
    const { db } = await b.open();
    await expect(db.tx(async (t) => {
      await t.tasks.insertTask(task("task_gone"));
      expect((await t.tasks.getTask("task_gone"))?.status).toBe("pending"); // visible inside
      throw new Error("abort");
    })).rejects.toThrow("abort");
    expect(await db.tasks.getTask("task_gone")).toBeNull();
    const err = await db.tx(async () => await db.tasks.getTask("task_gone")).catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe("E_INTERNAL");
    const n = await db.tx(async (t) => {
      await t.tasks.insertTask(task("task_kept"));
      return (await t.tasks.claimTasks("q", 1, "own_a", 2)).length;
    }, { durable: true });
    expect(n).toBe(1);
    expect((await db.tasks.getTask("task_kept"))?.status).toBe("running");
  });

  test("an enqueue through another connection wakes a subscriber without polling (#15)", async () => {
    const { db, location } = await b.open();
    await db.tasks.insertTask(task("task_first"));
    await db.flush();
    const other = await b.reopen(location);
    const w = watchTasks(db);
    await w.live;
    await other.tasks.insertTask(task("task_second"));
    expect(["q", "*"]).toContain(await w.next);
    expect((await db.tasks.getTask("task_second"))?.status).toBe("pending");
  });
});
