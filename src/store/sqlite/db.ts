// The SQLite backend of the async contract `Db` (#15), over the synchronous store and today's family functions: no
// SQL of its own. A FIFO gate keeps a transaction whole: while `tx` runs, every other call waits behind it, so an
// unrelated write can never land inside a savepoint that is then rolled back. When the gate is free (nearly always)
// a call runs synchronously inside the call and returns a settled promise, so the hot paths cost what they cost
// today plus one promise. Buffered writes use the store's tick batch as before; a transaction holds that batch open
// (store.hold()) until its body ends, also across awaits.

import { AsyncLocalStorage } from "node:async_hooks";
import { EventEmitter } from "node:events";
import type { Db, DbRepos, DbTopic, Tx, TxOptions } from "../api.ts";
import * as claims from "../claims.ts";
import * as dashboard from "../dashboard.ts";
import * as events from "../events.ts";
import * as groups from "../groups.ts";
import * as inbox from "../inbox.ts";
import * as owners from "../owners.ts";
import * as runs from "../runs.ts";
import * as schedules from "../schedules.ts";
import * as sessions from "../sessions.ts";
import type { Store } from "../store.ts";
import * as taskWorktrees from "../task-worktrees.ts";
import * as tasks from "../tasks.ts";
import * as waits from "../waits.ts";
import * as worktrees from "../worktrees.ts";
import { AegisError } from "../../util/errors.ts";
import { watchWal, type WalWake } from "./wake.ts";

/** Per family: its functions module, the topic its writes touch, its writes, and which of them are buffered. */
const FAMILIES = {
  tasks: { mod: tasks, topic: "tasks", writes: ["insertTask", "claimTask", "claimTasks", "finishTask", "finishTasks", "requestCancel"] },
  taskWorktrees: { mod: taskWorktrees, topic: "tasks", writes: ["setTaskWorktree"] },
  owners: { mod: owners, topic: "workers", writes: ["registerOwner", "removeOwner", "deleteOwnerRows", "deleteDeadOwners", "leaseOwner", "heartbeatOwner"] },
  sessions: { mod: sessions, topic: "sessions", writes: ["insertSession", "updateSession", "setSessionState", "setSessionProcess", "setSessionLastText", "markSessionReady", "closeSessionRow", "closeSessionsOfOwners"] },
  events: { mod: events, topic: "sessions", writes: ["appendEvents"] },
  inbox: { mod: inbox, topic: "inbox", writes: ["insertInbox", "markDelivered"] },
  claims: { mod: claims, topic: "sessions", writes: ["tryClaim", "releaseClaim", "releaseSessionClaims"] },
  groups: { mod: groups, topic: "sessions", writes: ["insertGroup", "recordBroadcast", "recordGather", "dissolveGroupRow"] },
  runs: { mod: runs, topic: "runs", writes: ["insertRun", "restartRun", "finishRun", "markRunCrashed", "requestRunCancel", "startStep", "finishStep", "failDoneStep", "addRunUsage", "supersedeUnread", "setStepDoneSeq"] },
  waits: { mod: waits, topic: "runs", writes: ["recordTimer", "insertSignal", "consumeSignal", "parkRun", "unparkRun"] },
  schedules: { mod: schedules, topic: "schedules", writes: ["scheduleCursor", "recordFires", "adoptFire", "markFireStarted", "markFireSkipped"] },
  worktrees: { mod: worktrees, topic: "sessions", writes: ["insertWorktree", "reattachWorktreeRow", "setWorktreeState", "recordWorktreeMerge", "setRunStartBranch"] },
  dashboard: { mod: dashboard, topic: "sessions", writes: [] },
} as const satisfies Record<keyof DbRepos, { mod: object; topic: DbTopic; writes: readonly string[] }>;

/** Exported functions that do not take the store (pure helpers, migrations): not on the contract. */
const PURE = new Set(["workerSessionId", "taskWorktreeOf", "isOwnerAlive", "procStart", "hostName", "workerRow", "rowToEvent", "pathsOverlap", "intentsConflict"]);

/** A family module as the contract sees it: every `fn(store, ...args): R` as `fn(...args): Promise<R>`. */
type Adapted<M> = {
  [K in keyof M as M[K] extends (s: Store, ...a: never[]) => unknown ? K : never]: M[K] extends (s: Store, ...a: infer P) => infer R ? (...a: P) => Promise<R> : never;
};
/** Compile-time proof that each family module covers its Api (a renamed or retyped function fails tsc here). */
type Covers<A, B extends A> = B;
export type FamiliesCoverApi = [
  Covers<DbRepos["tasks"], Adapted<typeof tasks>>, Covers<DbRepos["taskWorktrees"], Adapted<typeof taskWorktrees>>,
  Covers<DbRepos["owners"], Adapted<typeof owners>>, Covers<DbRepos["sessions"], Adapted<typeof sessions>>,
  Covers<DbRepos["events"], Adapted<typeof events>>, Covers<DbRepos["inbox"], Adapted<typeof inbox>>,
  Covers<DbRepos["claims"], Adapted<typeof claims>>, Covers<DbRepos["groups"], Adapted<typeof groups>>,
  Covers<DbRepos["runs"], Adapted<typeof runs>>, Covers<DbRepos["waits"], Adapted<typeof waits>>,
  Covers<DbRepos["schedules"], Adapted<typeof schedules>>, Covers<DbRepos["worktrees"], Adapted<typeof worktrees>>,
  Covers<DbRepos["dashboard"], Adapted<typeof dashboard>>,
];

