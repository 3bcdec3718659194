// Recovery while running: when a sibling aegis process dies, the survivor's watch tick fails the dead process's
// tasks as interrupted and, because that frees capacity, dispatches the next pending tasks at once (its own commits
// never wake it, so waiting for a "change" would wait forever). Who is dead is decided again inside the recovery's
// transaction, so a worker that renewed its lease meanwhile keeps its work. On both store backends (#15).

import { expect, setDefaultTimeout, test } from "bun:test";
import { hostname } from "node:os";
import { recoverDeadOwners } from "../../src/queue/recovery.ts";
import { INTERRUPTED } from "../../src/queue/task.ts";
import type { Db } from "../../src/store/api.ts";
import { hostName, procStart } from "../../src/store/owners.ts";
import type { NewTask } from "../../src/store/tasks.ts";
import { waitFor, within } from "../fixtures/helpers/wait.ts";
import { describeDb } from "../helpers/backends.ts";
import { describeRuntimes, type RuntimeBackend } from "../helpers/runtimes.ts";
import { testConfig } from "../session/fixtures.ts";

// The first PostgreSQL test of the file starts the throwaway cluster: seconds on a loaded machine.
setDefaultTimeout(30_000);

/** Seeds the database with a live sibling owner (a real process) running one task of `q`, and `pending` tasks behind it. */
async function seedSibling(b: RuntimeBackend, location: string, pid: number, pending: string[]): Promise<void> {
  const seed = b.sql(location);
  const start = procStart(pid);
  await seed.run(`INSERT INTO owners (id, pid, host, proc_start, started_at) VALUES ('own_sibling', ${pid}, '${hostname()}', ${start === undefined ? "NULL" : `'${start}'`}, 0)`);
  await seed.run(`INSERT INTO tasks (id, queue, payload, enqueued_by, callback, status, owner, enqueued_at, started_at)
    VALUES ('task_run', 'q', 'p0', 'user', 0, 'running', 'own_sibling', 1, 2)`);
  for (const [i, id] of pending.entries()) {
    await seed.run(`INSERT INTO tasks (id, queue, payload, enqueued_by, callback, status, enqueued_at) VALUES ('${id}', 'q', 'p${i + 1}', 'user', 0, 'pending', ${3 + i})`);
  }
  await seed.close();
}

describeRuntimes("recovery while running", (b) => {
  test("(#4) a sibling killed mid-task: the survivor fails its task and dispatches the pending ones; drain ends", async () => {
    const location = await b.fresh();
    const sibling = Bun.spawn(["sleep", "600"], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
    try {
      await seedSibling(b, location, sibling.pid, ["task_a", "task_b"]);
      const cfg = testConfig({ w: { reply: (p) => `done ${p}` } }, { q: { agent: "w", maxParallel: 1 } });
      const r = await b.runtime(location, { config: cfg, plane: false, queues: { pollMs: 10 } });
      const drained = r.queues.drain();
      // The sibling is alive and holds the queue's only slot: nothing may start.
      expect((await r.queues.status("task_a"))).toMatchObject({ status: "pending", position: 1 });
      sibling.kill("SIGKILL");
      await sibling.exited;
      await within(drained, 10_000, "drain after the sibling died");
      // The error names the worker and why it stopped (#15), after the old text.
      expect((await r.queues.status("task_run"))).toMatchObject({ status: "failed", error: `${INTERRUPTED} (worker own_sibling, pid ${sibling.pid} on ${hostname()}: its process died)` });
      expect((await r.queues.status("task_a"))).toMatchObject({ status: "done", result: "done p1" });
      expect((await r.queues.status("task_b"))).toMatchObject({ status: "done", result: "done p2" });
    } finally {
      sibling.kill("SIGKILL");
    }
  });

  test("(#4) cancelling a dead process's running task frees its slot: the next pending task starts", async () => {
    const location = await b.fresh();
    const sibling = Bun.spawn(["sleep", "600"], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
    try {
      await seedSibling(b, location, sibling.pid, ["task_a"]);
      const cfg = testConfig({ w: { reply: (p) => `done ${p}` } }, { q: { agent: "w", maxParallel: 1 } });
      // No periodic watch: only the cancel itself may set the next task going.
      const r = await b.runtime(location, { config: cfg, plane: false, queues: { pollMs: 0 } });
      await r.queues.start();
      expect((await r.queues.status("task_a"))?.status).toBe("pending");
      sibling.kill("SIGKILL");
      await sibling.exited;
      expect(await r.queues.cancel("task_run")).toEqual({ taskId: "task_run", status: "cancelled", was: "running" });
      expect((await within(r.queues.waitFor("task_a"), 10_000, "task_a")).result).toBe("done p1");
    } finally {
      sibling.kill("SIGKILL");
    }
  });
});

describeDb("recovery decides who is dead inside its transaction", (b) => {
  const task = (id: string): NewTask => ({ id, queue: "q", payload: `do ${id}`, enqueuedBy: "user", callback: false, at: 1 });
  const info = (leaseMs: number) => ({ labels: [], queues: ["q"], concurrency: 1, leaseMs });

  /** A worker `own_x` on another connection whose short lease has expired while it runs task_x. */
  async function expiredWorker(db: Db, location: string): Promise<Db> {
    const worker = await b.reopen(location);
    await worker.tasks.insertTask(task("task_x"));
    await worker.owners.leaseOwner("own_x", info(50));
    expect((await worker.tasks.claimTasks("q", 1, "own_x", 2, 1, { leased: true })).map((t) => t.id)).toEqual(["task_x"]);
    await waitFor(async () => (await db.owners.deadOwners([])).has("own_x"), { what: "own_x's lease to expire" });
    return worker;
  }

  test("a worker that renews its lease after the sweep judged it dead keeps its task and its lease (#15)", async () => {
    const { db, location } = await b.open();
    const worker = await expiredWorker(db, location);
    // The sweep reads the owners and finds own_x dead; before its transaction runs, own_x takes a fresh lease.
    const racing = new Proxy(db, {
      get(target, key) {
        if (key !== "owners") return Reflect.get(target, key, target);
        // A proxy, not a spread: a backend's families may keep their methods off the object itself.
        return new Proxy(target.owners, {
          get: (owners, name) => name !== "deadOwners" ? Reflect.get(owners, name, owners) : async (referenced: Iterable<string>) => {
            const dead = await owners.deadOwners(referenced);
            await worker.owners.leaseOwner("own_x", info(60_000));
            return dead;
          },
        });
      },
    });
    expect(await recoverDeadOwners(racing, "own_sweeper", 3)).toEqual([]);
    expect(await db.tasks.getTask("task_x")).toMatchObject({ status: "running", owner: "own_x" });
    expect(await worker.owners.heartbeatOwner("own_x")).toBe(true);
  });

  test("a worker still dead inside the transaction is recovered once, and its heartbeat then finds its lease lost (#15)", async () => {
    const { db, location } = await b.open();
    const worker = await expiredWorker(db, location);
    const recovered = await recoverDeadOwners(db, "own_sweeper", 3);
    expect(recovered.map((f) => f.row.id)).toEqual(["task_x"]);
    expect(await db.tasks.getTask("task_x")).toMatchObject({ status: "failed", error: `${INTERRUPTED} (worker own_x, pid ${process.pid} on ${hostName()}: its lease expired: paused, cut off or its machine lost)` });
    expect(await recoverDeadOwners(db, "own_sweeper", 4)).toEqual([]);
    expect(await worker.owners.heartbeatOwner("own_x")).toBe(false);
  });
});
