// The dispatcher: claims a queue's oldest pending tasks up to maxParallel (counted across every process and machine
// sharing the database, in one claim transaction), runs each in a fresh worker session whose first turn is the
// payload, and finishes it with the worker's final assistant text or its error (plus the CLI's stderr tail), fenced
// by the claim's token. A worker's own limits apply on top: `concurrency` over all its queues, `localParallel` per
// queue, and a queue's `hosts` against the worker's host labels. It also stops its own workers for cancel, shutdown
// and a lost lease. It must not decide when to dispatch (QueueManager calls it on enqueue, completion and changes).

import type { LoadedConfig } from "../config/validate.ts";
import { logIgnored } from "../util/log-ignored.ts";
import type { SessionManager } from "../session/manager.ts";
import type { Session } from "../session/session.ts";
import type { Db } from "../store/api.ts";
import { hostName } from "../store/owners.ts";
import { workerSessionId, type TaskOutcome, type TaskRow } from "../store/tasks.ts";
import { FinishBatch, type Finished } from "./finalize.ts";
import { isolatedQueue, recordTaskWorktree, worktreeSpawnOptions } from "./task-worktree.ts";
import { CANCELLED, INTERRUPTED } from "./task.ts";
import { errorMessage } from "../util/errors.ts";

interface Running {
  row: TaskRow;
  session?: Session;
  /** Why the worker is being stopped early, if it is ("lost": the lease was lost, nothing is written). */
  stop?: "cancel" | "shutdown" | "lost";
  done: Promise<void>;
}

export interface DispatcherCore {
  config: LoadedConfig;
  db: Db;
  sessions: SessionManager;
  /** This process's owner id (it may be re-leased under the same id after a lost lease). */
  owner: string;
  now: () => number;
  /** At most this many workers per queue in this process (the queue's maxParallel still caps all processes). */
  localParallel?: number;
  /** At most this many workers in this process over all its queues (`aegis work --concurrency`). */
  concurrency?: number;
  /** This worker's host labels (`aegis work --host-label`): a queue with `hosts` is served only if one matches. */
  hostLabels?: readonly string[];
  /** Claims require this owner's live lease (a fleet worker); false for a process without one. */
  leased: () => boolean;
  onStarted(row: TaskRow): void;
  onFinished(f: Finished): void;
  /** Called after a local worker is gone (finished or not), so the caller can dispatch again. */
  onSlotFree(queue: string): void;
}

export class Dispatcher {
  readonly running = new Map<string, Running>();
  /** Slots promised to claims in flight, per queue: concurrent claims never take more than the local limits allow. */
  private readonly reserved = new Map<string, number>();
  private reservedTotal = 0;
  /**
   * Queues refused a claim only by `concurrency` (another queue's claim in flight held it, or the worker was full):
   * claimed again once some of it is free, since nothing in the database changes to wake them (#15).
   */
  private readonly starved = new Set<string>();
  private wakeScheduled = false;
  /** Claims in flight: on SQLite a claim's own commit is announced to this process's subscribers (see QueueManager). */
  claiming = 0;
  /** The commit this turn's claims wait for (see committed()). */
  private commit: Promise<void> | undefined;
  private readonly host = hostName();
  /** Finishes of one event-loop turn share one write (see FinishBatch). */
  private readonly finishes: FinishBatch;

  constructor(private readonly core: DispatcherCore) {
    this.finishes = new FinishBatch(core.db);
  }

  /** Whether this worker may serve `queue` at all (its `hosts` against this worker's labels). */
  mayServe(queue: string): boolean {
    const hosts = this.core.config.queues[queue]?.hosts;
    if (!hosts) return true;
    const labels = this.core.hostLabels ?? [];
    return hosts.some((h) => labels.includes(h));
  }

  /** Claims what the queue may start now here, in one claim transaction (see launch() for when it is durable). */
  async claim(queue: string): Promise<TaskRow[]> {
    const q = this.core.config.queues[queue];
    if (!q || !this.mayServe(queue)) return [];
    const reserved = this.reserved.get(queue) ?? 0;
    // A worker still finishing here counts until its finish is acknowledged (on PostgreSQL the slot is free in the
    // database a round trip earlier): this process never has more than maxParallel workers of a queue (#15).
    const own = Math.min(this.core.localParallel ?? Infinity, q.maxParallel) - this.countRunning(queue) - reserved;
    const shared = (this.core.concurrency ?? Infinity) - this.running.size - this.reservedTotal;
    const limit = Math.min(own, shared);
    if (limit <= 0) {
      if (own > 0) this.starved.add(queue);
      return [];
    }
    this.starved.delete(queue);
    const take = Math.min(limit, q.maxParallel);
    this.reserved.set(queue, reserved + take);
    this.reservedTotal += take;
    this.claiming++;
    let claimed = 0;
    try {
      const rows = await this.core.db.tasks.claimTasks(queue, q.maxParallel, this.core.owner, this.core.now(), take,
        { leased: this.core.leased(), host: this.host });
      claimed = rows.length;
      return rows;
    } finally {
      this.claiming--;
      this.reserved.set(queue, (this.reserved.get(queue) ?? take) - take);
      this.reservedTotal -= take;
      if (claimed < take) this.wakeStarved();
    }
  }

