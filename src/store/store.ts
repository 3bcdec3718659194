// The connection to aegis's one SQLite file: opening it with the right pragmas (WAL, busy timeout, foreign keys),
// applying the embedded migrations, and the transaction helpers every table family uses. It knows no table; the
// table families (sessions.ts, events.ts, inbox.ts, tasks.ts, owners.ts) own their SQL. Nothing runs at import time.

import { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { AegisError } from "../util/errors.ts";
import { MIGRATIONS, type Migration } from "./migrations.ts";

export interface Store {
  readonly db: Database;
  /** The file path, or ":memory:". */
  readonly path: string;
  /** Runs `fn` in a write transaction (`BEGIN IMMEDIATE`); nested calls join the outer transaction. */
  write<T>(fn: () => T): T;
  /** A counter that changes whenever another connection (another aegis process) commits to this database. */
  dataVersion(): number;
  /** The schema version this database is at. */
  schemaVersion(): number;
  close(): void;
}

export interface OpenStoreOptions {
  /** The migrations to apply; default: all of aegis's. Tests pass a prefix to build an older database. */
  migrations?: readonly Migration[];
  /** How long a writer waits for another process's write lock before failing. Default 15 s. */
  busyTimeoutMs?: number;
}

/** Opens (creating if needed) the state database and brings its schema up to date. */
export function openStore(path: string, opts: OpenStoreOptions = {}): Store {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  let db: Database;
  try {
    db = new Database(path, { create: true, strict: true });
  } catch (err) {
    throw new AegisError("E_STATE", `cannot open the state database ${path}: ${(err as Error).message}`, { cause: err });
  }
  db.run(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? 15_000))}`);
  if (path !== ":memory:") db.run("PRAGMA journal_mode = WAL");
  // NORMAL in WAL mode survives a process crash (only an OS crash can lose the last commits) and is much faster.
  db.run("PRAGMA synchronous = NORMAL");
  db.run("PRAGMA foreign_keys = ON");
  const store = makeStore(db, path);
  try {
    migrate(store, opts.migrations ?? MIGRATIONS);
  } catch (err) {
    db.close();
    throw err;
  }
  return store;
}

function makeStore(db: Database, path: string): Store {
  const versionQuery = db.query<{ data_version: number }, []>("PRAGMA data_version");
  return {
    db,
    path,
    write<T>(fn: () => T): T {
      if (db.inTransaction) return fn();
      db.run("BEGIN IMMEDIATE");
      try {
        const out = fn();
        db.run("COMMIT");
        return out;
      } catch (err) {
        if (db.inTransaction) db.run("ROLLBACK");
        throw err;
      }
    },
    dataVersion: () => versionQuery.get()?.data_version ?? 0,
    schemaVersion: () => currentVersion(db),
    close: () => db.close(),
  };
}

function currentVersion(db: Database): number {
  const row = db.query<{ v: number | null }, []>("SELECT max(version) AS v FROM schema_version").get();
  return row?.v ?? 0;
}

/** Applies every migration newer than the database, all in one write transaction, so two processes never race. */
export function migrate(store: Store, migrations: readonly Migration[]): void {
  checkOrder(migrations);
  const { db } = store;
  store.write(() => {
    db.run("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
    const have = currentVersion(db);
    const known = migrations.at(-1)?.version ?? 0;
    if (have > known) {
      throw new AegisError("E_STATE", `the state database ${store.path} is at schema version ${have}, newer than this aegis knows (${known})`, {
        hint: "upgrade aegis, or point AEGIS_STATE_DIR at another folder",
        data: { path: store.path, have, known },
      });
    }
    const insert = db.query("INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)");
    for (const m of migrations) {
      if (m.version <= have) continue;
      try {
        if (typeof m.up === "string") db.run(m.up);
        else m.up(db);
      } catch (err) {
        throw new AegisError("E_STATE", `migration ${m.version} (${m.name}) failed on ${store.path}: ${(err as Error).message}`, { cause: err });
      }
      insert.run(m.version, m.name, Date.now());
    }
  });
}

function checkOrder(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new AegisError("E_INTERNAL", `migration "${m.name}" has version ${m.version}, expected ${i + 1}`);
  });
}
