// The dashboard's reads: each turns a few short, indexed SELECTs into model rows. Read-only (they run on the UI's
// read-only connection); bounded (recent rows only), so a long-lived project does not make a poll slow. The row →
// view mappers are shared with queries-db.ts, the same reads over the async store contract (PostgreSQL).

import type { ResolvedQueue } from "../../config/schema.ts";
import { evaluateBudgets, type BudgetState } from "../../queue/budgets.ts";
import { listEvents, rowToEvent, type EventRow } from "../../store/events.ts";
import { deadOwners } from "../../store/owners.ts";
import { listRuns, listSteps, type RunRow } from "../../store/runs.ts";
import { activeTaskBriefs, finishedTaskBriefs, openSessionRows, recentlyClosedSessionRows, runningStepLabels, taskCountsByQueue, type TaskBrief } from "../../store/dashboard.ts";
import type { SessionRow } from "../../store/sessions.ts";
import type { Store } from "../../store/store.ts";
import { parksOf, type ParkRow } from "../../store/waits.ts";
import { formatUsd } from "../../util/format.ts";
import { toRunView, toStepView, type StepView } from "../../workflow/run-status.ts";
import type { QueueView, RunSummary, SessionView, TaskView, TranscriptRow } from "./model.ts";

/** Closed sessions stay on the dashboard this long, so a finished worker's transcript can still be opened. */
export const CLOSED_KEEP_MS = 15 * 60_000;
export const MAX_CLOSED = 30;

/** Recent sessions; `hostCheck` also looks whether the processes hosting the open ones are still alive. */
export function readSessions(store: Store, now: number, hostCheck: boolean, gone: Set<string>): SessionView[] {
  const open = openSessionRows(store);
  if (hostCheck) {
    gone.clear();
    for (const o of deadOwners(store, ownersOf(open))) gone.add(o);
  }
  return sessionViews(open, recentlyClosedSessionRows(store, now - CLOSED_KEEP_MS, MAX_CLOSED), gone);
}

/** The owners named by `rows` (whose processes the host check looks at). */
export function ownersOf(rows: readonly { owner: string | null }[]): string[] {
  return rows.flatMap((r) => (r.owner ? [r.owner] : []));
}

/** Session rows as the dashboard shows them; an open one whose owner is in `gone` is marked hostGone. */
export function sessionViews(open: readonly SessionRow[], closed: readonly SessionRow[], gone: ReadonlySet<string>): SessionView[] {
  return [...open, ...closed].map((r) => ({
    id: r.id, handle: r.handle, agent: r.agent, provider: r.provider, model: r.model, state: r.state,
    spawnedBy: r.spawned_by, owner: r.owner, createdAt: r.created_at, closedAt: r.closed_at, turns: r.turns,
    tokens: { input: r.input_tokens, output: r.output_tokens }, costUsd: r.cost_usd, lastLine: r.last_text ?? "",
    hostGone: r.closed_at === null && r.owner !== null && gone.has(r.owner),
  }));
}

export function readQueues(store: Store, configured: Record<string, ResolvedQueue>, now: number): QueueView[] {
  const budgets = new Map(Object.values(configured).map((q) => [q.name, evaluateBudgets(store, q, now)]));
  return queueViews(configured, taskCountsByQueue(store), budgets);
}

