// The store (#10, #15). The SQLite-only parts test the synchronous Store underneath the SQLite backend (file pragmas,
// migrations, write batches); the table families run on both backends through the async contract (describeDb).

import { describe, expect, test } from "bun:test";
import { MIGRATIONS, type Migration } from "../../src/store/migrations.ts";
import { isOwnerAlive, procStart } from "../../src/store/owners.ts";
import { findSessionByHandle } from "../../src/store/sessions.ts";
import { openStore } from "../../src/store/store.ts";
import { getTask, insertTask } from "../../src/store/tasks.ts";
import { tempDir } from "../fixtures/helpers/temp-dir.ts";
import { describeDb } from "../helpers/backends.ts";

const tables = (s: ReturnType<typeof openStore>) =>
  s.db.query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all().map((r) => r.name);

describe("openStore (the SQLite file: pragmas, migrations)", () => {
  test("a fresh database gets WAL, foreign keys, a busy timeout and every migration", () => {
    using dir = tempDir("store");
    const s = openStore(dir.join("nested", "state.db"));
    expect(s.db.query<{ journal_mode: string }, []>("PRAGMA journal_mode").get()?.journal_mode).toBe("wal");
    expect(s.db.query<{ foreign_keys: number }, []>("PRAGMA foreign_keys").get()?.foreign_keys).toBe(1);
    expect(s.db.query<{ timeout: number }, []>("PRAGMA busy_timeout").get()?.timeout).toBe(15000);
    expect(s.schemaVersion()).toBe(MIGRATIONS.length);
    expect(tables(s)).toEqual(["agent_groups", "claims", "events", "inbox", "owners", "queue_counts", "run_parks", "runs", "schedule_cursors", "schedule_fires", "schema_version", "sessions", "signals", "steps", "tasks", "timers", "worktrees"]);
    s.close();
  });

  test("an older database is brought up to date, keeping its rows; reopening applies nothing twice", () => {
    using dir = tempDir("store");
    const path = dir.join("state.db");
    const old = openStore(path, { migrations: MIGRATIONS.slice(0, 2) });
    expect(old.schemaVersion()).toBe(2);
    expect(tables(old)).not.toContain("tasks");
    // A row as version 2 wrote it (today's insertSession writes columns later versions add).
    old.db.run("INSERT INTO sessions (id, handle, agent, provider, state, created_at) VALUES ('ses_1', 'brisk-curie', 'demo', 'scripted', 'starting', 1)");
    old.close();
    const now = openStore(path);
    expect(now.schemaVersion()).toBe(MIGRATIONS.length);
    expect(findSessionByHandle(now, "brisk-curie")?.id).toBe("ses_1");
    expect(now.db.query<{ n: number }, []>("SELECT count(*) AS n FROM schema_version").get()?.n).toBe(MIGRATIONS.length);
    now.close();
    const again = openStore(path);
    expect(again.db.query<{ n: number }, []>("SELECT count(*) AS n FROM schema_version").get()?.n).toBe(MIGRATIONS.length);
    again.close();
  });

  test("a database newer than this aegis is refused with E_STATE", () => {
    using dir = tempDir("store");
    const path = dir.join("state.db");
    const extra: Migration = { version: MIGRATIONS.length + 1, name: "future", up: "CREATE TABLE future (x)" };
    openStore(path, { migrations: [...MIGRATIONS, extra] }).close();
    expect(() => openStore(path)).toThrow(expect.objectContaining({ code: "E_STATE", message: expect.stringContaining("newer") }));
  });

  test("a failing migration rolls back entirely: the database stays at its previous version", () => {
    using dir = tempDir("store");
    const path = dir.join("state.db");
    openStore(path, { migrations: MIGRATIONS.slice(0, 1) }).close();
    const broken: Migration = { version: 2, name: "broken", up: "CREATE TABLE half (x); CREATE TABLE oops (" };
    expect(() => openStore(path, { migrations: [MIGRATIONS[0]!, broken] })).toThrow(expect.objectContaining({ code: "E_STATE" }));
    const s = openStore(path, { migrations: MIGRATIONS.slice(0, 1) });
    expect(s.schemaVersion()).toBe(1);
    expect(tables(s)).not.toContain("half");
    s.close();
  });

  test("migrations must be numbered 1, 2, 3, … in order", () => {
    expect(() => openStore(":memory:", { migrations: [MIGRATIONS[1]!] })).toThrow(expect.objectContaining({ code: "E_INTERNAL" }));
  });

  test("write() rolls back on error and joins an outer transaction", () => {
    const s = openStore(":memory:");
    expect(() => s.write(() => {
      insertTask(s, { id: "task_a", queue: "q", payload: "p", enqueuedBy: "user", callback: false, at: 1 });
      s.write(() => insertTask(s, { id: "task_b", queue: "q", payload: "p", enqueuedBy: "user", callback: false, at: 1 }));
      throw new Error("no");
    })).toThrow("no");
    expect(getTask(s, "task_a")).toBeNull();
    expect(getTask(s, "task_b")).toBeNull();
  });

  test("dataVersion changes when another connection commits, not for our own writes", () => {
    using dir = tempDir("store");
    const a = openStore(dir.join("state.db"));
    const b = openStore(dir.join("state.db"));
    const v0 = a.dataVersion();
    a.write(() => insertTask(a, { id: "task_a", queue: "q", payload: "p", enqueuedBy: "user", callback: false, at: 1 }));
    expect(a.dataVersion()).toBe(v0);
    b.write(() => insertTask(b, { id: "task_b", queue: "q", payload: "p", enqueuedBy: "user", callback: false, at: 1 }));
    expect(a.dataVersion()).not.toBe(v0);
    a.close();
    b.close();
  });
});

