// The dashboard's reads over the async store contract (`Db`, either backend; `aegis ui` on PostgreSQL): the same
// bounded SELECTs as queries.ts and the same row → view mappers, so both sources draw the same model. Read-only.

import type { ResolvedQueue } from "../../config/schema.ts";
import { queueBudgets } from "../../queue/budgets.ts";
import type { DbRepos } from "../../store/api.ts";
import { toStepView, type StepView } from "../../workflow/run-status.ts";
import type { QueueView, RunSummary, SessionView, TaskView, TranscriptRow } from "./model.ts";
import {
  CLOSED_KEEP_MS, MAX_CLOSED, RUN_LIMIT, TASK_LIMIT, finishedLimit, ownersOf, queueViews, runSummaries, sessionViews, taskViews, transcriptRow,
} from "./queries.ts";

export type DashboardRepos = Pick<DbRepos, "dashboard" | "owners" | "runs" | "waits" | "tasks" | "events">;

/**
 * Recent sessions; when `hostCheck(owners)` says so, also looks whether the processes hosting the open ones are still
 * alive (into `gone`).
 */
export async function readSessionsDb(db: DashboardRepos, now: number, hostCheck: (owners: string[]) => boolean, gone: Set<string>): Promise<SessionView[]> {
  const [open, closed] = await Promise.all([db.dashboard.openSessionRows(), db.dashboard.recentlyClosedSessionRows(now - CLOSED_KEEP_MS, MAX_CLOSED)]);
  if (hostCheck(ownersOf(open))) {
    const dead = await db.owners.deadOwners(ownersOf(open));
    gone.clear();
    for (const o of dead) gone.add(o);
  }
  return sessionViews(open, closed, gone);
}

export async function readQueuesDb(db: DashboardRepos, configured: Record<string, ResolvedQueue>, now: number): Promise<QueueView[]> {
  const queues = Object.values(configured);
  const [counts, budgets] = await Promise.all([
    db.dashboard.taskCountsByQueue(),
    Promise.all(queues.map(async (q) => [q.name, await queueBudgets(db, q, now)] as const)),
  ]);
  return queueViews(configured, counts, new Map(budgets));
}

/** Recent runs; when `crashedCheck(owners)` says so, also marks (in the view only) running runs whose process is gone. */
export async function readRunsDb(db: DashboardRepos, crashedCheck: (owners: string[]) => boolean): Promise<RunSummary[]> {
  const runs = await db.runs.listRuns(RUN_LIMIT);
  const running = runs.filter((r) => r.status === "running");
  const owners = ownersOf(running);
  const [parks, dead, steps] = await Promise.all([
    db.waits.parksOf(runs.map((r) => r.id)),
    owners.length && crashedCheck(owners) ? db.owners.deadOwners(owners) : new Set<string>(),
    db.dashboard.runningStepLabels(running.map((r) => r.id)),
  ]);
  return runSummaries(runs, parks, dead, steps);
}

/** Pending and running tasks, then the most recent finished ones, newest last. */
export async function readTasksDb(db: DashboardRepos): Promise<TaskView[]> {
  const active = await db.dashboard.activeTaskBriefs(TASK_LIMIT);
  return taskViews(active, await db.dashboard.finishedTaskBriefs(finishedLimit(active.length)));
}

/** Transcript rows of a session after `afterId`, at most `limit` (the caller loops until it gets fewer). */
export async function readTranscriptDb(db: DashboardRepos, sessionId: string, afterId: number, limit = 2000): Promise<TranscriptRow[]> {
  return (await db.events.listEvents(sessionId, afterId, limit)).map(transcriptRow);
}

export async function readStepsDb(db: DashboardRepos, runId: string): Promise<StepView[]> {
  return (await db.runs.listSteps(runId)).map(toStepView);
}
