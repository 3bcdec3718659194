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
