// QueueManager: named queues with FIFO dispatch, maxParallel, producer callbacks, cancel, idempotency, budgets and
// restart recovery, all state in the store. Dispatch runs on enqueue and on completion; a slow watch tick (default
// 1 s, a no-op unless another process committed to the database) picks up work, cancel requests and inbox messages
// from other aegis processes. It must not talk to drivers directly (sessions do) nor render anything.

import type { ResolvedQueue } from "../config/schema.ts";
import type { LoadedConfig } from "../config/validate.ts";
import { didYouMean } from "../config/validate.ts";
import { Emitter } from "../session/emitter.ts";
import { logIgnored } from "../util/log-ignored.ts";
import type { SessionManager } from "../session/manager.ts";
import type { SenderTag } from "../session/sender.ts";
import type { Store } from "../store/store.ts";
import { cancelRequestedFor, findByIdempotencyKey, queueCounts, getTask, insertTask, listTasks, pendingPosition, TERMINAL, type TaskRow, type TaskStatus } from "../store/tasks.ts";
import { AegisError, notFound } from "../util/errors.ts";
import { newId } from "../util/ids.ts";
import { checkBudgets, evaluateBudgets, type BudgetState } from "./budgets.ts";
import { cancelTask, type CancelResult } from "./cancel.ts";
import { Dispatcher } from "./dispatcher.ts";
import type { Finished } from "./finalize.ts";
import { recoverDeadOwners } from "./recovery.ts";
import { toTask, type QueueEvent, type Task } from "./task.ts";
import { Watch } from "./watch.ts";

export interface QueueManagerOptions {
  config: LoadedConfig;
  store: Store;
  sessions: SessionManager;
  /** This process's owner id (store/owners.ts): claims are recorded under it. */
  owner: string;
  /** Which queues this manager runs workers for; default all configured queues. */
  queues?: readonly string[];
  /** How often to look for other processes' changes; 0 disables. Default 1000 ms. */
  pollMs?: number;
  /** Keep the process alive while started (for `aegis work`). */
  keepAlive?: boolean;
  /** At most this many workers per queue in this process; the queue's maxParallel caps all processes together. */
  localParallel?: number;
  /** The clock, for budget windows; default Date.now. */
  now?: () => number;
}

export interface EnqueueOptions {
  /** The producer's sender tag; default `user`. */
  enqueuedBy?: SenderTag | string;
  /** Deliver the result to the producer's inbox when the task ends. */
  callback?: boolean;
  /** An enqueue with a key that already exists in this queue returns the existing task. */
  idempotencyKey?: string;
}

export interface Enqueued {
  taskId: string;
  /** 1-based place among the queue's pending tasks; 0 if it started at once (or has already ended). */
  position: number;
  /** True if the idempotency key matched an existing task. */
  existing?: boolean;
}

export class QueueManager {
  readonly dispatcher: Dispatcher;
  private readonly emitter = new Emitter<QueueEvent>();
  private readonly waiters = new Map<string, { resolve: (t: Task) => void; reject: (e: Error) => void }[]>();
  private readonly drainers: { queues: readonly string[]; resolve: () => void; reject: (e: Error) => void }[] = [];
  private readonly servers: ((e: Error) => void)[] = [];
  /** Why this manager cannot go on (its state database was removed or replaced), once it is so. */
  private failure: Error | undefined;
  private readonly watch: Watch;
  private readonly now: () => number;
  private started = false;
  private closed = false;
  /** Set by stopTaking(): running workers finish, nothing new is claimed here (serve's shutdown grace). */
  private taking = true;
  /** The queues served; undefined means all configured queues. A private copy: serveQueue() adds to it. */
  private readonly servedList: string[] | undefined;

  constructor(private readonly opts: QueueManagerOptions) {
    this.now = opts.now ?? Date.now;
    this.servedList = opts.queues ? [...opts.queues] : undefined;
    this.dispatcher = new Dispatcher({
      config: opts.config, store: opts.store, sessions: opts.sessions, owner: opts.owner, now: this.now,
      ...(opts.localParallel !== undefined ? { localParallel: opts.localParallel } : {}),
      onStarted: (row) => this.emitter.active && this.emitter.emit({ type: "started", task: toTask(row) }),
      onFinished: (f) => this.finished(f),
      onSlotFree: (queue) => {
        this.dispatch(queue);
        this.checkDrained();
      },
    });
    this.watch = new Watch(opts.pollMs ?? 1000, opts.store, (changed, sweep) => this.tick(changed, sweep), (err) => this.fail(err));
  }

  get store(): Store {
    return this.opts.store;
  }

  /** Subscribes to enqueued / started / finished events. */
  on(listener: (e: QueueEvent) => void): () => void {
    return this.emitter.on(listener);
  }

  /** The queues this manager runs workers for. */
  get served(): string[] {
    return this.servedList ? [...this.servedList] : Object.keys(this.opts.config.queues);
  }

