// Worker leases, fenced claims and host pins through the async contract, one suite on both backends (#15): a lease is
// taken, renewed and re-created after a recovery removed it; an expired lease makes its owner dead on any host and its
// claims stop; a finish presenting an old fence changes nothing; a task pinned to a host goes only to that host; an
// owner records its machine's id; a worktree record is fenced like a finish.

import { expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import type { Db } from "../../src/store/api.ts";
import { machineId, type WorkerInfo } from "../../src/store/owners.ts";
import type { NewTask } from "../../src/store/tasks.ts";
import { describeDb } from "../helpers/backends.ts";

const task = (id: string, extra: Partial<NewTask> = {}): NewTask => ({ id, queue: "q", payload: `do ${id}`, enqueuedBy: "test", callback: false, at: 1_700_000_000_000, ...extra });
const done = { status: "done" as const, result: "ok", error: null, at: 1_700_000_000_500 };
const worker = (leaseMs: number): WorkerInfo => ({ labels: ["gpu"], queues: ["q"], concurrency: 3, leaseMs });

/** Polls `check` (a database read) until it holds; the lease clock is the database's, so this waits on it, not on a sleep. */
async function until(check: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await Bun.sleep(5);
  }
}

describeDb("worker leases and fenced claims (#15)", (b) => {
  test("a lease is listed, renewed, lost when its row is removed, and taken again under the same id (#15)", async () => {
    const { db } = await b.open();
    await db.owners.leaseOwner("own_w1", worker(60_000));
    await db.tasks.insertTask(task("task_1"));
    await db.tasks.claimTasks("q", 5, "own_w1", 1, 5, { leased: true });
    const [w] = await db.owners.listWorkers();
    expect(w).toMatchObject({ id: "own_w1", pid: process.pid, labels: ["gpu"], queues: ["q"], concurrency: 3, leaseMs: 60_000, running: ["task_1"] });
    expect(w!.leaseExpiresAt! - w!.heartbeatAt!).toBe(60_000);
    expect(await db.owners.heartbeatOwner("own_w1")).toBe(true);
    await db.owners.deleteOwnerRows(["own_w1"]);
    expect(await db.owners.heartbeatOwner("own_w1")).toBe(false);
    await db.owners.leaseOwner("own_w1", worker(60_000));
    expect(await db.owners.heartbeatOwner("own_w1")).toBe(true);
  });

  test("a lease taken or renewed ends exactly lease_ms after its heartbeat, read from one clock reading (#15)", async () => {
    const { db } = await b.open();
    const off: number[] = [];
    for (let i = 0; i < 150; i++) {
      if (i % 2 === 0) await db.owners.leaseOwner("own_w1", worker(60_000));
      else await db.owners.heartbeatOwner("own_w1");
      const [w] = await db.owners.listWorkers();
      if (w!.leaseExpiresAt! - w!.heartbeatAt! !== 60_000) off.push(w!.leaseExpiresAt! - w!.heartbeatAt!);
    }
    expect(off).toEqual([]);
  });

  test("registered and leased owners record this machine's id, for doctor's host id clash check (#15)", async () => {
    const { db } = await b.open();
    const id = await db.owners.registerOwner();
    await db.owners.leaseOwner("own_w1", worker(60_000));
    const rows = await db.owners.listOwners();
    expect(Object.fromEntries(rows.map((r) => [r.id, r.machine_id]))).toEqual({ [id]: machineId(), own_w1: machineId() });
    const file = ["/etc/machine-id", "/var/lib/dbus/machine-id"].find((f) => existsSync(f));
    expect(machineId()).toBe(file ? readFileSync(file, "utf8").trim() : null);
  });

  test("an expired lease makes its owner dead and stops its claims; an old fence cannot finish (#15)", async () => {
    const { db, location } = await b.open();
    const other = await b.reopen(location);
    for (let i = 0; i < 4; i++) await db.tasks.insertTask(task(`task_${i}`));
    // Claimed under a long lease (live whatever the machine's load), then re-armed short and left to expire: a
    // 300 ms lease taken first could expire before the "still live" check on a loaded machine.
    await db.owners.leaseOwner("own_paused", worker(60_000));
    const [first] = await db.tasks.claimTasks("q", 4, "own_paused", 2, 1, { leased: true });
    expect(first).toMatchObject({ id: "task_0", status: "running", owner: "own_paused", fence: 1 });
    await db.flush();
    expect(await other.owners.deadOwners(["own_paused"])).toEqual(new Set());
    await db.owners.leaseOwner("own_paused", worker(300));
    await until(async () => (await other.owners.deadOwners(["own_paused"])).has("own_paused"), "the lease expiring");
    expect(await db.tasks.claimTasks("q", 4, "own_paused", 3, 1, { leased: true })).toEqual([]);
    // What a recovery does: the owner row goes, its task ends; the paused worker's finish then changes nothing.
    await other.tx(async (t) => {
      await t.owners.deleteOwnerRows(["own_paused"]);
      expect(await t.tasks.finishTask("task_0", "running", { ...done, status: "failed", error: "interrupted" }, "own_paused")).toBe(true);
    });
    await other.flush();
    expect(await db.tasks.finishTask("task_0", "running", done, "own_paused", first!.fence)).toBe(false);
    expect((await db.tasks.getTask("task_0"))?.status).toBe("failed");
    // The next claim of a task carries a fresh fence; a finish with a stale one is refused.
    await other.owners.leaseOwner("own_live", worker(60_000));
    const [next] = await other.tasks.claimTasks("q", 4, "own_live", 4, 1, { leased: true });
    await other.flush();
    expect(next?.fence).toBe(1);
    expect(await other.tasks.finishTask(next!.id, "running", done, "own_live", 0)).toBe(false);
    expect(await other.tasks.finishTask(next!.id, "running", done, "own_live", next!.fence)).toBe(true);
  });

  test("a worktree record presenting a lost claim changes nothing; the current claim's is written (#15)", async () => {
    const { db } = await b.open();
    await db.tasks.insertTask(task("task_wt"));
    const [old] = await db.tasks.claimTasks("q", 1, "own_old", 1);
    const wt = { branch: "aegis/task-wt", base: "abc", commit: null, files: 0, added: 0, removed: 0 };
    expect(await db.taskWorktrees.setTaskWorktree("task_wt", wt, "own_old", old!.fence)).toBe(true);
    // Recovered (the old owner's lease lost): neither the old owner nor a stale fence may record what it left.
    await db.tasks.finishTask("task_wt", "running", { ...done, status: "failed", error: "interrupted" }, "own_old");
    const left = { ...wt, commit: "def", files: 2, added: 5, removed: 1 };
    expect(await db.taskWorktrees.setTaskWorktree("task_wt", left, "own_old", old!.fence)).toBe(false);
    expect(await db.tasks.getTask("task_wt")).toMatchObject({ branch: "aegis/task-wt", commit_sha: null, diff_files: 0 });
    await db.tasks.insertTask(task("task_wt2"));
    const [cur] = await db.tasks.claimTasks("q", 1, "own_new", 2);
    expect(await db.taskWorktrees.setTaskWorktree("task_wt2", left, "own_new", cur!.fence! - 1)).toBe(false);
    expect(await db.taskWorktrees.setTaskWorktree("task_wt2", left, "own_new", cur!.fence)).toBe(true);
    expect(await db.tasks.getTask("task_wt2")).toMatchObject({ commit_sha: "def", diff_files: 2, diff_added: 5, diff_removed: 1 });
  });

  test("a task pinned to a host goes only to a worker there (#15)", async () => {
    const { db } = await b.open();
    await db.tasks.insertTask(task("task_pinned", { host: "gpu-box" }));
    await db.tasks.insertTask(task("task_any"));
    const cpu = await db.tasks.claimTasks("q", 5, "own_cpu", 1, 5, { host: "cpu-box" });
    expect(cpu.map((t) => t.id)).toEqual(["task_any"]);
    const gpu = await db.tasks.claimTasks("q", 5, "own_gpu", 1, 5, { host: "gpu-box" });
    expect(gpu.map((t) => t.id)).toEqual(["task_pinned"]);
    expect(gpu[0]?.host).toBe("gpu-box");
  });

  test("a slot freed by another connection wakes an idle worker without polling (#15)", async () => {
    const { db, location } = await b.open();
    const other = await b.reopen(location);
    await db.tasks.insertTask(task("task_a"));
    await db.tasks.insertTask(task("task_b"));
    const [held] = await other.tasks.claimTasks("q", 1, "own_other", 1);
    await other.flush();
    expect(await db.tasks.claimTasks("q", 1, "own_me", 1)).toEqual([]);
    const woke = nextSignal(db);
    await woke.live;
    await other.tasks.finishTask(held!.id, "running", done, "own_other");
    await woke.next;
    expect((await db.tasks.claimTasks("q", 1, "own_me", 2)).map((t) => t.id)).toEqual(["task_b"]);
  });
});

function nextSignal(db: Db, ms = 10_000): { live: Promise<void>; next: Promise<string> } {
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
