// Restart and fleet safety: tasks left `running` by an aegis process that is gone (SIGKILL, crash, power loss) or by
// a worker whose lease expired (paused, partitioned, its machine lost: #15) become failed "interrupted: aegis stopped
// while this task ran (worker <id>, pid <pid> on <host>: <why>)" with the worker's last message, their producers are called back, and the dead owner's
// sessions are closed, in one transaction. Every finish is guarded by status and owner, so when several processes
// sweep at once each task is recovered once. Tasks held by a live sibling are never touched. Pending tasks need
// nothing: they stay pending and are dispatched as usual.

import type { Db } from "../store/api.ts";
import { finalizeIn, type Finished } from "./finalize.ts";
import { hostName, isOwnerAlive, type OwnerRow } from "../store/owners.ts";
import { interruptedBy, type InterruptedBy } from "./task.ts";

export interface RecoverOptions {
  /**
   * Give up (and let the next sweep try again) when a row stays locked this long, rather than wait on whoever holds
   * it: on PostgreSQL a paused worker's open transaction is ended by the server's idle limit well before this.
   */
  lockTimeoutMs?: number;
}

/** Recovers the work of dead owners (never `self`); returns the tasks it finished, with their callbacks. */
export async function recoverDeadOwners(db: Db, self: string, now: number, o: RecoverOptions = {}): Promise<Finished[]> {
  const [running, sessions] = await Promise.all([db.tasks.ownersOfRunningTasks(), db.sessions.ownersOfOpenSessions()]);
  const referenced = new Set([...running, ...sessions]);
  referenced.delete(self);
  if (referenced.size === 0 && !(await db.owners.hasOtherOwners(self))) return [];
  const dead = await db.owners.deadOwners(referenced);
  dead.delete(self);
  if (dead.size === 0) return [];
  // Who they were (host, pid, lease), read before the sweep removes them, so each task's error names its worker.
  const rows = new Map((await db.owners.listOwners()).map((r) => [r.id, r]));
  return await db.tx(async (t) => {
    // Judged again under the transaction's locks: a worker that renewed its lease since the read above keeps its work.
    const gone = await t.owners.deleteDeadOwners(dead);
    const finished: Finished[] = [];
    for (const owner of gone) {
      for (const row of await t.tasks.runningTasksOf(owner)) {
        const w = row.worker_session ? await t.sessions.getSessionRow(row.worker_session) : null;
        // What the worker spent before it died still counts towards the queue's budgets.
        const f = await finalizeIn(t, row, { from: "running", owner }, {
          status: "failed", result: w?.last_text ?? null, error: interruptedBy(whoWas(owner, rows.get(owner))), at: now,
          costUsd: w?.cost_usd ?? 0, inputTokens: w?.input_tokens ?? 0, outputTokens: w?.output_tokens ?? 0,
        });
        if (f) finished.push(f);
      }
    }
    await t.sessions.closeSessionsOfOwners(gone, now);
    return finished;
  }, { durable: true, ...(o.lockTimeoutMs !== undefined ? { lockTimeoutMs: o.lockTimeoutMs } : {}) });
}

/**
 * Why `owner` counts as dead: on this host a gone process died (whatever its lease says); else a leased owner's lease
 * expired; an owner no longer registered (a closed runtime, an earlier sweep) is only "gone".
 */
function whoWas(owner: string, row: OwnerRow | undefined): InterruptedBy {
  if (!row) return { owner, why: "gone" };
  const died = row.host === hostName() && !isOwnerAlive({ ...row, lease_expires_at: null });
  const leased = row.lease_expires_at !== undefined && row.lease_expires_at !== null;
  return { owner, host: row.host, pid: row.pid, why: died || !leased ? "died" : "lease expired" };
}
