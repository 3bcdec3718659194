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
  const done: TaskRow = {
    ...row, status: o.status, result: o.result, error: o.error, finished_at: o.at,
    cost_usd: o.costUsd ?? 0, input_tokens: o.inputTokens ?? 0, output_tokens: o.outputTokens ?? 0,
  };
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

/** finalizeIn in a transaction of its own; `durable` commits before it resolves. */
export function finalizeTask(db: Db, row: TaskRow, g: FinishGuard, o: TaskOutcome, durable = false): Promise<Finished | null> {
  return db.tx((t) => finalizeIn(t, row, g, o), { durable });
}
