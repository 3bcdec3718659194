// The tasks family through the async contract, one suite on both backends (#15): the same calls give the same rows,
// racing claimers in two connections stay within maxParallel and never share a task, a finish guarded by owner
// happens once, a failed transaction leaves nothing, and another connection's enqueue wakes a subscriber.

import { expect, test } from "bun:test";
import type { Db } from "../../src/store/api.ts";
import type { NewTask } from "../../src/store/tasks.ts";
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
