// The UI's picture of a project: sessions, queues, runs, tasks and schedules as the dashboard shows them, and the
// transcript rows of one session. Plain data, built by a DataSource; views read it and never query anything.

import type { ScheduleView } from "../../schedule/status.ts";
import type { SessionState } from "../../store/sessions.ts";
import type { TranscriptEvent } from "../../store/events.ts";
import type { StepView } from "../../workflow/run-status.ts";

export type { ScheduleView, StepView, TranscriptEvent };

export interface SessionView {
  id: string;
  handle: string;
  agent: string;
  provider: string;
  model: string | null;
  state: SessionState;
  spawnedBy: string | null;
  owner: string | null;
  createdAt: number;
  closedAt: number | null;
  turns: number;
  tokens: { input: number; output: number };
  costUsd: number;
  /** The last assistant message (kept current mid-turn), "" before the first. */
  lastLine: string;
  /** Not closed, but the aegis process that hosted it is gone (killed): nothing will answer it. */
  hostGone?: boolean;
}

export interface QueueView {
  name: string;
  pending: number;
  running: number;
  done: number;
  failed: number;
  cancelled: number;
  /** Each budget as "spent of limit / window", e.g. "$0.12 of $1.00 / 1h"; blocked ones flagged. */
  budgets: { text: string; blocked: boolean }[];
}

export interface RunSummary {
  id: string;
  workflow: string;
  /** The stored status, or `sleeping`/`waiting` for a parked run; `running` whose process died shows `crashed`. */
  status: string;
  createdAt: number;
  /** The label of the step running now. */
  currentStep?: string;
  /** A parked question (askHuman) waiting for `aegis answer`. */
  question?: { question: string; key: string; options?: string[] };
  waitingFor?: string;
  costUsd: number;
  /** Why a failed or crashed run ended. */
  error?: string;
}

export interface TaskView {
  id: string;
  queue: string;
  status: string;
  workerHandle: string | null;
  /** The worker's session id: its transcript. */
  workerSession: string | null;
  payload: string;
  enqueuedAt: number;
}

export interface Snapshot {
  /** `serve` when a running `aegis serve` answers on its socket (then schedules are known), else `database`. */
  via: "serve" | "database";
  /** Bumped on every change, so views can skip redraws. */
  version: number;
  sessions: SessionView[];
  queues: QueueView[];
  runs: RunSummary[];
  tasks: TaskView[];
  schedules?: ScheduleView[];
}

export interface TranscriptRow {
  id: number;
  sessionId: string;
  turn: number;
  at: number;
  event: TranscriptEvent;
}

export interface DataSource {
  readonly via: "serve" | "database";
  /** The latest picture; never blocks. */
  snapshot(): Snapshot;
  /** Called after each change (not on idle polls). Returns the unsubscribe function. */
  subscribe(fn: (s: Snapshot) => void): () => void;
  /** The session's rows so far (one call), then each new batch in id order, none skipped. */
  transcript(sessionId: string, fn: (rows: TranscriptRow[]) => void): () => void;
  /** The run's steps now, then again whenever they change. */
  runSteps(runId: string, fn: (steps: StepView[]) => void): () => void;
  /** Looks now instead of at the next poll (after a steering action). */
  poke(): void;
  close(): void;
}

export const EMPTY_SNAPSHOT: Snapshot = { via: "database", version: 0, sessions: [], queues: [], runs: [], tasks: [] };
