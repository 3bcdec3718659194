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
import { pgGroups, pgInbox } from "./inbox.ts";
import { pgEvents, pgSessions } from "./sessions.ts";

type Factories = { [K in keyof DbRepos]?: (sql: SQL) => DbRepos[K] };

/** The families on PostgreSQL so far; the others are added by their work packages (PG-DESIGN.md §6). */
const FACTORIES: Factories = { tasks: pgTasks, taskWorktrees: pgTaskWorktrees, owners: pgOwners, runs: pgRuns, waits: pgWaits, schedules: pgSchedules, worktrees: pgWorktrees,
  sessions: pgSessions, events: pgEvents, inbox: pgInbox, claims: pgClaims, groups: pgGroups };

const TOPICS: readonly DbTopic[] = ["tasks", "inbox", "runs", "sessions", "workers", "schedules"];

/** Writes whose acknowledgement can wait (PG-DESIGN.md §2.1): queued in order, committed by the next call or flush. */
const BUFFERED = new Set(["appendEvents", "setSessionLastText", "setSessionState", "setSessionProcess", "markSessionReady", "addRunUsage", "startStep"]);

/** SQLSTATEs after which a transaction is simply run again: serialization failure, deadlock. */
const RETRYABLE = new Set(["40001", "40P01"]);

export interface PgDbOptions {
  migrations?: readonly PgMigration[];
  /** The slow safety poll for notifications lost during a reconnect; default 5 s. */
  safetyPollMs?: number;
  pool?: number;
}

export async function openPgDb(url: string, opts: PgDbOptions = {}): Promise<Db> {
  const { sql } = await openPg(url, opts.migrations ?? PG_MIGRATIONS, opts.pool);
  const bus = new EventEmitter();
  bus.setMaxListeners(0);
  let listening: Promise<unknown> | undefined;
  const listen = () => {
    let connects = 0;
    listening ??= Promise.all(TOPICS.map((topic) => sql.listen(`aegis_${topic}`, (key) => bus.emit(topic, key), () => {
      // Every LISTEN shares one connection: after the first, onlisten means a reconnect, and a rescan.
      if (connects++ >= TOPICS.length) bus.emit(topic, "*");
    })));
    return listening;
  };
  const poll = setInterval(() => {
    for (const t of TOPICS) bus.emit(t, "*");
  }, opts.safetyPollMs ?? 5_000);
  poll.unref();

  const inTx = new AsyncLocalStorage<true>();
  /** Buffered writes, in order; every other call waits for them first (program order = commit order). */
  let pending: Promise<unknown> = Promise.resolve();
  let deferredError: unknown;
  const drain = async () => {
    await pending;
    if (deferredError !== undefined) {
      const err = deferredError;
      deferredError = undefined;
      throw err;
    }
  };

  const repos = (handle: SQL, via: "db" | "tx"): DbRepos => {
    const out: Record<string, unknown> = {};
    for (const family of ["tasks", "taskWorktrees", "owners", "sessions", "events", "inbox", "claims", "groups", "runs", "waits", "schedules", "worktrees"] as const) {
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
          if (via === "tx") return fn;
          if (BUFFERED.has(name)) {
            return (...args: unknown[]) => {
              pending = pending.then(() => fn(...args)).catch((err: unknown) => (deferredError ??= err));
            };
          }
          return async (...args: unknown[]) => {
            if (inTx.getStore()) throw new AegisError("E_INTERNAL", "a store call inside db.tx() used the Db instead of the transaction handle");
            await drain();
            return await fn(...args);
          };
        },
      });
    }
    return out as unknown as DbRepos;
  };

  const tx = async <T>(fn: (t: Tx) => Promise<T>, _o: TxOptions = {}): Promise<T> => {
    await drain();
    for (let attempt = 1; ; attempt++) {
      try {
        return await inTx.run(true, () => sql.begin(async (t) => await fn(repos(t, "tx"))) as Promise<T>);
      } catch (err) {
        const e = err as { errno?: unknown; code?: unknown };
        if (attempt < 3 && (RETRYABLE.has(String(e.errno)) || RETRYABLE.has(String(e.code)))) continue;
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
      listen().then(() => on && fn("*"), logIgnored("listening for database notifications"));
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