  /**
   * Adds `queue` to the queues this manager runs workers for and, once started, dispatches its pending tasks at once.
   * No-op when it is already served (or every queue is). E_NOT_FOUND for an unknown queue.
   */
  serveQueue(queue: string): void {
    this.queue(queue);
    if (!this.servedList || this.servedList.includes(queue)) return;
    this.servedList.push(queue);
    this.dispatch(queue);
  }

  enqueue(queue: string, payload: string, o: EnqueueOptions = {}): Enqueued {
    const q = this.queue(queue);
    if (typeof payload !== "string" || payload.trim() === "") throw new AegisError("E_USAGE", `the payload for queue "${queue}" is empty`);
    const store = this.store;
    let claimed: TaskRow[] = [];
    const result = store.batch((): Enqueued & { row: TaskRow } => {
      if (o.idempotencyKey !== undefined) {
        const existing = findByIdempotencyKey(store, queue, o.idempotencyKey);
        if (existing) return { taskId: existing.id, position: pendingPosition(store, existing), existing: true, row: existing };
      }
      const at = this.now();
      checkBudgets(store, q, at);
      const row: TaskRow = {
        seq: 0, id: newId("task"), queue, payload, enqueued_by: o.enqueuedBy ?? "user", callback: o.callback ? 1 : 0,
        idempotency_key: o.idempotencyKey ?? null, status: "pending", owner: null, worker_handle: null, worker_session: null,
        cancel_requested: 0, result: null, error: null, enqueued_at: at, started_at: null, finished_at: null,
        cost_usd: 0, input_tokens: 0, output_tokens: 0,
      };
      row.seq = insertTask(store, { id: row.id, queue, payload, enqueuedBy: row.enqueued_by, callback: !!o.callback, at, ...(o.idempotencyKey !== undefined ? { idempotencyKey: o.idempotencyKey } : {}) });
      if (this.serves(queue)) claimed = this.dispatcher.claim(queue);
      const started = claimed.some((c) => c.id === row.id);
      // The new task is the newest pending one: its position is the queue's pending count.
      return { taskId: row.id, position: started ? 0 : queueCounts(store, queue).pending, row };
    });
    this.dispatcher.launch(claimed);
    if (!result.existing && this.emitter.active) this.emitter.emit({ type: "enqueued", task: toTask(result.row), position: result.position });
    return { taskId: result.taskId, position: result.position, ...(result.existing ? { existing: true } : {}) };
  }

  /** The task, with its place in the queue while pending; null if there is no such task. */
  status(taskId: string): (Task & { position: number }) | null {
    const row = getTask(this.store, taskId);
    return row ? { ...toTask(row), position: pendingPosition(this.store, row) } : null;
  }

  list(f: { queue?: string; status?: TaskStatus; limit?: number } = {}): Task[] {
    return listTasks(this.store, f).map(toTask);
  }

  budgets(queue: string): BudgetState[] {
    return evaluateBudgets(this.store, this.queue(queue), this.now());
  }

  /** Cancels a task: a pending one is dropped, a running one has its worker's process tree stopped. */
  cancel(taskId: string, o: { waitMs?: number } = {}): Promise<CancelResult> {
    return cancelTask({ store: this.store, dispatcher: this.dispatcher, owner: this.opts.owner, now: this.now, finished: (f) => this.freed([f]), waitFor: (id, ms) => this.waitFor(id, { timeoutMs: ms }) }, taskId, o.waitMs ?? 10_000);
  }