/** Writes whose acknowledgement can wait (PG-DESIGN.md §2.1): they return nothing and ride the tick's batch. */
const BUFFERED = new Set(["appendEvents", "setSessionLastText", "setSessionState", "setSessionProcess", "markSessionReady", "addRunUsage", "startStep"]);

type AnyFn = (store: Store, ...args: unknown[]) => unknown;

const TOPICS: readonly DbTopic[] = ["tasks", "inbox", "runs", "sessions", "workers", "schedules"];

/**
 * The gate, one per process (shared by every SQLite Db in it): `held` while a transaction runs, and calls arriving
 * meanwhile wait in `waiting`, in order. Shared because a transaction holds its connection's write lock across
 * awaits: a second connection of this process writing then would block the thread on that lock, which is never
 * released (two runtimes on one file in one process, tests). `token` marks the running transaction's async context.
 */
const gate: { held: boolean; waiting: (() => void)[]; token: symbol | undefined } = { held: false, waiting: [], token: undefined };
const inTx = new AsyncLocalStorage<symbol>();

export interface SqliteDbOptions {
  /** The slow safety poll behind the WAL watch; default 1 s (today's queue watch). */
  safetyPollMs?: number;
  /** Whether close() closes the store too; default true. False for a store its opener closes itself. */
  closeStore?: boolean;
}

