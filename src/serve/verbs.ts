// The CLI verbs that a running `aegis serve` can answer: one interface per verb, with the implementation over a
// store and queue manager (used standalone, opening the state database per call, and inside the serve over its own
// runtime) and the one over the control socket. cli/ picks with verbsFor(): the socket when a serve runs, else
// standalone, so a verb's output is the same either way. It must not print.

import type { LoadedConfig } from "../config/validate.ts";
import type { CancelResult } from "../queue/cancel.ts";
import type { Enqueued, QueueManager } from "../queue/queue-manager.ts";
import { toTask, type Task } from "../queue/task.ts";
import { startRuntime, statePath, type Runtime } from "../runtime.ts";
import type { Db } from "../store/api.ts";
import { openDb } from "../store/open.ts";
import { silenceLimitMs } from "../store/owner-silence.ts";
import type { TaskStatus } from "../store/tasks.ts";
import { AegisError } from "../util/errors.ts";
import { cancelRun, listRunViews, showRun, type RunView } from "../workflow/run-status.ts";
import { connectServe, type ServeClient } from "./client.ts";
import type { ServeContext } from "./service.ts";
import { dirname } from "node:path";

export type RunDetail = Awaited<ReturnType<typeof showRun>>;
export interface TaskFilter { queue?: string; status?: TaskStatus; limit?: number }

export interface RunsVerb { listRuns(limit: number): Promise<RunView[]>; showRun(runId: string): Promise<RunDetail> }
export interface TasksVerb { listTasks(f: TaskFilter): Promise<Task[]> }
export interface EnqueueVerb { enqueue(queue: string, payload: string, key?: string): Promise<Enqueued> }
export interface CancelVerb { cancelTask(taskId: string, waitMs: number): Promise<CancelResult>; cancelRun(runId: string, waitMs: number): Promise<RunView> }
export interface DetachVerb {
  startDetached(workflow: string, args: Record<string, unknown>): Promise<string>;
  resumeDetached(runId: string): Promise<void>;
}

export type Verbs = RunsVerb & TasksVerb & EnqueueVerb & CancelVerb & DetachVerb;

/** Where the verbs' data lives: the store contract and a queue manager, for the length of one call. */
interface Host {
  /** store.leaseMs: how long another machine's process may stay silent before its runs say so (#15). */
  leaseMs: number;
  withDb<T>(fn: (db: Db) => Promise<T>): Promise<T>;
  withQueues<T>(fn: (queues: QueueManager) => T | Promise<T>): Promise<T>;
  startDetached(workflow: string, args: Record<string, unknown>): Promise<string>;
  resumeDetached(runId: string): Promise<void>;
}

function hostVerbs(h: Host, overrides: Partial<Verbs> = {}): Verbs {
  return {
    listRuns: (limit) => h.withDb((db) => listRunViews(db, limit, { leaseMs: h.leaseMs })),
    showRun: (runId) => h.withDb((db) => showRun(db, runId, { leaseMs: h.leaseMs })),
    listTasks: (f) => h.withDb(async (db) => (await db.tasks.listTasks(f)).map(toTask)),
    enqueue: (queue, payload, key) => h.withQueues(async (q) => {
      const e = await q.enqueue(queue, payload, { enqueuedBy: "user", ...(key ? { idempotencyKey: key } : {}) });
      await q.db.flush(); // durable before the id is printed
      return e;
    }),
    cancelTask: (taskId, waitMs) => h.withQueues((q) => q.cancel(taskId, { waitMs })),
    cancelRun: (runId, waitMs) => h.withDb((db) => cancelRun(db, runId, waitMs)),
    startDetached: (workflow, args) => h.startDetached(workflow, args),
    resumeDetached: (runId) => h.resumeDetached(runId),
    ...overrides,
  };
}

/** Standalone: each call opens the state database (and a runtime serving no queue, for enqueue and cancel). */
export function localVerbs(config: LoadedConfig, cwd: string): Verbs {
  return hostVerbs({
    leaseMs: silenceLimitMs(config),
    async withDb(fn) {
      const db = await openDb({ config });
      try {
        return await fn(db);
      } finally {
        await db.close();
      }
    },
    async withQueues(fn) {
      // Serves no queue: enqueueing or cancelling must never start workers here.
      const rt = await startRuntime({ config, cwd, queues: { serve: [], pollMs: 100 } });
      try {
        return await fn(rt.queues);
      } finally {
        await rt.close();
      }
    },
    startDetached: () => Promise.reject(noServe()),
    resumeDetached: () => Promise.reject(noServe()),
  });
}

function noServe(): AegisError {
  if (process.env.AEGIS_NO_SERVE === "1") {
    return new AegisError("E_USAGE", "--detach needs the running `aegis serve`, and AEGIS_NO_SERVE=1 keeps this command from using it", {
      hint: "unset AEGIS_NO_SERVE to detach into the serve, or run without --detach to run it here",
    });
  }
  return new AegisError("E_USAGE", "--detach needs a running `aegis serve` for this project on this machine (its .aegis/serve.sock), and none is running here", {
    hint: "start one (aegis serve, or under systemd) and run again, or run without --detach to run it here; a serve on another machine sharing the database does not take runs detached here",
  });
}

/** Inside a serve: over its runtime; detached runs start (and resume) in the serve. */
export function runtimeVerbs(rt: Runtime, ctx: Pick<ServeContext, "startRun" | "resumeRun">): Verbs {
  return hostVerbs({
    leaseMs: silenceLimitMs(rt.config),
    withDb: (fn) => fn(rt.db),
    withQueues: async (fn) => fn(rt.queues),
    startDetached: (workflow, args) => ctx.startRun(workflow, args),
    resumeDetached: (runId) => ctx.resumeRun(runId),
  }, {
    // A run notices `aegis cancel` by another connection's commit (SQLite's data_version), so it gets one of its own.
    cancelRun: async (runId, waitMs) => {
      const db = await openDb({ config: rt.config });
      try {
        return await cancelRun(db, runId, waitMs);
      } finally {
        await db.close();
      }
    },
  });
}

/** Through a running serve's control socket (methods in control.ts). */
export function remoteVerbs(client: ServeClient): Verbs {
  return {
    listRuns: (limit) => client.call("runs.list", { limit }),
    showRun: (runId) => client.call("runs.show", { runId }),
    listTasks: (f) => client.call("tasks.list", { ...f }),
    enqueue: (queue, payload, key) => client.call("enqueue", { queue, payload, ...(key ? { key } : {}) }),
    cancelTask: (taskId, waitMs) => client.call("cancel.task", { taskId, waitMs }),
    cancelRun: (runId, waitMs) => client.call("cancel.run", { runId, waitMs }),
    startDetached: (workflow, args) => client.call<{ runId: string }>("run.start", { workflow, args }).then((r) => r.runId),
    resumeDetached: (runId) => client.call<{ runId: string }>("run.resume", { runId }).then(() => undefined),
  };
}

/** The serve's verbs when one runs for this project (its socket answers), else the standalone ones. */
export async function verbsFor(config: LoadedConfig, cwd: string): Promise<{ verbs: Verbs; via: "serve" | "local" }> {
  if (process.env.AEGIS_NO_SERVE !== "1") {
    const client = await connectServe(dirname(statePath(config)));
    if (client) return { verbs: remoteVerbs(client), via: "serve" };
  }
  return { verbs: localVerbs(config, cwd), via: "local" };
}