/** Every configured queue and every queue holding tasks, with its counts per status and its budgets' use. */
export function queueViews(configured: Record<string, ResolvedQueue>, taskCounts: readonly { queue: string; status: string; n: number }[], budgets: ReadonlyMap<string, BudgetState[]>): QueueView[] {
  const counts = new Map<string, QueueView>();
  const view = (name: string) => {
    let v = counts.get(name);
    if (!v) counts.set(name, (v = { name, pending: 0, running: 0, done: 0, failed: 0, cancelled: 0, budgets: [] }));
    return v;
  };
  for (const name of Object.keys(configured)) view(name);
  for (const r of taskCounts) {
    const v = view(r.queue);
    if (r.status === "pending" || r.status === "running" || r.status === "done" || r.status === "failed" || r.status === "cancelled") v[r.status] = r.n;
  }
  for (const q of Object.values(configured)) {
    view(q.name).budgets = (budgets.get(q.name) ?? []).map((b) => ({
      text: `${b.kind === "usd" ? formatUsd(b.spent) : b.spent} of ${b.kind === "usd" ? formatUsd(b.limit) : `${b.limit} out-tokens`} / ${b.window}`,
      blocked: b.blocked,
    }));
  }
  return [...counts.values()];
}

export const RUN_LIMIT = 30;

/** Recent runs; `crashedCheck` also marks (in the view only) running runs whose process is gone. */
export function readRuns(store: Store, crashedCheck: boolean): RunSummary[] {
  const runs = listRuns(store, RUN_LIMIT);
  const parks = parksOf(store, runs.map((r) => r.id));
  const running = runs.filter((r) => r.status === "running");
  const dead = crashedCheck && running.length ? deadOwners(store, ownersOf(running)) : new Set<string>();
  return runSummaries(runs, parks, dead, runningStepLabels(store, running.map((r) => r.id)));
}

/** Runs as the dashboard shows them: a running one whose owner is in `dead` shows as crashed. */
export function runSummaries(runs: readonly RunRow[], parks: ReadonlyMap<string, ParkRow>, dead: ReadonlySet<string>, steps: ReadonlyMap<string, string>): RunSummary[] {
  return runs.map((r) => {
    const v = toRunView(r, parks.get(r.id));
    const crashed = r.status === "running" && r.owner !== null && dead.has(r.owner);
    return {
      id: r.id, workflow: r.workflow, status: crashed ? "crashed" : v.status, createdAt: r.created_at, costUsd: r.cost_usd,
      ...(steps.has(r.id) ? { currentStep: steps.get(r.id)! } : {}),
      // A parked run (waiting, sleeping) is stored as interrupted with a note: that is no failure.
      ...(crashed ? { error: "the aegis process running it is gone" } : v.error && !v.parked ? { error: v.error.message } : {}),
      ...(v.parked?.question ? { question: v.parked.question } : {}),
      ...(v.parked?.event ? { waitingFor: `event ${v.parked.event}` } : v.parked?.wakeAt ? { waitingFor: `until ${v.parked.wakeAt}` } : {}),
    };
  });
}

export const TASK_LIMIT = 50;

/** Pending and running tasks, then the most recent finished ones, newest last. */
export function readTasks(store: Store): TaskView[] {
  const active = activeTaskBriefs(store, TASK_LIMIT);
  return taskViews(active, finishedTaskBriefs(store, finishedLimit(active.length)));
}

/** How many finished tasks are shown next to `active` pending and running ones. */
export const finishedLimit = (active: number): number => Math.max(10, TASK_LIMIT - active);

export function taskViews(active: readonly TaskBrief[], recent: readonly TaskBrief[]): TaskView[] {
  return [...recent, ...active].map((r) => ({
    id: r.id, queue: r.queue, status: r.status, workerHandle: r.worker_handle, workerSession: r.worker_session,
    payload: r.payload, enqueuedAt: r.enqueued_at,
  }));
}

/** Transcript rows of a session after `afterId`, at most `limit` (the caller loops until it gets fewer). */
export function readTranscript(store: Store, sessionId: string, afterId: number, limit = 2000): TranscriptRow[] {
  return listEvents(store, sessionId, afterId, limit).map(transcriptRow);
}

export const transcriptRow = (r: EventRow): TranscriptRow => ({ id: r.id, sessionId: r.session_id, turn: r.turn, at: r.at, event: rowToEvent(r) });

export function readSteps(store: Store, runId: string): StepView[] {
  return listSteps(store, runId).map(toStepView);
}
