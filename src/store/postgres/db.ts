// The PostgreSQL backend of the async contract `Db` (#15): the pool, transactions (sql.begin, retried on a
// serialization failure or deadlock), buffered writes kept in program order, and change subscriptions by LISTEN/NOTIFY
// with a reconnect rescan and a slow safety poll. Each family plugs in a factory `(sql) => <Family>Api`; a family not
// on PostgreSQL yet answers with a clear E_CONFIG. It knows no table beyond what the factories bring.

import type { SQL } from "bun";
import { AsyncLocalStorage } from "node:async_hooks";
import { EventEmitter } from "node:events";
import type { Db, DbRepos, DbTopic, Tx, TxOptions } from "../api.ts";
import { AegisError } from "../../util/errors.ts";
import { logIgnored } from "../../util/log-ignored.ts";
import { openPg, redactUrl } from "./connect.ts";
import { PG_MIGRATIONS } from "./baseline.ts";
import type { PgMigration } from "./schema.ts";
import { pgTasks, pgTaskWorktrees } from "./tasks.ts";
import { pgOwners } from "./owners.ts";
import { pgRuns } from "./runs.ts";
import { pgSchedules } from "./schedules.ts";
import { pgWaits } from "./waits.ts";
import { pgWorktrees } from "./worktrees.ts";
import { pgClaims } from "./claims.ts";
import { pgDashboard } from "./dashboard.ts";
import { pgGroups, pgInbox } from "./inbox.ts";
import { insertEventBatches, pgEvents, pgSessions } from "./sessions.ts";
import type { PendingEvent } from "../events.ts";

type Factories = { [K in keyof DbRepos]?: (sql: SQL) => DbRepos[K] };

/** The families on PostgreSQL so far; the others are added by their work packages (PG-DESIGN.md §6). */
const FACTORIES: Factories = { tasks: pgTasks, taskWorktrees: pgTaskWorktrees, owners: pgOwners, runs: pgRuns, waits: pgWaits, schedules: pgSchedules, worktrees: pgWorktrees,
  sessions: pgSessions, events: pgEvents, inbox: pgInbox, claims: pgClaims, groups: pgGroups, dashboard: pgDashboard };

const TOPICS: readonly DbTopic[] = ["tasks", "inbox", "runs", "sessions", "workers", "schedules"];

/** Writes whose acknowledgement can wait (PG-DESIGN.md §2.1): queued in order, committed by the next call or flush. */
const BUFFERED = new Set(["appendEvents", "setSessionLastText", "setSessionState", "setSessionProcess", "markSessionReady", "addRunUsage", "startStep"]);

/**
 * Calls that do not wait for this process's buffered writes to commit first: a claim reads and writes only tasks,
 * owners and the queue counts, which no buffered write touches, and its tasks start only after the next flush
 * (Dispatcher.launch). Waiting would put every claim behind the transcript writes of all the workers (#15).
 */
const UNORDERED = new Set(["claimTasks"]);

/** Buffered rows that trigger a commit before the tick ends. */
const BATCH_ROWS = 1_000;

/**
 * SQLSTATEs after which a transaction is simply run again: serialization failure, deadlock, and the server ending a
 * transaction left idle too long (25P03: rolled back for certain; the pool opens a new connection).
 */
const RETRYABLE = new Set(["40001", "40P01", "25P03"]);

/** The idle-in-transaction limit when none is given: half the default worker lease (DEFAULT_LEASE_MS, config/schema.ts). */
const IDLE_IN_TX_TIMEOUT_MS = 15_000;

export interface PgDbOptions {
  migrations?: readonly PgMigration[];
  /** The slow safety poll for notifications lost during a reconnect; default 5 s. */
  safetyPollMs?: number;
  pool?: number;
  /**
   * A transaction left idle this long (its process paused, cut off or stalled) is ended by the server, which frees
   * its locks; keep it under the worker lease so a paused worker never blocks the recovery of its own tasks.
   * Default 15 s (half the default lease).
   */
  idleInTxTimeoutMs?: number;
}