describe("write batches of the SQLite Store (group commit)", () => {
  const add = (s: ReturnType<typeof openStore>, id: string) => insertTask(s, { id, queue: "q", payload: "p", enqueuedBy: "user", callback: false, at: 1 });

  test("batched writes are committed together at the end of the tick; write() commits at once, with them", async () => {
    using dir = tempDir("store");
    const a = openStore(dir.join("state.db"));
    const b = openStore(dir.join("state.db"));
    a.batch(() => add(a, "task_1"));
    a.batch(() => add(a, "task_2"));
    expect(getTask(a, "task_1")).not.toBeNull(); // our own connection sees them at once
    expect(getTask(b, "task_1")).toBeNull(); // another connection only after the commit
    await new Promise((r) => setImmediate(r));
    expect(getTask(b, "task_2")).not.toBeNull();
    a.batch(() => add(a, "task_3"));
    a.write(() => add(a, "task_4"));
    expect([getTask(b, "task_3"), getTask(b, "task_4")].every((t) => t !== null)).toBe(true);
    a.close();
    b.close();
  });

  test("a throwing batch callback undoes only its own writes; flush inside a callback waits for the outermost", () => {
    const s = openStore(":memory:");
    s.batch(() => add(s, "task_kept"));
    expect(() => s.batch(() => {
      add(s, "task_gone");
      throw new Error("boom");
    })).toThrow("boom");
    expect(getTask(s, "task_kept")).not.toBeNull();
    expect(getTask(s, "task_gone")).toBeNull();
    s.batch(() => {
      add(s, "task_a");
      s.flush(); // deferred: committing here would split this callback
      add(s, "task_b");
      expect(s.db.inTransaction).toBe(true);
    });
    expect(s.db.inTransaction).toBe(false);
    expect(getTask(s, "task_b")).not.toBeNull();
  });

  test("a second connection of this process never waits on a batch this process holds open", () => {
    using dir = tempDir("store");
    const a = openStore(dir.join("state.db"), { busyTimeoutMs: 100 });
    const b = openStore(dir.join("state.db"), { busyTimeoutMs: 100 });
    a.batch(() => add(a, "task_a"));
    b.batch(() => add(b, "task_b")); // commits a's batch first instead of timing out on its lock
    b.flush();
    expect(getTask(a, "task_b")).not.toBeNull();
    a.close();
    b.close();
  });
});