  /** Resolves with the task once it is done, failed or cancelled (wherever it runs). */
  waitFor(taskId: string, o: { timeoutMs?: number } = {}): Promise<Task> {
    const row = getTask(this.store, taskId);
    if (!row) return Promise.reject(new AegisError("E_NOT_FOUND", `no task ${taskId}`, { data: { taskId } }));
    if (TERMINAL.has(row.status)) return Promise.resolve(toTask(row));
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<Task>((resolve, reject) => {
      const list = this.waiters.get(taskId) ?? [];
      let timer: ReturnType<typeof setTimeout> | undefined;
      const w = {
        resolve: (t: Task) => (clearTimeout(timer), resolve(t)),
        reject: (e: Error) => (clearTimeout(timer), reject(e)),
      };
      if (o.timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.waiters.set(taskId, (this.waiters.get(taskId) ?? []).filter((x) => x !== w));
          reject(new AegisError("E_TIMEOUT", `task ${taskId} did not finish within ${o.timeoutMs} ms`, { data: { taskId } }));
        }, o.timeoutMs);
      }
      list.push(w);
      this.waiters.set(taskId, list);
      // The task may run in another process: watch the database even if this manager dispatches nothing.
      if (!this.closed) this.watch.start(this.opts.keepAlive ?? false);
      this.watch.hold(true);
    });
  }

  /** Recovers tasks of dead processes, dispatches what is pending, and starts watching for other processes. */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    this.recover();
    for (const q of this.served) this.dispatch(q);
    this.watch.start(this.opts.keepAlive ?? false);
  }

  /** Runs workers until the served queues (or `queues`) have nothing pending and nothing running here. */
  drain(queues: readonly string[] = this.served): Promise<void> {
    this.start();
    for (const q of queues) this.queue(q);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<void>((resolve, reject) => {
      this.drainers.push({ queues, resolve, reject });
      this.watch.hold(true);
      this.checkDrained();
    });
  }

  /**
   * Runs workers until the manager cannot go on: never resolves; rejects with E_STATE if the state database is
   * removed or replaced (noticed by the watch), or E_CANCELLED when the manager is closed. For `aegis work`.
   */
  serve(): Promise<never> {
    this.start();
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<never>((_, reject) => {
      this.servers.push(reject);
    });
  }

  /** Resolves when no worker runs in this process. */
  async idle(): Promise<void> {
    while (this.dispatcher.running.size > 0) await Promise.all([...this.dispatcher.running.values()].map((r) => r.done));
  }

  /** Claims no new task in this process from now on; workers already running go on (see close()). */
  stopTaking(): void {
    this.taking = false;
  }

  /** Stops watching and stops local workers: their tasks fail as interrupted and producers are told. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.watch.stop();
    await this.dispatcher.stopAll();
    this.rejectAll(new AegisError("E_CANCELLED", "the queue manager was closed"));
  }

  /** The watch found the database removed or replaced: every drain, wait and serve fails with that error. */
  private fail(err: Error): void {
    this.failure ??= err;
    this.rejectAll(err);
  }

  private rejectAll(err: Error): void {
    for (const d of this.drainers.splice(0)) d.reject(err);
    for (const s of this.servers.splice(0)) s(err);
    for (const list of this.waiters.values()) for (const w of list) w.reject(err);
    this.waiters.clear();
  }

  private queue(name: string): ResolvedQueue {
    const q = this.opts.config.queues[name];
    if (q) return q;
    const names = Object.keys(this.opts.config.queues);
    throw notFound("queue", name, names, didYouMean(name, names),
      names.length ? undefined : "declare queues in .aegis.ts: queues: { review: { agent: \"...\", maxParallel: 2 } }");
  }

  private serves(queue: string): boolean {
    return this.started && !this.closed && this.taking && (this.servedList === undefined || this.servedList.includes(queue));
  }

  private dispatch(queue: string): void {
    if (this.serves(queue)) this.dispatcher.launch(this.dispatcher.claim(queue));
  }

  private finished(f: Finished): void {
    if (f.callback) this.opts.sessions.deliverRow(f.callback);
    const list = this.waiters.get(f.row.id);
    if (!list && !this.emitter.active) return; // nobody to tell: skip building the public shape
    const task = toTask(f.row);
    if (this.emitter.active) this.emitter.emit({ type: "finished", task });
    if (list) {
      this.waiters.delete(task.taskId);
      for (const w of list) w.resolve(task);
      this.releaseWatch();
    }
  }

  private recover(): void {
    this.freed(recoverDeadOwners(this.store, this.opts.owner, this.now()));
  }

  /**
   * Tasks this process finished on behalf of another (a dead owner's, recovered or cancelled): their slots are free
   * now. This process's own commits never show in `PRAGMA data_version`, so nothing else would dispatch the queues.
   */
  private freed(list: readonly Finished[]): void {
    if (list.length === 0) return;
    for (const f of list) this.finished(f);
    for (const q of new Set(list.map((f) => f.row.queue))) this.dispatch(q);
    this.checkDrained();
  }

  /** The watch tick: runs only when another process committed (plus a dead-owner check every few ticks). */
  private tick(changed: boolean, sweep: boolean): void {
    if (this.closed) return;
    if (sweep) this.recover();
    if (changed) {
      for (const q of this.served) this.dispatch(q);
      for (const id of cancelRequestedFor(this.store, this.opts.owner)) {
        void this.dispatcher.cancel(id).catch(logIgnored(`cancelling ${id} on request`));
      }
      void this.opts.sessions.collectInbox().catch(logIgnored("collecting inbox messages for the sessions live here"));
      for (const id of [...this.waiters.keys()]) {
        const row = getTask(this.store, id);
        if (row && TERMINAL.has(row.status)) this.finished({ row });
      }
    }
    this.checkDrained();
  }

  private checkDrained(): void {
    if (this.drainers.length === 0) return;
    for (const d of [...this.drainers]) {
      const busy = d.queues.some((q) => this.dispatcher.countRunning(q) > 0 || queueCounts(this.store, q).pending > 0);
      if (busy) continue;
      this.drainers.splice(this.drainers.indexOf(d), 1);
      d.resolve();
    }
    this.releaseWatch();
  }

  private releaseWatch(): void {
    if (this.drainers.length === 0 && this.waiters.size === 0) this.watch.hold(false);
  }
}
