// The dispatcher: claims a queue's oldest pending tasks up to maxParallel (counted across every process, inside a
// write transaction), runs each in a fresh worker session whose first turn is the payload, and finishes it with the
// worker's final assistant text or its error (plus the CLI's stderr tail). It also stops its own workers for cancel
// and shutdown. It must not decide when to dispatch (QueueManager calls it on enqueue, completion and watch ticks).

import type { LoadedConfig } from "../config/validate.ts";
import { logIgnored } from "../util/log-ignored.ts";
import type { SessionManager } from "../session/manager.ts";
import type { Session } from "../session/session.ts";
import type { Store } from "../store/store.ts";
import { claimTask, pendingHead, queueCounts, workerSessionId, type PendingTask, type TaskOutcome, type TaskRow } from "../store/tasks.ts";
import { finalizeTask, type Finished } from "./finalize.ts";
import { isolatedQueue, recordTaskWorktree, worktreeSpawnOptions } from "./task-worktree.ts";
import { CANCELLED, INTERRUPTED } from "./task.ts";
import { errorMessage } from "../util/errors.ts";

interface Running {
  row: TaskRow;
  session?: Session;
  /** Why the worker is being stopped early, if it is. */
  stop?: "cancel" | "shutdown";
  done: Promise<void>;
}

export interface DispatcherCore {
  config: LoadedConfig;
  store: Store;
  sessions: SessionManager;
  owner: string;
  now: () => number;
  /** At most this many workers per queue in this process (the queue's maxParallel still caps all processes). */
  localParallel?: number;
  onStarted(row: TaskRow): void;
  onFinished(f: Finished): void;
  /** Called after a local worker is gone (finished or not), so the caller can dispatch again. */
  onSlotFree(queue: string): void;
}

/** How many pending tasks one read fetches ahead. */
const READ_AHEAD = 64;

export class Dispatcher {
  readonly running = new Map<string, Running>();
  /**
   * Per queue, a cached prefix of the oldest pending tasks, so a claim in steady state costs one guarded UPDATE
   * and no read. It stays a prefix: a new task always has a higher seq than every existing one, and a cached task
   * that left `pending` meanwhile (another process claimed it, a cancel) just fails its guarded claim.
   */
  private readonly heads = new Map<string, PendingTask[]>();

  constructor(private readonly core: DispatcherCore) {}

  /** Claims what the queue may start now (joins the caller's write transaction, if any). */
  claim(queue: string): TaskRow[] {
    const q = this.core.config.queues[queue];
    if (!q) return [];
    const limit = (this.core.localParallel ?? Infinity) - this.countRunning(queue);
    if (limit <= 0) return [];
    const { store, owner } = this.core;
    try {
      return store.batch(() => {
        let free = Math.min(limit, q.maxParallel - queueCounts(store, queue).running);
        const out: TaskRow[] = [];
        const at = this.core.now();
        while (free > 0) {
          let head = this.heads.get(queue);
          if (!head?.length) {
            head = pendingHead(store, queue, Math.max(free, READ_AHEAD));
            this.heads.set(queue, head);
            if (head.length === 0) break;
          }
          const row = claimTask(store, head.shift()!, owner, at);
          if (row) {
            out.push(row);
            free--;
          }
        }
        return out;
      });
    } catch (err) {
      this.heads.delete(queue); // the claims were rolled back: the cached head no longer matches the database
      throw err;
    }
  }

  /** Starts a worker for each claimed task. */
  launch(rows: readonly TaskRow[]): void {
    for (const row of rows) {
      const entry = { row } as Running;
      this.running.set(row.id, entry);
      entry.done = this.run(entry);
    }
  }

  countRunning(queue?: string): number {
    if (queue === undefined) return this.running.size;
    let n = 0;
    for (const r of this.running.values()) if (r.row.queue === queue) n++;
    return n;
  }

