// Restart safety: tasks left `running` by an aegis process that is gone (SIGKILL, crash, power loss) become failed
// "interrupted: aegis stopped while this task ran" with the worker's last message, their producers are called back,
// and the dead process's sessions are closed. Tasks held by a live sibling process are never touched.
// Pending tasks need nothing: they stay pending and are dispatched as usual.

import { closeSessionsOfOwners, getSessionRow, ownersOfOpenSessions } from "../store/sessions.ts";
import { deadOwners, deleteOwnerRows, hasOtherOwners } from "../store/owners.ts";
import type { Store } from "../store/store.ts";
import { ownersOfRunningTasks, runningTasksOf } from "../store/tasks.ts";
import { finalizeTask, type Finished } from "./finalize.ts";
import { INTERRUPTED } from "./task.ts";

/** Recovers the work of dead owners (never `self`); returns the tasks it finished, with their callbacks. */
export function recoverDeadOwners(store: Store, self: string, now: number): Finished[] {
  const referenced = new Set([...ownersOfRunningTasks(store), ...ownersOfOpenSessions(store)]);
  referenced.delete(self);
  if (referenced.size === 0 && !hasOtherOwners(store, self)) return [];
  const dead = deadOwners(store, referenced);
  dead.delete(self);
  if (dead.size === 0) return [];
  return store.write(() => {
    const finished: Finished[] = [];
    for (const owner of dead) {
      for (const row of runningTasksOf(store, owner)) {
        const w = row.worker_session ? getSessionRow(store, row.worker_session) : null;
        // What the worker spent before it died still counts towards the queue's budgets.
        const f = finalizeTask(store, row, "running", {
          status: "failed", result: w?.last_text ?? null, error: INTERRUPTED, at: now,
          costUsd: w?.cost_usd ?? 0, inputTokens: w?.input_tokens ?? 0, outputTokens: w?.output_tokens ?? 0,
        }, owner);
        if (f) finished.push(f);
      }
    }
    closeSessionsOfOwners(store, dead, now);
    deleteOwnerRows(store, dead);
    return finished;
  });
}
