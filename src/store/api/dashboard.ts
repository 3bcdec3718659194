// The dashboard family on the async store contract (#15), derived from src/store/dashboard.ts by the rule in
// PG-DESIGN.md §2.1: each `fn(store, ...args): R` there is `fn(...args): Promise<R>` here, same name. The reads behind
// `aegis ui` and `aegis chat`: short, indexed, bounded SELECTs, never a write. Types only.

import type { TaskBrief } from "../dashboard.ts";
import type { SessionRow } from "../sessions.ts";

export interface DashboardApi {
  /** Sessions not closed, oldest first. */
  openSessionRows(): Promise<SessionRow[]>;
  /** Sessions closed after `since`, the most recently closed `limit`, oldest first. */
  recentlyClosedSessionRows(since: number, limit: number): Promise<SessionRow[]>;
  taskCountsByQueue(): Promise<{ queue: string; status: string; n: number }[]>;
  /** The label of the step each of `runIds` is running now (the latest, if several). */
  runningStepLabels(runIds: readonly string[]): Promise<Map<string, string>>;
  /** Pending and running tasks, oldest first. */
  activeTaskBriefs(limit: number): Promise<TaskBrief[]>;
  /** The `limit` most recently enqueued finished tasks, oldest first. */
  finishedTaskBriefs(limit: number): Promise<TaskBrief[]>;
  /** The id of the newest transcript row of any session (0 when none): it moves whenever a transcript grows. */
  lastEventId(): Promise<number>;
}
