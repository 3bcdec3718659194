// The reads behind `aegis ui`'s dashboard (#14): recent sessions, task counts per queue and status, the running step
// of runs, active and recently finished tasks. Short, indexed, bounded SELECTs only: they run on the UI's read-only
// connection every time another process commits, and must never slow the processes that write.

import type { SessionRow } from "./sessions.ts";
import type { Store } from "./store.ts";

export function openSessionRows(store: Store): SessionRow[] {
  return store.sql<SessionRow, []>("SELECT * FROM sessions WHERE closed_at IS NULL ORDER BY created_at").all();
}

/** Sessions closed after `since`, the most recently closed `limit`, oldest first. */
export function recentlyClosedSessionRows(store: Store, since: number, limit: number): SessionRow[] {
  return store.sql<SessionRow, [number, number]>("SELECT * FROM sessions WHERE closed_at > ? ORDER BY closed_at DESC LIMIT ?")
    .all(since, limit).reverse();
}

export function taskCountsByQueue(store: Store): { queue: string; status: string; n: number }[] {
  return store.sql<{ queue: string; status: string; n: number }, []>("SELECT queue, status, count(*) AS n FROM tasks GROUP BY queue, status").all();
}

/** The label of the step each of `runIds` is running now (the latest, if several). */
export function runningStepLabels(store: Store, runIds: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  if (runIds.length === 0) return out;
  const marks = runIds.map(() => "?").join(", ");
  for (const s of store.sql<{ run_id: string; label: string }, string[]>(
    `SELECT run_id, label FROM steps WHERE status = 'running' AND run_id IN (${marks}) ORDER BY seq`,
  ).all(...runIds)) out.set(s.run_id, s.label);
  return out;
}

export interface TaskBrief {
  id: string;
  queue: string;
  status: string;
  worker_handle: string | null;
  worker_session: string | null;
  /** The first 200 characters of the payload. */
  payload: string;
  enqueued_at: number;
}

const BRIEF = "id, queue, status, worker_handle, worker_session, substr(payload, 1, 200) AS payload, enqueued_at";

/** The id of the newest transcript row of any session (0 when none): it moves whenever a transcript grows. */
export function lastEventId(store: Store): number {
  return store.sql<{ id: number | null }, []>("SELECT max(id) AS id FROM events").get()?.id ?? 0;
}

/** Pending and running tasks, oldest first. */
export function activeTaskBriefs(store: Store, limit: number): TaskBrief[] {
  return store.sql<TaskBrief, [number]>(`SELECT ${BRIEF} FROM tasks WHERE status IN ('pending', 'running') ORDER BY seq LIMIT ?`).all(limit);
}

/** The `limit` most recently enqueued finished tasks, oldest first. */
export function finishedTaskBriefs(store: Store, limit: number): TaskBrief[] {
  return store.sql<TaskBrief, [number]>(`SELECT ${BRIEF} FROM tasks WHERE status NOT IN ('pending', 'running') ORDER BY seq DESC LIMIT ?`)
    .all(limit).reverse();
}
