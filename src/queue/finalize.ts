// Ending a task: the terminal transition and, for callback tasks, the producer's inbox message are written in one
// transaction, so a task never ends without its callback (nor gets one twice) whatever moment aegis dies at.
// Delivering the persisted message to a live session happens after the commit, in the caller.

import { handleOfSender } from "../session/sender.ts";
import { insertInbox, type InboxRow } from "../store/inbox.ts";
import type { Store } from "../store/store.ts";
import { finishTask, type TaskOutcome, type TaskRow } from "../store/tasks.ts";
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

/**
 * Moves `row` from `from` to the outcome's terminal state (guarded by status and, if given, owner) and writes its
 * callback, in the store's write batch (callers that must acknowledge durably wrap it in store.write). Returns null
 * if another transition won: then nothing was written.
 */
export function finalizeTask(store: Store, row: TaskRow, from: "pending" | "running", o: TaskOutcome, owner?: string): Finished | null {
  return store.batch(() => {
    if (!finishTask(store, row.id, from, o, owner)) return null;
    const done: TaskRow = {
      ...row, status: o.status, result: o.result, error: o.error, finished_at: o.at,
      cost_usd: o.costUsd ?? 0, input_tokens: o.inputTokens ?? 0, output_tokens: o.outputTokens ?? 0,
    };
    if (!done.callback) return { row: done };
    const callback = insertInbox(store, {
      target: callbackTarget(done.enqueued_by),
      sender: `queue:${done.queue}`,
      taskId: done.id,
      status: o.status === "done" ? "ok" : "error",
      body: callbackBody(o.status, o.result, o.error, from === "running"),
      at: o.at,
    });
    return { row: done, callback };
  });
}
