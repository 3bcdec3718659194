// A session whose store refuses a write around a turn (#15): the database locked past the busy timeout (a worker
// paused inside its SQLite write batch holds the lock) must not cost the turn's outcome nor leave a sender waiting.

import { expect, test } from "bun:test";
import type { Db } from "../../src/store/api.ts";
import { sqliteDb } from "../../src/store/sqlite/db.ts";
import { within } from "../fixtures/helpers/wait.ts";
import { manager, memoryStore, testConfig } from "./fixtures.ts";

const LOCKED = () => Object.assign(new Error("database is locked"), { code: "SQLITE_BUSY" });

/** `db` with `fail(key)` deciding, per call of the Db's own method or a sessions method, whether it throws instead. */
function failing(db: Db, fail: (key: string) => boolean): Db {
  const sessions = new Proxy(db.sessions, {
    get(target, key, receiver) {
      const v = Reflect.get(target, key, receiver) as unknown;
      if (typeof v !== "function") return v;
      return (...args: unknown[]) => (fail(`sessions.${String(key)}`) ? Promise.reject(LOCKED()) : (v as (...a: unknown[]) => unknown).apply(target, args));
    },
  });
  return new Proxy(db, {
    get(target, key, receiver) {
      if (key === "sessions") return sessions;
      const v = Reflect.get(target, key, receiver) as unknown;
      if (key !== "flush" || typeof v !== "function") return v;
      return () => (fail("flush") ? Promise.reject(LOCKED()) : (v as () => Promise<void>).apply(target));
    },
  });
}

test("a turn whose turn-end write is refused still gives its sender the reply, and the next turn's end is written (#15)", async () => {
  const store = memoryStore();
  let refuse = 0;
  const db = failing(sqliteDb(store, { closeStore: false }), (k) => k === "sessions.updateSession" && refuse-- > 0);
  const m = manager(testConfig({ w: { reply: (p) => `re: ${p}` } }), { store, db });
  const s = await m.spawn("w");
  refuse = 1;
  expect(await within(m.send(s.handle, "one", "user"), 5_000, "the first reply")).toBe("re: one");
  expect(s.state).toBe("ready");
  expect(await within(m.send(s.handle, "two", "user"), 5_000, "the second reply")).toBe("re: two");
  const row = store.db.query<{ state: string; turns: number }, [string]>("SELECT state, turns FROM sessions WHERE id = ?").get(s.id);
  expect(row).toEqual({ state: "ready", turns: 2 });
  await m.closeAll();
});

test("a turn whose inbox rows cannot be committed fails with that error instead of leaving its sender waiting (#15)", async () => {
  const store = memoryStore();
  let refuse = 0;
  const db = failing(sqliteDb(store, { closeStore: false }), (k) => k === "flush" && refuse-- > 0);
  const m = manager(testConfig({ w: { reply: (p) => `re: ${p}` } }), { store, db });
  const s = await m.spawn("w");
  refuse = 1;
  const err = await within(m.send(s.handle, "one", "user").then(() => null, (e: unknown) => e as Error), 5_000, "the first turn's end");
  expect(err?.message).toContain("the turn could not run: database is locked");
  expect(s.last).toMatchObject({ ok: false, error: "the turn could not run: database is locked" });
  // The session goes on: the next message is a turn like any other.
  expect(await within(m.send(s.handle, "two", "user"), 5_000, "the second reply")).toBe("re: two");
  await m.closeAll();
});