export async function openPgDb(url: string, opts: PgDbOptions = {}): Promise<Db> {
  const { sql } = await openPg(url, opts.migrations ?? PG_MIGRATIONS, opts.pool, { idleInTxTimeoutMs: opts.idleInTxTimeoutMs ?? IDLE_IN_TX_TIMEOUT_MS });
  const bus = new EventEmitter();
  bus.setMaxListeners(0);
  // A channel is listened to from its first subscriber on: a worker that watches only tasks is not sent every
  // session's notifications (the server signals each listening connection, which reads and forwards them; #15).
  const listening = new Map<DbTopic, Promise<unknown>>();
  const listen = (topic: DbTopic) => {
    let live = listening.get(topic);
    if (!live) {
      let connects = 0;
      live = sql.listen(`aegis_${topic}`, (key) => bus.emit(topic, key), () => {
        // The first onlisten is this LISTEN; a later one is a reconnect, which may have lost notifications: a rescan.
        if (connects++ > 0) bus.emit(topic, "*");
      });
      listening.set(topic, live);
    }
    return live;
  };
  const poll = setInterval(() => {
    for (const t of TOPICS) bus.emit(t, "*");
  }, opts.safetyPollMs ?? 5_000);
  poll.unref();

  const inTx = new AsyncLocalStorage<{ open: boolean }>();
  // Buffered writes wait in `queue`, in program order, and are committed together once per tick (or at BATCH_ROWS):
  // consecutive transcript appends become one multi-row INSERT. Every other call drains the queue first, so
  // program order is commit order, and a process reads its own writes.
  type Buffered = { family: string; name: string; fn: (...a: unknown[]) => unknown; args: unknown[] };
  let queue: Buffered[] = [];
  let queuedRows = 0;
  let scheduled: ReturnType<typeof setImmediate> | undefined;
  let flushing: Promise<void> = Promise.resolve();
  let deferredError: unknown;
  const runBatch = async (items: Buffered[]) => {
    for (let i = 0; i < items.length;) {
      let j = i + 1;
      if (items[i]!.name === "appendEvents") while (j < items.length && items[j]!.name === "appendEvents") j++;
      const run = items.slice(i, j);
      i = j;
      try {
        if (run.length > 1) await insertEventBatches(sql, run.map((x) => x.args as [string, PendingEvent[]]));
        else await run[0]!.fn(...run[0]!.args);
        continue;
      } catch (err) {
        if (run.length === 1) {
          deferredError ??= err; // reported by the next call or flush; the writes after it still run, in order
          continue;
        }
      }
      // A merged insert failed: each call on its own, so only the failing ones are lost (and reported).
      for (const x of run) await Promise.resolve(x.fn(...x.args)).catch((err: unknown) => void (deferredError ??= err));
    }
  };
  const kick = () => {
    if (scheduled) clearImmediate(scheduled);
    scheduled = undefined;
    if (queue.length === 0) return;
    const items = queue;
    queue = [];
    queuedRows = 0;
    flushing = flushing.then(() => runBatch(items));
  };
  const enqueue = (item: Buffered) => {
    queue.push(item);
    queuedRows += item.name === "appendEvents" ? (item.args[1] as unknown[]).length : 1;
    if (queuedRows >= BATCH_ROWS) kick();
    else scheduled ??= setImmediate(kick);
  };
  const drain = async () => {
    kick();
    await flushing;
    if (deferredError !== undefined) {
      const err = deferredError;
      deferredError = undefined;
      throw err;
    }
  };

  /** `tx`: the buffered writes made on the transaction handle, awaited before it commits. */
  const repos = (handle: SQL, via: "db" | "tx", txWrites?: Promise<void>[], txError?: { err?: unknown }): DbRepos => {
    const out: Record<string, unknown> = {};
    for (const family of ["tasks", "taskWorktrees", "owners", "sessions", "events", "inbox", "claims", "groups", "runs", "waits", "schedules", "worktrees", "dashboard"] as const) {
      const make = FACTORIES[family];
      const inner = make ? (make(handle) as unknown as Record<string, (...a: unknown[]) => unknown>) : undefined;
      out[family] = new Proxy({}, {
        get(_t, name: string) {
          if (!inner) {
            return () => Promise.reject(new AegisError("E_CONFIG", `the ${family} state is not on PostgreSQL yet in this aegis`, {
              hint: "leave store.url and AEGIS_DATABASE_URL unset to use the SQLite state database",
            }));
          }
          const fn = inner[name];
          if (typeof fn !== "function") return undefined;
          if (via === "tx") {
            if (!BUFFERED.has(name)) return fn;
            return (...args: unknown[]) => {
              txWrites!.push(Promise.resolve(fn(...args)).then(() => undefined, (err: unknown) => void (txError!.err ??= err)));
            };
          }
          if (BUFFERED.has(name)) return (...args: unknown[]) => enqueue({ family, name, fn, args });
          return async (...args: unknown[]) => {
            if (inTx.getStore()?.open) throw new AegisError("E_INTERNAL", "a store call inside db.tx() used the Db instead of the transaction handle");
            if (!UNORDERED.has(name)) await drain();
            return await fn(...args);
          };
        },
      });
    }
    return out as unknown as DbRepos;
  };

  const tx = async <T>(fn: (t: Tx) => Promise<T>, o: TxOptions = {}): Promise<T> => {
    if (inTx.getStore()?.open) throw new AegisError("E_INTERNAL", "db.tx() called inside db.tx(): use the transaction handle");
    await drain();
    for (let attempt = 1; ; attempt++) {
      // The mark lives as long as the body: work the body leaves running may use the Db once the transaction ended.
      const mark = { open: true };
      let body: Promise<T> | undefined;
      try {
        return await inTx.run(mark, () => sql.begin((t) => (body = (async () => {
          const writes: Promise<void>[] = [];
          const failed: { err?: unknown } = {};
          let out: T;
          try {
            if (o.lockTimeoutMs !== undefined) await t`SELECT set_config('lock_timeout', ${`${Math.max(1, Math.ceil(o.lockTimeoutMs))}ms`}, true)`;
            out = await fn(repos(t, "tx", writes, failed));
          } finally {
            await Promise.all(writes); // no statement of this transaction may run after it ends
          }
          if (failed.err !== undefined) throw failed.err;
          return out;
        })())) as Promise<T>).finally(() => (mark.open = false));
      } catch (err) {
        mark.open = false;
        const e = err as { errno?: unknown; code?: unknown };
        if (attempt < 3 && (RETRYABLE.has(String(e.errno)) || RETRYABLE.has(String(e.code)))) {
          // A transaction the server ended (25P03) fails at once, while its body may still be running (it was
          // awaiting something else): the next attempt starts only after it, so two copies never run together.
          // Its own error (a statement on the ended connection) is that of the attempt being retried.
          await body?.then(() => undefined, logIgnored("the body of a transaction the server ended (it is run again)"));
          continue;
        }
        throw err;
      }
    }
  };

  return {
    ...repos(sql, "db"),
    backend: "postgres",
    location: redactUrl(url),
    tx,
    flush: drain,
    subscribe(topic, fn) {
      // A failed LISTEN only slows wake-ups down to the safety poll, which keeps running.
      let on = true;
      listen(topic).then(() => on && fn("*"), logIgnored("listening for database notifications"));
      bus.on(topic, fn);
      return () => {
        on = false;
        bus.off(topic, fn);
      };
    },
    async schemaVersion() {
      const [r] = await sql`SELECT coalesce(max(version), 0)::int4 AS v FROM schema_version`;
      return Number(r.v);
    },
    async close() {
      await drain().catch(logIgnored("a buffered write failing at close (it was reported to no caller)"));
      clearInterval(poll);
      bus.removeAllListeners();
      await sql.close();
    },
  };
}