  /**
   * Re-dispatches the starved queues once part of `concurrency` is free: at once when a local worker is gone, else
   * (a claim took less than it reserved) after the caller's launch of what that claim returned (a macrotask, after
   * the microtasks that launch it), so the free count it sees is exact.
   */
  private wakeStarved(now = false): void {
    if (this.starved.size === 0) return;
    if (now) {
      const queues = [...this.starved];
      this.starved.clear();
      for (const q of queues) this.core.onSlotFree(q);
      return;
    }
    if (this.wakeScheduled) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      this.wakeStarved(true);
    });
  }

  /** A local worker is gone: the queues starved of this worker's concurrency claim first, then its own queue. */
  private slotFree(queue: string): void {
    this.starved.delete(queue);
    this.wakeStarved(true);
    this.core.onSlotFree(queue);
  }

  /**
   * Takes each claimed task as running here at once (cancel, shutdown and drains see it) and starts its worker once
   * the claim is durable: a claim lost with its batch (SIGKILL before the commit) would leave the task pending while
   * its work had begun, and another worker would run it again.
   */
  launch(rows: readonly TaskRow[]): void {
    if (rows.length === 0) return;
    const durable = this.committed();
    for (const row of rows) {
      const entry = { row } as Running;
      this.running.set(row.id, entry);
      entry.done = this.run(entry, durable);
    }
  }

  /**
   * Group commit: the claims of one event-loop turn share one commit at the turn's end (where a SQLite store commits
   * its batch anyway) instead of committing one by one. Any commit not yet under way covers every claim made so far;
   * a claim made once it is under way waits for the next one.
   */
  private committed(): Promise<void> {
    // On PostgreSQL a claim is one statement, committed before claimTasks resolves: there is nothing to wait for.
    if (this.core.db.backend === "postgres") return Promise.resolve();
    return (this.commit ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      this.commit = undefined;
      return this.core.db.flush();
    }));
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

  /**
   * Stops every local worker; their tasks fail as interrupted (producers are told). With "lost" (the lease was lost
   * and the tasks recovered elsewhere) the workers are stopped and nothing is written for them.
   */
  async stopAll(why: "shutdown" | "lost" = "shutdown"): Promise<void> {
    const entries = [...this.running.values()];
    for (const e of entries) e.stop ??= why;
    await Promise.all(entries.map(async (e) => {
      if (e.session) await this.core.sessions.close(e.session.handle);
      await e.done;
    }));
  }

  private async run(entry: Running, durable: Promise<void>): Promise<void> {
    const { row } = entry;
    const { config, db } = this.core;
    try {
      await durable;
    } catch (err) {
      // The claim was rolled back with its batch: the task is pending again, for the next claim (here or elsewhere).
      logIgnored(`committing the claim of task ${row.id} (it stays pending; the next claim takes it)`)(err);
      this.running.delete(row.id);
      this.slotFree(row.queue);
      return;
    }
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
      if (isolated) await recordTaskWorktree(db, row, session.handle, "start");
      this.core.onStarted(row);
      if (entry.stop) await this.core.sessions.close(session.handle);
      const last = await session.whenIdle();
      // Work that could not be committed stays in the kept worktree; the task fails saying so.
      const kept = isolated
        ? await recordTaskWorktree(db, row, session.handle, entry.stop ? "stopped" : "end").then(() => undefined, (err: unknown) => `the worker's changes could not be committed in its worktree: ${errorMessage(err)}`)
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
    // Fenced: if this worker lost its lease and the task was recovered elsewhere, nothing is written.
    const f = entry.stop === "lost"
      ? null
      : await this.finishes.finish(row, { from: "running", owner: this.core.owner, ...(row.fence !== undefined ? { fence: row.fence } : {}) }, outcome)
        .catch((err: unknown) => {
          logIgnored(`finishing task ${row.id} (it stays running until a recovery ends it)`)(err);
          return null;
        });
    this.running.delete(row.id);
    if (f) this.core.onFinished(f);
    this.slotFree(row.queue);
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
