// A worker paused (SIGSTOP, a frozen VM) or cut off in the middle of a PostgreSQL transaction holds that
// transaction's row locks — its task row and the queue's counts row — until the server lets go of it (#15). The pool's
// idle-in-transaction limit makes the server end such a transaction, so the survivors' recovery of the paused
// worker's tasks goes through instead of waiting for it to resume; when it resumes, its finish is refused by the fence.
// Recovery itself gives up on a lock held too long (lock timeout) rather than hang the sweep. PostgreSQL only: SQLite
// has no row locks (a writer there holds the whole file for one short batch).

import { afterEach, describe, expect, test } from "bun:test";
import type { Db } from "../../src/store/api.ts";
import { openPgDb } from "../../src/store/postgres/db.ts";
import type { NewTask } from "../../src/store/tasks.ts";
import { recoverDeadOwners } from "../../src/queue/recovery.ts";
import { freshDatabase, pgAvailability, sharedPostgres } from "../helpers/postgres.ts";
import { waitFor } from "../fixtures/helpers/wait.ts";

const pg = pgAvailability();
const opened: Db[] = [];
afterEach(async () => {
  for (const d of opened.splice(0)) await d.close();
});

const open = async (url: string, idleInTxTimeoutMs: number): Promise<Db> => {
  const db = await openPgDb(url, { safetyPollMs: 3_600_000, idleInTxTimeoutMs });
  opened.push(db);
  return db;
};
const task = (id: string): NewTask => ({ id, queue: "q", payload: `do ${id}`, enqueuedBy: "user", callback: false, at: 1 });
const done = { status: "done" as const, result: "ok", error: null, at: 2 };

/** A worker with an expired-soon lease that claimed both tasks of queue q; the survivor sees it dead once it expires. */
async function pausedWorkerSetup(paused: Db, survivor: Db) {
  await paused.tasks.insertTask(task("task_0"));
  await paused.tasks.insertTask(task("task_1"));
  await paused.owners.leaseOwner("own_paused", { labels: [], queues: ["q"], concurrency: 2, leaseMs: 600 });
  const claimed = await paused.tasks.claimTasks("q", 4, "own_paused", 1, 2, { leased: true });
  expect(claimed.map((t) => t.id)).toEqual(["task_0", "task_1"]);
  const expired = () => waitFor(async () => (await survivor.owners.deadOwners(["own_paused"])).has("own_paused"), { what: "the paused worker's lease expiring", timeoutMs: 10_000 });
  return { claimed, expired };
}

describe.skipIf(!pg.ok)("a worker paused inside a transaction (#15)", () => {
  test("its open transaction is ended by the server, the survivors recover its tasks, and its late finish is refused (#15)", async () => {
    const url = await freshDatabase(await sharedPostgres());
    const paused = await open(url, 300);
    const survivor = await open(url, 300);
    const { claimed, expired } = await pausedWorkerSetup(paused, survivor);
    // The paused worker finishes task_0 in a transaction and stops between its statements: its row locks (task_0,
    // and the counts row of q through the counts trigger) stay held while its process does nothing.
    let resume!: () => void;
    const frozen = new Promise<void>((r) => (resume = r));
    let attempts = 0;
    const late = paused.tx(async (t) => {
      attempts++;
      const ok = await t.tasks.finishTask("task_0", "running", done, "own_paused", claimed[0]!.fence);
      await frozen;
      return ok;
    });
    await waitFor(() => attempts > 0, { what: "the paused transaction starting" });
    await expired();
    // Without the idle limit this waits on task_0's lock until the worker resumes (here: never, so it would hit the
    // lock timeout and throw); with it, the server has ended the paused transaction and recovery goes through.
    const recovered = await recoverDeadOwners(survivor, "own_survivor", 3, { lockTimeoutMs: 5_000 });
    expect(recovered.map((f) => f.row.id).sort()).toEqual(["task_0", "task_1"]);
    expect(await survivor.tasks.queueCounts("q")).toEqual({ pending: 0, running: 0 });
    // The worker resumes: its transaction was rolled back by the server, is run again, and the fence refuses it.
    resume();
    expect(await late).toBe(false);
    expect(attempts).toBe(2);
    for (const id of ["task_0", "task_1"]) {
      expect(await survivor.tasks.getTask(id)).toMatchObject({ status: "failed", error: expect.stringMatching(/^interrupted: aegis stopped while this task ran \(worker own_paused, pid \d+ on .+: its lease expired: /) });
    }
    expect(await paused.owners.heartbeatOwner("own_paused")).toBe(false);
  });

  test("recovery gives up on a lock held past its lock timeout instead of waiting, and succeeds once it is free (#15)", async () => {
    const url = await freshDatabase(await sharedPostgres());
    const paused = await open(url, 0); // no idle limit: the lock stays held until released here
    const survivor = await open(url, 0);
    const { claimed, expired } = await pausedWorkerSetup(paused, survivor);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let locked = false;
    const holder = paused.tx(async (t) => {
      await t.tasks.finishTask("task_1", "running", done, "own_paused", claimed[1]!.fence);
      locked = true;
      await held;
      throw new Error("roll back"); // leaves task_1 running, as if the worker never finished it
    }).catch((err: Error) => err.message);
    await waitFor(() => locked, { what: "the lock being taken" });
    await expired();
    const blocked = await recoverDeadOwners(survivor, "own_survivor", 3, { lockTimeoutMs: 200 }).then(() => null, (err: { errno?: string }) => err);
    expect(blocked?.errno).toBe("55P03");
    // Nothing was half-done: both tasks are still the paused worker's.
    expect(await survivor.tasks.queueCounts("q")).toEqual({ pending: 0, running: 2 });
    release();
    expect(await holder).toBe("roll back");
    const recovered = await recoverDeadOwners(survivor, "own_survivor", 4, { lockTimeoutMs: 200 });
    expect(recovered.map((f) => f.row.id).sort()).toEqual(["task_0", "task_1"]);
  });
});
