// Cancelling a task wherever it is: a pending task is dropped; a task running here has its worker's process tree
// stopped; a task running in another live aegis process (on any machine) is flagged for that process to stop (it
// hears the change) and awaited; a task left running by a dead process is finished directly. The task records the
// worker's last message and a callback producer is told. Every transition is guarded, so a cancel racing a
// completion is safe.

import type { Db } from "../store/api.ts";
import { TERMINAL, type TaskStatus } from "../store/tasks.ts";
import { AegisError, errorCode } from "../util/errors.ts";
import type { Dispatcher } from "./dispatcher.ts";
import { finalizeTask, type Finished } from "./finalize.ts";
import { CANCELLED, type Task } from "./task.ts";

export interface CancelResult {
  taskId: string;
  /** The task's status after the cancel: `cancelled`, or the terminal state it had already reached. */
  status: TaskStatus;
  /** What the task was when the cancel arrived. */
  was: "pending" | "running" | "terminal";
  /** Set when another process runs the task and had not stopped it within the wait: the request stays flagged. */
  requested?: boolean;
}

export interface CancelContext {
  db: Db;
  dispatcher: Dispatcher;
  owner: () => string;
  now: () => number;
  finished: (f: Finished) => void;
  waitFor: (taskId: string, timeoutMs: number) => Promise<Task>;
}

export async function cancelTask(ctx: CancelContext, taskId: string, waitMs: number): Promise<CancelResult> {
  const { db } = ctx;
  // A few rounds at most: each retry means another transition won a race (claimed, finished) and we look again.
  for (let round = 0; round < 5; round++) {
    const row = await db.tasks.getTask(taskId);
    if (!row) throw new AegisError("E_NOT_FOUND", `no task ${taskId}`, { data: { taskId } });
    if (TERMINAL.has(row.status)) return { taskId, status: row.status, was: round === 0 ? "terminal" : "running" };
    if (row.status === "pending") {
      const f = await finalizeTask(db, row, { from: "pending" }, { status: "cancelled", result: null, error: CANCELLED, at: ctx.now() }, true);
      if (f) {
        ctx.finished(f);
        return { taskId, status: "cancelled", was: "pending" };
      }
      continue;
    }
    if (row.owner === ctx.owner()) {
      if (await ctx.dispatcher.cancel(taskId)) {
        await db.flush();
        return { taskId, status: (await db.tasks.getTask(taskId))!.status, was: "running" };
      }
      continue;
    }
    if (row.owner === null || (await db.owners.deadOwners([row.owner])).has(row.owner)) {
      const last = row.worker_session ? (await db.sessions.getSessionRow(row.worker_session))?.last_text ?? null : null;
      const f = await finalizeTask(db, row, { from: "running", ...(row.owner ? { owner: row.owner } : {}) },
        { status: "cancelled", result: last, error: CANCELLED, at: ctx.now() }, true);
      if (f) {
        ctx.finished(f);
        return { taskId, status: "cancelled", was: "running" };
      }
      continue;
    }
    await db.tx((t) => t.tasks.requestCancel(taskId), { durable: true });
    try {
      const t = await ctx.waitFor(taskId, waitMs);
      return { taskId, status: t.status, was: "running" };
    } catch (err) {
      if (errorCode(err) !== "E_TIMEOUT") throw err;
      return { taskId, status: "running", was: "running", requested: true };
    }
  }
  const row = (await db.tasks.getTask(taskId))!;
  return { taskId, status: row.status, was: "running" };
}
