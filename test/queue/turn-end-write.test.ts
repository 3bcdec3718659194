// A worker whose turn ended while the state database was locked (#15). In the fleet crash test a worker SIGSTOPped
// inside its write batch kept SQLite's write lock; another worker's agent replied meanwhile, the session's turn-end
// write (its row: state, totals, closing) failed with "database is locked" after the busy timeout, the session lost
// the turn's outcome, and the task ended `failed: the worker's turn failed` though the agent had done its work. The
// turn's outcome must stand whatever happens to the session's bookkeeping: the task ends with the agent's reply.

import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { createRuntime } from "../../src/runtime.ts";
import type { Db } from "../../src/store/api.ts";
import { sqliteDb } from "../../src/store/sqlite/db.ts";
import { openStore, type Store } from "../../src/store/store.ts";
import { tempDir } from "../fixtures/helpers/temp-dir.ts";
import { within } from "../fixtures/helpers/wait.ts";
import { testConfig } from "../session/fixtures.ts";

/**
 * The runtime's Db, except that the first `updateSession` finds the database locked by another connection (as by a
 * worker paused inside its write batch) for real: SQLite's own busy error after the store's busy timeout.
 */
function lockedAtFirstTurnEnd(store: Store, file: string): { db: Db; failures: unknown[] } {
  const db = sqliteDb(store, { closeStore: false });
  const failures: unknown[] = [];
  let armed = true;
  const sessions = new Proxy(db.sessions, {
    get(target, key, receiver) {
      const v = Reflect.get(target, key, receiver) as unknown;
      if (key !== "updateSession" || typeof v !== "function") return v;
      return async (...args: unknown[]) => {
        if (!armed) return await (v as (...a: unknown[]) => Promise<void>).apply(target, args);
        armed = false;
        store.flush(); // this connection's batch is committed, so the other one can take the lock
        const locker = new Database(file);
        locker.run("PRAGMA busy_timeout = 0");
        locker.run("BEGIN IMMEDIATE");
        try {
          return await (v as (...a: unknown[]) => Promise<void>).apply(target, args);
        } catch (err) {
          failures.push(err);
          throw err;
        } finally {
          locker.run("ROLLBACK");
          locker.close();
        }
      };
    },
  });
  return { db: new Proxy(db, { get: (target, key, receiver) => (key === "sessions" ? sessions : Reflect.get(target, key, receiver)) }), failures };
}

test("a worker whose turn-end write finds the database locked still finishes its task with the agent's reply (#15)", async () => {
  using dir = tempDir("turn-end-write");
  const file = dir.join("state.db");
  const store = openStore(file, { busyTimeoutMs: 20 });
  const { db, failures } = lockedAtFirstTurnEnd(store, file);
  const r = createRuntime({
    config: testConfig({ w: { reply: (p) => `done ${p}` } }, { q: { agent: "w", maxParallel: 1 } }, dir.path),
    store, db, cwd: dir.path, plane: false, queues: { pollMs: 0 },
  });
  try {
    await r.queues.start();
    const { taskId } = await r.queues.enqueue("q", "t1");
    const t = await within(r.queues.waitFor(taskId), 10_000, "the task's end");
    expect(failures).toHaveLength(1);
    expect(String(failures[0])).toContain("database is locked");
    expect(t).toMatchObject({ status: "done", result: "done t1", error: null });
    // The session's row is closed all the same (its closing is written again once the turn-end write failed).
    const row = store.db.query<{ closed_at: number | null; state: string }, [string]>("SELECT closed_at, state FROM sessions WHERE handle = ?").get(t.workerHandle!);
    expect(row?.closed_at).not.toBeNull();
    expect(row?.state).toBe("closed");
  } finally {
    await r.close();
    await db.close();
    store.close();
  }
});
