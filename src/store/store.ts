// The connection to aegis's one SQLite file: opening it with the right pragmas (WAL, busy timeout, foreign keys),
// applying the embedded migrations, and the transaction helpers every table family uses. It knows no table; the
// table families (sessions.ts, events.ts, inbox.ts, tasks.ts, owners.ts) own their SQL. Nothing runs at import time.

import { Database, type SQLQueryBindings, type Statement } from "bun:sqlite";
import { dirname } from "node:path";
import { AegisError, errorMessage } from "../util/errors.ts";
import { checkSameFile, fileIdentity, type FileIdentity } from "./file-identity.ts";
import { MIGRATIONS, type Migration } from "./migrations.ts";
import { ensureStateDir } from "./state-dir.ts";
import { ignoreError } from "../util/log-ignored.ts";

export interface Store {
  readonly db: Database;
  /** The file path, or ":memory:". */
  readonly path: string;
  /** A prepared statement for `text`, compiled once per connection and reused (cheaper than db.query's lookup). */
  sql<R = unknown, P extends SQLQueryBindings[] = SQLQueryBindings[]>(text: string): Statement<R, P>;
  /**
   * Runs `fn` inside this tick's write batch: one `BEGIN IMMEDIATE` transaction shared by every write of the current
   * event-loop turn and committed when the turn ends (setImmediate), so a burst of small writes costs one commit.
   * `fn` runs in a savepoint: if it throws, only its own changes are undone. A crash loses at most the uncommitted
   * batch, as a whole: the database always holds a prefix of history. Use for writes whose acknowledgement can wait.
   */
  batch<T>(fn: () => T): T;
  /** Like batch(), then commits at once: when it returns, this write and everything batched before it are durable. */
  write<T>(fn: () => T): T;
  /** Commits the open batch now, if there is one (called inside a batch callback: when the outermost returns). */
  flush(): void;
  /**
   * Opens this tick's batch (if none is open) and keeps it open until the returned release is called, across awaits:
   * neither the end of the tick nor a flush() commits it meanwhile (a flush() asked for is done at the release). For
   * a transaction whose body awaits (the async contract's tx on SQLite). Releasing twice is harmless.
   */
  hold(): () => void;
  /** A counter that changes whenever another connection (another aegis process) commits to this database. */
  dataVersion(): number;
  /** Throws E_STATE if the path no longer names the file opened (deleted or replaced); one stat. */
  checkFile(): void;
  /** The schema version this database is at. */
  schemaVersion(): number;
  /** Commits the open batch and closes the connection. */
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
  if (path !== ":memory:") ensureStateDir(dirname(path));
  let db: Database;
  try {
    db = new Database(path, { create: true, strict: true });
  } catch (err) {
    throw new AegisError("E_STATE", `cannot open the state database ${path}: ${errorMessage(err)}`, { cause: err });
  }
  try {
    configure(db, path, opts);
    const store = makeStore(db, path, fileIdentity(path));
    migrate(store, opts.migrations ?? MIGRATIONS);
    return store;
  } catch (err) {
    // Not store.close(): its commit could fail again on a broken file and hide this error. An open transaction (a
    // failed migration's) is rolled back by the close; bun's close() does not throw (sqlite3_close_v2).
    db.close();
    throw unusableStateError(err, path) ?? err;
  }
}

function configure(db: Database, path: string, opts: OpenStoreOptions): void {
  db.run(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? 15_000))}`);
  if (path !== ":memory:") db.run("PRAGMA journal_mode = WAL");
  // NORMAL in WAL mode survives a process crash (only an OS crash can lose the last commits) and is much faster.
  db.run("PRAGMA synchronous = NORMAL");
  db.run("PRAGMA foreign_keys = ON");
  // Savepoint journals (every batched call runs in a savepoint) stay in memory: on disk, one that outgrows 64 KiB
  // (a call appending a turn's transcript that splits a few index pages) became a new temp file per commit, ~25 %
  // of the transcript path's CPU (bench/session-events.ts). aegis's temp data is small: no statement sorts a big table.
  db.run("PRAGMA temp_store = MEMORY");
  // Checkpoint the WAL every 8192 pages (32 MiB) instead of 1000: a checkpoint copies pages into the database and
  // syncs, and fewer, larger ones copy a hot page once instead of many times. The file is trimmed back after each.
  db.run("PRAGMA wal_autocheckpoint = 8192");
  db.run(`PRAGMA journal_size_limit = ${64 * 1024 * 1024}`);
}

/**
 * The E_STATE error for a file SQLite cannot use as a database (not a database, malformed pages), naming the file and
 * how to start fresh; undefined if `err` (or its cause) is any other error. Exported for callers that meet
 * corruption after the open, in pages the open did not read.
 */
export function unusableStateError(err: unknown, path: string): AegisError | undefined {
  for (let e = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = String((e as { code?: unknown }).code ?? "");
    if (!code.startsWith("SQLITE_NOTADB") && !code.startsWith("SQLITE_CORRUPT")) continue;
    return new AegisError("E_STATE", `${path} is not a usable aegis state database (${errorMessage(e)})`, {
      data: { path, sqlite: code },
      hint: `move it aside to start fresh: mv ${shellQuote(path)} ${shellQuote(`${path}.broken`)}`,
      cause: err,
    });
  }
  return undefined;
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`;
}

