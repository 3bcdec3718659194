// store.hold() (#15): a write batch held open survives the end of its tick and explicit flushes until released, so a
// transaction of the async contract can await real I/O; what it wrote is committed at the release, or undone whole.

import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Db } from "../../src/store/api.ts";
import { sqliteDb } from "../../src/store/sqlite/db.ts";
import { openStore, type Store } from "../../src/store/store.ts";
import { getTask, insertTask, type NewTask } from "../../src/store/tasks.ts";

const dirs: string[] = [];
const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function paths(): string {
  const dir = mkdtempSync(join(tmpdir(), "aegis-hold-"));
  dirs.push(dir);
  return join(dir, "state.db");
}

function open(path: string): Store {
  const s = openStore(path);
  closers.push(() => s.close());
  return s;
}

const task = (id: string): NewTask => ({ id, queue: "q", payload: id, enqueuedBy: "test", callback: false, at: 1 });
const macrotask = () => new Promise<void>((r) => setTimeout(r, 5));

test("a held batch is not committed by the end of its tick nor by flush(), only at the release (#15)", async () => {
  const path = paths();
  const store = open(path);
  const other = open(path);
  const release = store.hold();
  store.batch(() => insertTask(store, task("task_held")));
  await macrotask();
  store.flush();
  expect(getTask(other, "task_held")).toBeNull();
  release();
  expect(getTask(other, "task_held")?.status).toBe("pending"); // the flush asked for meanwhile ran at the release
  release(); // twice: harmless
  store.batch(() => insertTask(store, task("task_after")));
  store.flush();
  expect(getTask(other, "task_after")?.status).toBe("pending");
});

test("a Db transaction whose body awaits real I/O commits whole, or rolls back whole (#15)", async () => {
  const path = paths();
  const db: Db = sqliteDb(openStore(path), { safetyPollMs: 3_600_000 });
  closers.push(() => db.close());
  const other = open(path);
  await db.tx(async (t) => {
    await t.tasks.insertTask(task("task_1"));
    await macrotask(); // the tick ends: the batch must stay open
    expect(getTask(other, "task_1")).toBeNull();
    await t.tasks.insertTask(task("task_2"));
  }, { durable: true });
  expect([getTask(other, "task_1")?.status, getTask(other, "task_2")?.status]).toEqual(["pending", "pending"]);

  await expect(db.tx(async (t) => {
    await t.tasks.insertTask(task("task_3"));
    await macrotask();
    await t.tasks.insertTask(task("task_4"));
    throw new Error("abort");
  })).rejects.toThrow("abort");
  await db.flush();
  expect([await db.tasks.getTask("task_3"), await db.tasks.getTask("task_4")]).toEqual([null, null]);
  expect(await db.tasks.queueCounts("q")).toEqual({ pending: 2, running: 0 });
});

test("two connections of one process: a write on the second waits for the first's open transaction instead of deadlocking (#15)", async () => {
  const path = paths();
  const a: Db = sqliteDb(openStore(path), { safetyPollMs: 3_600_000 });
  const b: Db = sqliteDb(openStore(path), { safetyPollMs: 3_600_000 });
  closers.push(() => a.close(), () => b.close());
  let inside!: () => void;
  const started = new Promise<void>((r) => (inside = r));
  const txDone = a.tx(async (t) => {
    await t.tasks.insertTask(task("task_a1"));
    inside();
    await macrotask();
    await t.tasks.insertTask(task("task_a2"));
  });
  await started;
  const bDone = b.tasks.insertTask(task("task_b1")); // would BEGIN IMMEDIATE against a's held write lock
  await Promise.all([txDone, bDone]);
  await b.flush();
  expect((await a.tasks.listTasks({ queue: "q" })).map((t) => t.id).sort()).toEqual(["task_a1", "task_a2", "task_b1"]);
}, 20_000);

test("transactions queued behind one another run one at a time, in order (#15)", async () => {
  const db: Db = sqliteDb(openStore(paths()), { safetyPollMs: 3_600_000 });
  closers.push(() => db.close());
  const order: string[] = [];
  const run = (name: string) => db.tx(async (t) => {
    order.push(`${name} begin`);
    await t.tasks.insertTask(task(`task_${name}`));
    await macrotask();
    order.push(`${name} end`);
  });
  await Promise.all([run("x"), run("y"), run("z")]);
  expect(order).toEqual(["x begin", "x end", "y begin", "y end", "z begin", "z end"]);
});
