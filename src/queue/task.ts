// The public shape of a queue task (what `aegis tasks --json`, the MCP plane and workflows see), the queue's
// progress events, and the texts a producer's callback carries. Pure mapping: no store access, no dispatch.

import { isoSeconds } from "../session/sender.ts";
import { taskWorktreeOf } from "../store/task-worktrees.ts";
import type { TaskRow, TaskStatus } from "../store/tasks.ts";

export type { TaskStatus } from "../store/tasks.ts";

export interface Task {
  taskId: string;
  queue: string;
  /** pending → running → done | failed | cancelled. */
  status: TaskStatus;
  payload: string;
  /** The worker's final assistant message (for failed or cancelled tasks: its last message, if any). */
  result: string | null;
  error: string | null;
  /** Sender tag of the producer: `user`, `agent:<handle>`, `workflow:<name>`, … */
  enqueuedBy: string;
  callback: boolean;
  idempotencyKey: string | null;
  workerHandle: string | null;
  /** The machine whose worker ran it (AEGIS_HOST_ID, else the host name); null before it started (#15). */
  host: string | null;
  enqueuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  costUsd: number;
  tokens: { input: number; output: number };
  /** Only for a task whose queue runs workers in worktrees: the worker's branch (`aegis/<handle>`). */
  branch?: string;
  /** The commit its branch was made from. */
  base?: string;
  /** The branch's tip when the task ended (aegis committed what the worker left); null if it changed nothing. */
  commit?: string | null;
  /** What the branch changes against `base`: files touched, lines added and removed. */
  diff?: { files: number; added: number; removed: number };
}

export type QueueEvent =
  | { type: "enqueued"; task: Task; position: number }
  | { type: "started"; task: Task }
  | { type: "finished"; task: Task };

export function toTask(r: TaskRow): Task {
  return {
    taskId: r.id,
    queue: r.queue,
    status: r.status,
    payload: r.payload,
    result: r.result,
    error: r.error,
    enqueuedBy: r.enqueued_by,
    callback: r.callback === 1,
    idempotencyKey: r.idempotency_key,
    workerHandle: r.worker_handle,
    host: r.worker_host ?? null,
    enqueuedAt: isoSeconds(r.enqueued_at),
    startedAt: r.started_at === null ? null : isoSeconds(r.started_at),
    finishedAt: r.finished_at === null ? null : isoSeconds(r.finished_at),
    costUsd: r.cost_usd,
    tokens: { input: r.input_tokens, output: r.output_tokens },
    ...worktreeFields(r),
  };
}

function worktreeFields(r: TaskRow): Pick<Task, "branch" | "base" | "commit" | "diff"> {
  const w = taskWorktreeOf(r);
  if (!w) return {};
  return { branch: w.branch, base: w.base, commit: w.commit, diff: { files: w.files, added: w.added, removed: w.removed } };
}

export const INTERRUPTED = "interrupted: aegis stopped while this task ran";

/** Who ran a task that was interrupted, and why it stopped (#15). */
export interface InterruptedBy {
  owner: string;
  host?: string;
  pid?: number;
  why: "died" | "lease expired" | "gone";
}

/**
 * The error of a task recovered from a worker that stopped: INTERRUPTED (kept as the prefix, so isInterrupted and
 * anything matching the old text still match) naming the worker and why, e.g. "… (worker own_x, pid 41 on gpu-1: its
 * lease expired)".
 */
export function interruptedBy(w: InterruptedBy): string {
  const where = w.pid !== undefined && w.host ? `, pid ${w.pid} on ${w.host}` : "";
  const why = w.why === "died" ? "its process died"
    : w.why === "lease expired" ? "its lease expired: paused, cut off or its machine lost"
    : "it was no longer registered";
  return `${INTERRUPTED} (worker ${w.owner}${where}: ${why})`;
}

/** Whether a task's error says its worker stopped under it (a retry may succeed), with or without the worker named. */
export function isInterrupted(error: string | null): boolean {
  return error !== null && error.startsWith(INTERRUPTED);
}
export const CANCELLED = "cancelled";

/** The body of the callback message a producer receives when its task ends. */
export function callbackBody(status: "done" | "failed" | "cancelled", result: string | null, error: string | null, wasRunning = true): string {
  const last = result ? `\n\nThe worker's last message was:\n${result}` : "";
  if (status === "done") return result || "the worker finished without a final message";
  if (status === "cancelled") return wasRunning ? `cancelled${result ? ` — the worker's last message was:\n${result}` : " (the worker wrote no message)"}` : "cancelled (never dispatched)";
  return `${error ?? "the worker exited with an error"}${last}`;
}