/** The longest a write batch stays open before it is committed. */
const MAX_BATCH_MS = 50;

/** Stores of this process with an open batch: a second connection must not wait on a lock this thread holds. */
const openBatches = new Set<{ flush(): void }>();
let exitHook = false;

/** Commits every open batch; runs on process exit so that an exit before the tick ends loses nothing. */
function flushAll(): void {
  for (const b of [...openBatches]) {
    try {
      b.flush();
    } catch (err) {
      // At exit there is nobody left to tell; a failed commit leaves the database at its previous commit.
      ignoreError("committing a write batch at exit", err);
    }
  }
}

let suspending = false;

/**
 * Stops this process (`stop`, default SIGSTOP to itself) at the first moment none of its write batches is open: each
 * open one is committed, and one held across awaits (a transaction) is waited for. A process stopped inside a batch
 * keeps SQLite's write lock, so every other process's writes would wait until it resumes (#15): `aegis work` calls
 * this on Ctrl-Z (SIGTSTP) instead of stopping wherever it is. Only `kill -STOP` can still catch it mid-batch.
 */
export function suspendOutsideBatches(stop: () => void = () => process.kill(process.pid, "SIGSTOP")): void {
  if (suspending) return;
  suspending = true;
  const attempt = () => {
    // A batch whose transaction is held commits when it is released (flushWanted), then the next attempt stops.
    for (const b of [...openBatches]) {
      try {
        b.flush();
      } catch (err) {
        // Rolled back (the database keeps its previous commit); reported at debug level, as a failed commit at exit is.
        ignoreError("committing a write batch before this process stops (Ctrl-Z)", err);
      }
    }
    if (openBatches.size > 0) return void setTimeout(attempt, 1);
    suspending = false;
    stop();
  };
  attempt();
}

function makeStore(db: Database, path: string, opened: FileIdentity | undefined): Store {
  const versionQuery = db.prepare<{ data_version: number }, []>("PRAGMA data_version");
  const statements = new Map<string, Statement>();
  const savepoint = db.prepare("SAVEPOINT w");
  const release = db.prepare("RELEASE w");
  const rollbackTo = db.prepare("ROLLBACK TO w");
  let open = false;
  let openedAt = 0;
  /** How many batch() callbacks are running (nested); write() commits only at the outermost one. */
  let depth = 0;
  let scheduled = false;

  /** Set when flush() is asked for inside a batch callback: the commit happens when the outermost one returns. */
  let flushWanted = false;
  const flush = () => {
    if (!open) return;
    if (depth > 0) {
      flushWanted = true; // committing now would cut a running callback's savepoint in half
      return;
    }
    flushWanted = false;
    open = false;
    openBatches.delete(self);
    try {
      db.run("COMMIT");
    } catch (err) {
      if (db.inTransaction) db.run("ROLLBACK");
      throw new AegisError("E_STATE", `cannot commit to the state database ${path}: ${errorMessage(err)}`, { cause: err });
    }
  };
  const begin = () => {
    // A batch is committed at the end of the tick, or sooner once it is older than MAX_BATCH_MS: a long run of
    // microtask-only work (an in-process agent) must not hold the write lock, or the uncommitted work, for long.
    if (open && depth === 0 && performance.now() - openedAt > MAX_BATCH_MS) flush();
    if (open) return;
    // Another connection of this process holding the write lock would make us wait on ourselves: commit it first.
    for (const other of openBatches) other.flush();
    db.run("BEGIN IMMEDIATE");
    open = true;
    openedAt = performance.now();
    openBatches.add(self);
    if (!exitHook) {
      exitHook = true;
      process.on("exit", flushAll);
    }
    if (!scheduled) {
      scheduled = true;
      setImmediate(() => {
        scheduled = false;
        flush();
      });
    }
  };
  const batch = <T>(fn: () => T): T => {
    begin();
    depth++;
    savepoint.run();
    try {
      const out = fn();
      release.run();
      return out;
    } catch (err) {
      rollbackTo.run();
      release.run();
      throw err;
    } finally {
      depth--;
      if (depth === 0 && flushWanted) flush();
    }
  };
  const self: Store = {
    db,
    path,
    sql<R, P extends SQLQueryBindings[]>(text: string): Statement<R, P> {
      let st = statements.get(text);
      if (!st) statements.set(text, (st = db.prepare(text)));
      return st as unknown as Statement<R, P>;
    },
    batch,
    hold() {
      begin();
      depth++;
      let held = true;
      return () => {
        if (!held) return;
        held = false;
        depth--;
        if (depth === 0 && flushWanted) flush();
      };
    },
    write<T>(fn: () => T): T {
      try {
        return batch(fn);
      } finally {
        // Commits even when fn threw: its own changes were rolled back, the batch's earlier writes stand.
        if (depth === 0) flush();
      }
    },
    flush,
    dataVersion: () => versionQuery.get()?.data_version ?? 0,
    checkFile: () => checkSameFile(path, opened),
    schemaVersion: () => currentVersion(db),
    close: () => {
      flush();
      for (const st of statements.values()) st.finalize();
      statements.clear();
      db.close();
    },
  };
  return self;
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
        throw new AegisError("E_STATE", `migration ${m.version} (${m.name}) failed on ${store.path}: ${errorMessage(err)}`, { cause: err });
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