  /** Stops a local worker (its process tree) and finishes its task as cancelled. False if not running here. */
  async cancel(taskId: string): Promise<boolean> {
    const entry = this.running.get(taskId);
    if (!entry) return false;
    entry.stop ??= "cancel";
    if (entry.session) await this.core.sessions.close(entry.session.handle);
    await entry.done;
    return true;
  }

  /** Stops every local worker; their tasks fail as interrupted (producers are told). */
  async stopAll(): Promise<void> {
    const entries = [...this.running.values()];
    for (const e of entries) e.stop ??= "shutdown";
    await Promise.all(entries.map(async (e) => {
      if (e.session) await this.core.sessions.close(e.session.handle);
      await e.done;
    }));
  }

  private async run(entry: Running): Promise<void> {
    const { row } = entry;
    const { config, store } = this.core;
    const agent = config.queues[row.queue]!.agent;
    const isolated = isolatedQueue(config, row.queue);
    let outcome: TaskOutcome;
    let session: Session | undefined;
    try {
      // The claim recorded the worker's session id; the session closes itself (in the same write) once idle, unless
      // it works in a worktree: then its leftovers are committed first, and the close applies the keep policy.
      session = await this.core.sessions.spawn(agent, {
        id: workerSessionId(row.id), prompt: row.payload, spawnedBy: `queue:${row.queue}`, closeWhenIdle: !isolated,
        ...worktreeSpawnOptions(config, row.queue),
      });
      entry.session = session;
      row.worker_handle = session.handle;
      if (isolated) await recordTaskWorktree(store, row, session.handle, "start");
      this.core.onStarted(row);
      if (entry.stop) await this.core.sessions.close(session.handle);
      const last = await session.whenIdle();
      // Work that could not be committed stays in the kept worktree; the task fails saying so.
      const kept = isolated
        ? await recordTaskWorktree(store, row, session.handle, entry.stop ? "stopped" : "end").then(() => undefined, (err: unknown) => `the worker's changes could not be committed in its worktree: ${errorMessage(err)}`)
        : undefined;
      await this.core.sessions.close(session.handle);
      outcome = this.outcomeOf(entry, session, (last?.ok ?? false) && !kept, kept ?? last?.error);
    } catch (err) {
      // Already failing: the task records the first error; a failing close is only logged.
      if (session) await this.core.sessions.close(session.handle).catch(logIgnored(`closing worker ${session.handle}`));
      outcome = this.stopped(entry, session) ?? {
        status: "failed", result: null, error: `the worker could not start: ${errorMessage(err)}`, at: this.core.now(),
      };
    }
    const f = finalizeTask(this.core.store, row, "running", outcome, this.core.owner);
    this.running.delete(row.id);
    if (f) this.core.onFinished(f);
    this.core.onSlotFree(row.queue);
  }

  private outcomeOf(entry: Running, s: Session, ok: boolean, error: string | undefined): TaskOutcome {
    const stopped = this.stopped(entry, s);
    if (stopped) return stopped;
    const usage = { costUsd: s.totals.costUsd, inputTokens: s.totals.input, outputTokens: s.totals.output, workerHandle: s.handle };
    if (ok) return { status: "done", result: s.lastText, error: null, at: this.core.now(), ...usage };
    return { status: "failed", result: s.lastText || null, error: withStderr(error ?? "the worker's turn failed", s.driver.stderrTail()), at: this.core.now(), ...usage };
  }

  private stopped(entry: Running, s: Session | undefined): TaskOutcome | undefined {
    if (!entry.stop) return undefined;
    const usage = s ? { costUsd: s.totals.costUsd, inputTokens: s.totals.input, outputTokens: s.totals.output } : {};
    return { status: entry.stop === "cancel" ? "cancelled" : "failed", result: s?.lastText || null, error: entry.stop === "cancel" ? CANCELLED : INTERRUPTED, at: this.core.now(), ...usage };
  }
}

/** Appends the CLI's stderr tail to an error, unless the error already quotes it. */
export function withStderr(error: string, tail: string): string {
  const t = tail.trim();
  if (!t || error.includes(t)) return error;
  return `${error}\n--- stderr (tail) ---\n${t}`;
}