/** A Db over an open synchronous store (the runtime's connection; closing the Db closes it). */
export function sqliteDb(store: Store, opts: SqliteDbOptions = {}): Db {
  const bus = new EventEmitter();
  bus.setMaxListeners(0);
  // This process's own writes notify at the end of the microtask, once per topic, and only topics someone listens to.
  const listening: Record<DbTopic, number> = { tasks: 0, inbox: 0, runs: 0, sessions: 0, workers: 0, schedules: 0 };
  let touched: DbTopic[] = [];
  const emitTouched = () => {
    const topics = touched;
    touched = []; // a listener's own write notifies again
    for (const t of topics) bus.emit(t, "*");
  };
  const emitSoon = (topic: DbTopic) => {
    if (listening[topic] === 0 || touched.includes(topic)) return;
    if (touched.length === 0) queueMicrotask(emitTouched);
    touched.push(topic);
  };
  // The WAL watch runs while anything subscribes: a Db nobody listens to (a CLI command) pays nothing for it.
  let wal: WalWake | undefined;
  let subscribers = 0;
  const wakeAll = () => {
    for (const t of TOPICS) bus.emit(t, "*");
  };

  /** A buffered write's failure, reported by the next call or flush (never dropped). */
  let deferredError: unknown;
  const release = () => {
    gate.held = false;
    while (!gate.held && gate.waiting.length) gate.waiting.shift()!();
  };
  const throwDeferred = () => {
    if (deferredError === undefined) return;
    const err = deferredError;
    deferredError = undefined;
    throw err;
  };
  const outside = <T>(run: () => T): Promise<T> => {
    if (gate.token !== undefined && inTx.getStore() === gate.token) {
      return Promise.reject(new AegisError("E_INTERNAL", "a store call inside db.tx() used the Db instead of the transaction handle", {
        hint: "call t.<family>.<fn>() on the handle tx() passes in",
      }));
    }
    const go = () => {
      throwDeferred();
      return run();
    };
    if (!gate.held) {
      try {
        return Promise.resolve(go());
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return new Promise<T>((resolve, reject) => gate.waiting.push(() => {
      try {
        resolve(go());
      } catch (err) {
        reject(err);
      }
    }));
  };

  const repos = (via: "db" | "tx", isOpen: () => boolean): DbRepos => {
    const out: Record<string, Record<string, unknown>> = {};
    for (const [family, f] of Object.entries(FAMILIES)) {
      const writes = new Set<string>(f.writes);
      const repo: Record<string, unknown> = {};
      for (const [name, fn] of Object.entries(f.mod)) {
        if (typeof fn !== "function" || PURE.has(name) || /Migration$/.test(name)) continue;
        const write = writes.has(name);
        // Writes ride the tick's batch; reads stay outside it, as today, so they never take the write lock.
        const call = (args: unknown[]) => {
          if (!write) return (fn as AnyFn)(store, ...args);
          wal?.writing();
          const result = store.batch(() => (fn as AnyFn)(store, ...args));
          emitSoon(f.topic);
          return result;
        };
        if (BUFFERED.has(name)) {
          repo[name] = (...args: unknown[]) => {
            if (via === "tx") return void call(args);
            if (!gate.held && gate.token === undefined) {
              // The usual case, as outside() would run it but with no promise: an earlier buffered write's failure
              // stays to be reported (and this write is not made), a failure of this one is kept for the next call.
              if (deferredError !== undefined) return;
              try {
                call(args);
              } catch (err) {
                deferredError = err;
              }
              return;
            }
            // Caught where it happens (not a microtask later), so a flush() right after the call reports it.
            void outside(() => {
              try {
                call(args);
              } catch (err) {
                deferredError ??= err;
              }
            }).catch((err: unknown) => (deferredError ??= err));
          };
        } else if (via === "tx") {
          repo[name] = (...args: unknown[]) => {
            if (!isOpen()) return Promise.reject(new AegisError("E_INTERNAL", `t.${family}.${name}() called after its transaction ended`));
            try {
              return Promise.resolve(call(args));
            } catch (err) {
              return Promise.reject(err);
            }
          };
        } else {
          repo[name] = (...args: unknown[]) => {
            if (gate.held || gate.token !== undefined) return outside(() => call(args));
            // The usual case, outside()'s free-gate path without its closures.
            try {
              throwDeferred();
              return Promise.resolve(call(args));
            } catch (err) {
              return Promise.reject(err);
            }
          };
        }
      }
      out[family] = repo;
    }
    return out as unknown as DbRepos;
  };

  const tx = async <T>(fn: (t: Tx) => Promise<T>, o: TxOptions = {}): Promise<T> => {
    if (gate.token !== undefined && inTx.getStore() === gate.token) {
      throw new AegisError("E_INTERNAL", "db.tx() called inside db.tx(): use the transaction handle");
    }
    // Take the gate, in order: a waiter takes it the moment it is released, so two transactions never overlap.
    if (gate.held) await new Promise<void>((resolve) => gate.waiting.push(() => ((gate.held = true), resolve())));
    else gate.held = true;
    const token = Symbol("tx");
    gate.token = token;
    const gen = ++txGen;
    openGen = gen;
    let unhold: (() => void) | undefined;
    try {
      throwDeferred();
      // The tick's write transaction stays open until the body ends, even if it awaits past the end of the tick.
      wal?.writing();
      unhold = store.hold();
      store.sql("SAVEPOINT db_tx").run();
      let out: T;
      try {
        out = await inTx.run(token, () => fn(new TxHandle(gen) as unknown as Tx));
      } catch (err) {
        undoSavepoint();
        throw err;
      }
      store.sql("RELEASE db_tx").run();
      unhold();
      if (o.durable) store.flush();
      return out;
    } finally {
      openGen = 0;
      gate.token = undefined;
      unhold?.();
      release();
    }
  };
  const undoSavepoint = () => {
    store.sql("ROLLBACK TO db_tx").run();
    store.sql("RELEASE db_tx").run();
  };

  // A transaction's handle: one small object per tx over family objects built once. `openGen` is the running
  // transaction's number (0: none); a handle kept past its transaction reaches the stale families, which refuse.
  let txGen = 0;
  let openGen = 0;
  const txLive = repos("tx", () => openGen !== 0) as unknown as Record<string, unknown>;
  const txStale = repos("tx", () => false) as unknown as Record<string, unknown>;
  class TxHandle {
    constructor(readonly gen: number) {}
  }
  for (const family of Object.keys(FAMILIES)) {
    Object.defineProperty(TxHandle.prototype, family, {
      get(this: TxHandle) {
        return (this.gen === openGen ? txLive : txStale)[family];
      },
    });
  }

  return {
    ...repos("db", () => true),
    backend: "sqlite",
    location: store.path,
    tx,
    flush: () => outside(() => store.flush()),
    subscribe(topic, fn) {
      let on = true;
      if (subscribers++ === 0) wal = watchWal(store, wakeAll, { safetyPollMs: opts.safetyPollMs ?? 1_000 });
      queueMicrotask(() => on && fn("*")); // live at once: the WAL watch is open before this returns
      bus.on(topic, fn);
      listening[topic]++;
      return () => {
        if (!on) return;
        on = false;
        bus.off(topic, fn);
        listening[topic]--;
        if (--subscribers === 0) {
          wal?.stop();
          wal = undefined;
        }
      };
    },
    schemaVersion: () => outside(() => store.schemaVersion()),
    async close() {
      await outside(() => undefined);
      wal?.stop();
      wal = undefined;
      bus.removeAllListeners();
      // Everything written through this Db is committed once close() resolves, also when the store stays open (#15).
      if (opts.closeStore !== false) store.close();
      else store.flush();
    },
  };
}
