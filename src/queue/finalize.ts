// Ending a task: the terminal transition and, for callback tasks, the producer's inbox message are written in one
// transaction, so a task never ends without its callback (nor gets one twice) whatever moment aegis dies at. A
// worker's finish presents its claim's fence (#15): a worker that lost its lease (paused, partitioned) and whose task
// was recovered elsewhere writes nothing. Delivering the persisted message to a live session happens after the
// commit, in the caller.

import { handleOfSender } from "../session/sender.ts";
import type { Db, Tx } from "../store/api.ts";
import type { InboxRow } from "../store/inbox.ts";
import type { TaskOutcome, TaskRow } from "../store/tasks.ts";
import { callbackBody } from "./task.ts";

export interface Finished {
  row: TaskRow;
  /** The producer's callback message, persisted; undefined for tasks without callback. */
  callback?: InboxRow;
}

/** Where a producer's callback goes: the session handle for `agent:<handle>`, else the sender tag itself. */
export function callbackTarget(enqueuedBy: string): string {
  return handleOfSender(enqueuedBy) ?? enqueuedBy;
}

/** The guard of a finish: the expected status, and for a running task its owner and claim fence when known. */
export interface FinishGuard {
  from: "pending" | "running";
  owner?: string;
  fence?: number;
}

/**
 * Inside the caller's transaction: moves `row` to the outcome's terminal state (guarded) and writes its callback.
 * Returns null if another transition won (or the claim was lost): then nothing was written.
 */
export async function finalizeIn(t: Tx, row: TaskRow, g: FinishGuard, o: TaskOutcome): Promise<Finished | null> {
  if (!(await t.tasks.finishTask(row.id, g.from, o, g.owner, g.fence))) return null;
  const done = endedRow(row, o);
  if (!done.callback) return { row: done };
  const callback = await t.inbox.insertInbox({
    target: callbackTarget(done.enqueued_by),
    sender: `queue:${done.queue}`,
    taskId: done.id,
    status: o.status === "done" ? "ok" : "error",
    body: callbackBody(o.status, o.result, o.error, g.from === "running"),
    at: o.at,
  });
  return { row: done, callback };
}

/** The task row as a finish with outcome `o` leaves it. */
function endedRow(row: TaskRow, o: TaskOutcome): TaskRow {
  return {
    ...row, status: o.status, result: o.result, error: o.error, finished_at: o.at,
    cost_usd: o.costUsd ?? 0, input_tokens: o.inputTokens ?? 0, output_tokens: o.outputTokens ?? 0,
  };
}

/**
 * finalizeIn in a transaction of its own; `durable` commits before it resolves. A task without callback is one guarded
 * statement, which needs no transaction: on PostgreSQL the queue's counts row (every claim and finish of the fleet
 * updates it) is then locked only while that statement runs, not across the round trips of BEGIN … COMMIT (#15).
 */
export async function finalizeTask(db: Db, row: TaskRow, g: FinishGuard, o: TaskOutcome, durable = false): Promise<Finished | null> {
  if (row.callback) return await db.tx((t) => finalizeIn(t, row, g, o), { durable });
  const f = await finalizeIn(db, row, g, o);
  if (durable) await db.flush();
  return f;
}

/**
 * Group commit of finishes (#15): while one write of finishes is under way, the finishes of tasks without callback
 * asked for meanwhile wait and then go together in one finishTasks (one statement and one commit on PostgreSQL, where
 * each commit of a finish otherwise takes the queue's counts row and the server's NOTIFY lock on its own, and every
 * worker of the fleet queues behind them). Nothing waits when nothing is under way. Each finish is guarded as alone;
 * a task with a callback keeps its own transaction (finalizeTask).
 */
export class FinishBatch {
  private waiting: { row: TaskRow; g: FinishGuard; o: TaskOutcome; resolve: (f: Finished | null) => void; reject: (e: unknown) => void }[] = [];
  private writing = false;

  constructor(private readonly db: Db) {}

  finish(row: TaskRow, g: FinishGuard, o: TaskOutcome): Promise<Finished | null> {
    if (row.callback) return finalizeTask(this.db, row, g, o);
    return new Promise((resolve, reject) => {
      this.waiting.push({ row, g, o, resolve, reject });
      if (!this.writing) void this.write();
    });
  }

  private async write(): Promise<void> {
    this.writing = true;
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting;
        this.waiting = [];
        try {
          const moved = new Set(await this.db.tasks.finishTasks(batch.map((b) => ({
            id: b.row.id, from: b.g.from, outcome: b.o,
            ...(b.g.owner !== undefined ? { owner: b.g.owner } : {}), ...(b.g.fence !== undefined ? { fence: b.g.fence } : {}),
          }))));
          for (const b of batch) b.resolve(moved.has(b.row.id) ? { row: endedRow(b.row, b.o) } : null);
        } catch (err) {
          for (const b of batch) b.reject(err);
        }
      }
    } finally {
      this.writing = false;
    }
  }
}
