// The async contract over SQLite (#15): calls return today's results, a transaction is all-or-nothing even when other
// calls arrive while it runs, a Db call inside tx() is refused, buffered writes keep program order, and another
// connection's commit wakes subscribers through the WAL watch (the safety poll is off).

import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Db } from "../../src/store/api.ts";
import { sqliteDb } from "../../src/store/sqlite/db.ts";
import { openStore } from "../../src/store/store.ts";
import { getTask, insertTask, type NewTask } from "../../src/store/tasks.ts";
import { waitFor } from "../fixtures/helpers/wait.ts";

const dirs: string[] = [];
const dbs: Db[] = [];
afterEach(async () => {
  for (const d of dbs.splice(0)) await d.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function open(): { db: Db; path: string } {
  const dir = mkdtempSync(join(tmpdir(), "aegis-db-"));
  dirs.push(dir);
  const path = join(dir, "state.db");
  const db = sqliteDb(openStore(path), { safetyPollMs: 3_600_000 });
  dbs.push(db);
  return { db, path };
}

const task = (id: string): NewTask => ({ id, queue: "q", payload: `do ${id}`, enqueuedBy: "test", callback: false, at: 1 });

test("contract calls return what the synchronous functions return (#15)", async () => {
  const { db } = open();
  expect(db.backend).toBe("sqlite");
  const seq = await db.tasks.insertTask(task("task_1"));
  expect(seq).toBe(1);
  expect(await db.tasks.queueCounts("q")).toEqual({ pending: 1, running: 0 });
  const row = await db.tasks.getTask("task_1");
  expect([row?.status, row?.payload]).toEqual(["pending", "do task_1"]);
  expect(await db.schemaVersion()).toBeGreaterThanOrEqual(14);
});

test("a transaction that throws leaves nothing, and a call made while it ran is kept (#15)", async () => {
  const { db } = open();
  let started!: () => void;
  const inside = new Promise<void>((r) => (started = r));
  let proceed!: () => void;
  const goOn = new Promise<void>((r) => (proceed = r));
  const failed = db.tx(async (t) => {
    await t.tasks.insertTask(task("task_in_tx"));
    started();
    await goOn; // another caller arrives now (microtasks only: the tick's batch stays open)
    await t.tasks.claimTasks("q", 5, "own_x", 2);
    throw new Error("abort the transaction");
  });
  await inside;
  const outsideDone = db.tasks.insertTask(task("task_outside")); // waits for the gate
  proceed();
  await expect(failed).rejects.toThrow("abort the transaction");
  await outsideDone;
  expect(await db.tasks.getTask("task_in_tx")).toBeNull();
  expect((await db.tasks.getTask("task_outside"))?.status).toBe("pending");
  expect(await db.tasks.queueCounts("q")).toEqual({ pending: 1, running: 0 });
});

test("a committed durable transaction is visible to another connection at once (#15)", async () => {
  const { db, path } = open();
  const n = await db.tx(async (t) => {
    await t.tasks.insertTask(task("task_a"));
    await t.tasks.insertTask(task("task_b"));
    return (await t.tasks.claimTasks("q", 1, "own_x", 2)).length;
  }, { durable: true });
  expect(n).toBe(1);
  const other = openStore(path);
  try {
    expect([getTask(other, "task_a")?.status, getTask(other, "task_b")?.status]).toEqual(["running", "pending"]);
  } finally {
    other.close();
  }
});

test("using the Db instead of the transaction handle inside tx() is refused, not a deadlock (#15)", async () => {
  const { db } = open();
  const err = await db.tx(async () => await db.tasks.getTask("task_1")).catch((e: unknown) => e);
  expect((err as { code?: string }).code).toBe("E_INTERNAL");
  expect(await db.tasks.getTask("task_1")).toBeNull(); // the gate was released
});

test("buffered writes keep program order with the calls after them (#15)", async () => {
  const { db } = open();
  await db.sessions.insertSession({ id: "ses_1", handle: "h1", agent: "claude", provider: "claude", owner: "own_x", createdAt: 1 });
  db.events.appendEvents("ses_1", [{ turn: 1, at: 2, event: { type: "prompt", text: "hello" } as never }]);
  db.sessions.setSessionLastText("ses_1", "last words");
  const rows = await db.events.listEvents("ses_1");
  expect(rows.map((r) => r.type)).toEqual(["prompt"]);
  expect((await db.sessions.getSessionRow("ses_1"))?.last_text).toBe("last words");
});

test("another connection's commit wakes a subscriber through the WAL watch, with no polling (#15)", async () => {
  const { db, path } = open();
  await db.tasks.insertTask(task("task_first")); // the WAL exists once something was written
  await db.flush();
  let live!: () => void;
  const isLive = new Promise<void>((r) => (live = r));
  let calls = 0;
  const woken = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no wake-up within 10 s")), 10_000);
    const off = db.subscribe("tasks", (key) => {
      if (calls++ === 0) return live(); // the "subscription is live" call
      clearTimeout(timer);
      off();
      resolve(key);
    });
  });
  await isLive;
  const other = openStore(path);
  try {
    other.write(() => insertTask(other, task("task_from_elsewhere")));
    expect(await woken).toBe("*");
    expect((await db.tasks.getTask("task_from_elsewhere"))?.status).toBe("pending");
  } finally {
    other.close();
  }
});

test("a transaction handle kept past its transaction is refused, also while a later transaction runs (#15)", async () => {
  const { db } = open();
  let kept!: Parameters<Parameters<Db["tx"]>[0]>[0];
  await db.tx(async (t) => {
    kept = t;
    await t.tasks.insertTask(task("task_a"));
  });
  await expect(kept.tasks.getTask("task_a")).rejects.toThrow("t.tasks.getTask() called after its transaction ended");
  const stale = await db.tx(async (t) => {
    const err = await kept.tasks.insertTask(task("task_stale")).catch((e: unknown) => e);
    await t.tasks.insertTask(task("task_b"));
    return err;
  });
  expect((stale as { code?: string }).code).toBe("E_INTERNAL");
  expect([await db.tasks.getTask("task_stale"), (await db.tasks.getTask("task_b"))?.status]).toEqual([null, "pending"]);
});

test("a write made by a subscriber while it is notified notifies its own topic too (#15)", async () => {
  const { db } = open();
  let inboxCalls = 0;
  const offInbox = db.subscribe("inbox", () => inboxCalls++);
  let wrote = false;
  let taskCalls = 0;
  const offTasks = db.subscribe("tasks", () => {
    if (taskCalls++ === 0 || wrote) return; // the "subscription is live" call
    wrote = true;
    void db.inbox.insertInbox({ target: "h1", sender: "user", body: "hi", at: 1 });
  });
  await Promise.resolve();
  const before = inboxCalls;
  await db.tasks.insertTask(task("task_1"));
  await waitFor(() => inboxCalls > before, { timeoutMs: 3000, what: "the inbox notification of the subscriber's write" });
  offInbox();
  offTasks();
});