// The table families through the async contract, on both backends (#15).
describeDb("table families", (b) => {
  test("a live handle is unique; once closed it may be taken again", async () => {
    const { db } = await b.open();
    const row = { agent: "demo", provider: "scripted", createdAt: 1 };
    expect(await db.sessions.insertSession({ ...row, id: "ses_1", handle: "brisk-curie" })).toBe(true);
    expect(await db.sessions.insertSession({ ...row, id: "ses_2", handle: "brisk-curie" })).toBe(false);
    await db.sessions.closeSessionRow("ses_1", 2);
    expect(await db.sessions.insertSession({ ...row, id: "ses_3", handle: "brisk-curie" })).toBe(true);
    expect((await db.sessions.findSessionByHandle("brisk-curie"))?.id).toBe("ses_3");
  });

  test("claims respect maxParallel and FIFO; a finished task cannot be finished again", async () => {
    const { db } = await b.open();
    for (let i = 0; i < 5; i++) await db.tasks.insertTask({ id: `task_${i}`, queue: "q", payload: `p${i}`, enqueuedBy: "user", callback: false, at: i });
    const first = await db.tx((t) => t.tasks.claimTasks("q", 2, "own_a", 10));
    expect(first.map((t) => t.id)).toEqual(["task_0", "task_1"]);
    expect(await db.tx((t) => t.tasks.claimTasks("q", 2, "own_b", 11))).toEqual([]);
    const done = { status: "done" as const, result: "r", error: null, at: 12 };
    expect(await db.tasks.finishTask("task_0", "running", done, "own_b")).toBe(false); // not its owner
    expect(await db.tasks.finishTask("task_0", "running", done, "own_a")).toBe(true);
    expect(await db.tasks.finishTask("task_0", "running", done, "own_a")).toBe(false);
    expect((await db.tx((t) => t.tasks.claimTasks("q", 2, "own_b", 13))).map((t) => t.id)).toEqual(["task_2"]);
    expect(await db.tasks.queueCounts("q")).toEqual({ pending: 2, running: 2 });
  });

  test("owners: this process is alive, a dead pid or a reused pid is not, an unregistered owner is dead", async () => {
    const { db, location } = await b.open();
    const me = await db.owners.registerOwner();
    const gonePid = Bun.spawnSync(["true"]).pid;
    await rawSql(b.name, location, [
      `INSERT INTO owners (id, pid, host, proc_start, started_at) VALUES ('own_dead', ${gonePid}, (SELECT host FROM owners LIMIT 1), NULL, 0)`,
      "INSERT INTO owners (id, pid, host, proc_start, started_at) VALUES ('own_reused', 1, (SELECT host FROM owners LIMIT 1), 'not-the-start', 0)",
    ]);
    const dead = await db.owners.deadOwners(["own_gone"]);
    expect([...dead].sort()).toEqual(["own_dead", "own_gone", ...(procStart(1) !== undefined ? ["own_reused"] : [])].sort());
    expect(dead.has(me)).toBe(false);
    expect(isOwnerAlive({ id: "x", pid: process.pid, host: "elsewhere.example", proc_start: null, started_at: 0 })).toBe(true);
    await db.owners.removeOwner(me);
    expect((await db.owners.deadOwners([me])).has(me)).toBe(true);
  });
});

/** Rows no contract call writes (an owner whose process is gone), written the way another process would have. */
async function rawSql(backend: "sqlite" | "postgres", location: string, statements: string[]): Promise<void> {
  if (backend === "sqlite") {
    const s = openStore(location);
    try {
      for (const q of statements) s.db.run(q);
    } finally {
      s.close();
    }
    return;
  }
  const sql = new Bun.SQL({ url: location, max: 1 });
  try {
    for (const q of statements) await sql.unsafe(q);
  } finally {
    await sql.close();
  }
}
