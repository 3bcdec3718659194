// QueueManager: named queues with FIFO dispatch, maxParallel, producer callbacks, cancel, idempotency, budgets and
// restart recovery, all state in the store (SQLite or PostgreSQL, through the async contract). Dispatch runs on
// enqueue, on completion, and when another process's commit touches the tasks (a NOTIFY on PostgreSQL, the WAL watch
// on SQLite: within milliseconds), behind a slow safety poll; a periodic sweep recovers dead workers' tasks. A worker
// that serves queues holds a lease it renews (heartbeat); if it loses it, its workers stop without writing and it
// takes a new lease (#15). It must not talk to drivers directly (sessions do) nor render anything.

import type { ResolvedQueue } from "../config/schema.ts";
import type { LoadedConfig } from "../config/validate.ts";
import { didYouMean } from "../config/validate.ts";
import { Emitter } from "../session/emitter.ts";
import { logIgnored } from "../util/log-ignored.ts";
import type { SessionManager } from "../session/manager.ts";
import type { SenderTag } from "../session/sender.ts";
import type { Db } from "../store/api.ts";
import type { Store } from "../store/store.ts";
import { TERMINAL, type TaskRow, type TaskStatus } from "../store/tasks.ts";
import { AegisError, notFound } from "../util/errors.ts";
import { newId } from "../util/ids.ts";
import { writeErr } from "../ui/log.ts";
import { checkBudgets, queueBudgets, type BudgetState } from "./budgets.ts";
import { cancelTask, type CancelResult } from "./cancel.ts";
import { Dispatcher } from "./dispatcher.ts";
import type { Finished } from "./finalize.ts";
import { recoverDeadOwners } from "./recovery.ts";
import { toTask, type QueueEvent, type Task } from "./task.ts";
import { databaseGone, Watch } from "./watch.ts";
import { DEFAULT_LEASE_MS } from "../config/schema.ts";

/** How often at most a worker asks the database for cancel requests from other processes (see cancelCheckDue). */
const CANCEL_CHECK_MS = 50;

export interface QueueManagerOptions {
  config: LoadedConfig;
  /** The synchronous SQLite store, when the state is there: its file is checked on every watch tick. */
  store?: Store;
  db: Db;
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
  /** At most this many workers in this process over all its queues (`aegis work --concurrency`). */
  concurrency?: number;
  /** This worker's host labels (`aegis work --host-label`), matched against a queue's `hosts`. */
  hostLabels?: readonly string[];
  /** The lease a serving worker holds; default config.store.leaseMs. */
  leaseMs?: number;
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
  /** The state the queues live in (the runtime's). */
  readonly db: Db;
  private started = false;
  private closed = false;
  /** Set by stopTaking(): running workers finish, nothing new is claimed here (serve's shutdown grace). */
  private taking = true;
  /** The queues served; undefined means all configured queues. A private copy: serveQueue() adds to it. */
  private readonly servedList: string[] | undefined;
  /** Queues with a claim in flight, and those changed meanwhile (claimed again when it ends). */
  private readonly dispatching = new Map<string, Promise<void>>();
  private readonly dispatchAgain = new Set<string>();
  /** Enqueue's own claims in flight (dispatch()'s are in `dispatching`): close() waits for them (#15). */
  private readonly enqueueClaims = new Set<Promise<unknown>>();
  private unsubscribe: (() => void)[] = [];
  /** Set while this worker holds a lease (it serves queues); the heartbeat renews it. */
  private lease: { timer: ReturnType<typeof setInterval>; beating: boolean } | undefined;
  private rescanning: Promise<void> | undefined;
  private lastCancelCheck = -Infinity;
  private cancelCheckTimer: ReturnType<typeof setTimeout> | undefined;
  private rescanAgain = false;
  private drainCheck: Promise<void> | undefined;
  private drainAgain = false;
  private starting: Promise<void> | undefined;
  private recovering: Promise<void> | undefined;

  constructor(private readonly opts: QueueManagerOptions) {
    this.now = opts.now ?? Date.now;
    this.db = opts.db;
    this.servedList = opts.queues ? [...opts.queues] : undefined;
    this.dispatcher = new Dispatcher({
      config: opts.config, db: opts.db, sessions: opts.sessions, owner: opts.owner, now: this.now,
      ...(opts.localParallel !== undefined ? { localParallel: opts.localParallel } : {}),
      ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
      ...(opts.hostLabels !== undefined ? { hostLabels: opts.hostLabels } : {}),
      leased: () => this.lease !== undefined,
      onStarted: (row) => this.emitter.active && this.emitter.emit({ type: "started", task: toTask(row) }),
      onFinished: (f) => this.finished(f),
      onSlotFree: (queue) => {
        this.dispatch(queue);
        this.checkDrained();
      },
    });
    this.watch = new Watch(opts.pollMs ?? 1000, opts.store, (sweep) => this.tick(sweep), (err) => this.fail(err));
  }

  get store(): Store | undefined {
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

  /** This worker's owner id (the one its claims record). */
  get owner(): string {
    return this.opts.owner;
  }

  /** Whether this manager holds a worker lease (it renews it itself; the runtime's plain heartbeat then stands aside). */
  get leased(): boolean {
    return this.lease !== undefined;
  }

  /**
   * Adds `queue` to the queues this manager runs workers for and, once started, dispatches its pending tasks at once.
   * No-op when it is already served (or every queue is). E_NOT_FOUND for an unknown queue.
   */
  serveQueue(queue: string): void {
    this.queue(queue);
    if (!this.servedList || this.servedList.includes(queue)) return;
    this.servedList.push(queue);
    if (this.started) this.takeLease();
    this.dispatch(queue);
  }

  async enqueue(queue: string, payload: string, o: EnqueueOptions = {}): Promise<Enqueued> {
    const q = this.queue(queue);
    if (typeof payload !== "string" || payload.trim() === "") throw new AegisError("E_USAGE", `the payload for queue "${queue}" is empty`);
    // No transaction: the insert is one statement, and the unique key makes a racing twin fail (then it is read back).
    const t = this.db;
    const result = await (async (): Promise<Enqueued & { row: TaskRow }> => {
      if (o.idempotencyKey !== undefined) {
        const existing = await t.tasks.findByIdempotencyKey(queue, o.idempotencyKey);
        if (existing) return { taskId: existing.id, position: await t.tasks.pendingPosition(existing), existing: true, row: existing };
      }
      const at = this.now();
      await checkBudgets(t, q, at);
      const row: TaskRow = {
        seq: 0, id: newId("task"), queue, payload, enqueued_by: o.enqueuedBy ?? "user", callback: o.callback ? 1 : 0,
        idempotency_key: o.idempotencyKey ?? null, status: "pending", owner: null, worker_handle: null, worker_session: null,
        cancel_requested: 0, result: null, error: null, enqueued_at: at, started_at: null, finished_at: null,
        cost_usd: 0, input_tokens: 0, output_tokens: 0,
      };
      try {
        row.seq = await t.tasks.insertTask({ id: row.id, queue, payload, enqueuedBy: row.enqueued_by, callback: !!o.callback, at, ...(o.idempotencyKey !== undefined ? { idempotencyKey: o.idempotencyKey } : {}) });
      } catch (err) {
        const twin = o.idempotencyKey === undefined ? null : await t.tasks.findByIdempotencyKey(queue, o.idempotencyKey);
        if (!twin) throw err;
        return { taskId: twin.id, position: await t.tasks.pendingPosition(twin), existing: true, row: twin };
      }
      // The new task is the newest pending one: its position is the queue's pending count.
      return { taskId: row.id, position: (await t.tasks.queueCounts(queue)).pending, row };
    })();
    if (!result.existing && this.serves(queue)) {
      const claiming = this.dispatcher.claim(queue).then((rows) => this.dispatcher.launch(rows));
      this.enqueueClaims.add(claiming);
      await claiming.finally(() => this.enqueueClaims.delete(claiming));
      // A dispatch woken by the insert's own notification may have claimed it first (PostgreSQL delivers it while
      // this claim runs): once that settles, the task is either running here or still pending where it was counted.
      if (!this.dispatcher.running.has(result.taskId)) await this.dispatching.get(queue);
      if (this.dispatcher.running.has(result.taskId)) result.position = 0;
    }
    if (!result.existing && this.emitter.active) this.emitter.emit({ type: "enqueued", task: toTask(result.row), position: result.position });
    return { taskId: result.taskId, position: result.position, ...(result.existing ? { existing: true } : {}) };
  }

  /** The task, with its place in the queue while pending; null if there is no such task. */
  async status(taskId: string): Promise<(Task & { position: number }) | null> {
    const row = await this.db.tasks.getTask(taskId);
    return row ? { ...toTask(row), position: await this.db.tasks.pendingPosition(row) } : null;
  }

  async list(f: { queue?: string; status?: TaskStatus; limit?: number } = {}): Promise<Task[]> {
    return (await this.db.tasks.listTasks(f)).map(toTask);
  }

  budgets(queue: string): Promise<BudgetState[]> {
    return queueBudgets(this.db, this.queue(queue), this.now());
  }

  /** Cancels a task: a pending one is dropped, a running one has its worker's process tree stopped. */
  cancel(taskId: string, o: { waitMs?: number } = {}): Promise<CancelResult> {
    return cancelTask({ db: this.db, dispatcher: this.dispatcher, owner: () => this.opts.owner, now: this.now, finished: (f) => this.freed([f]), waitFor: (id, ms) => this.waitFor(id, { timeoutMs: ms }) }, taskId, o.waitMs ?? 10_000);
  }

  /** Resolves with the task once it is done, failed or cancelled (wherever it runs). */
  async waitFor(taskId: string, o: { timeoutMs?: number } = {}): Promise<Task> {
    const row = await this.db.tasks.getTask(taskId);
    if (!row) throw new AegisError("E_NOT_FOUND", `no task ${taskId}`, { data: { taskId } });
    if (TERMINAL.has(row.status)) return toTask(row);
    if (this.failure) throw this.failure;
    return await new Promise<Task>((resolve, reject) => {
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
      // The task may run in another process: listen for changes even if this manager dispatches nothing.
      this.listen();
      this.watch.hold(true);
      // It may have ended between the read above and the subscription.
      this.rescan();
    });
  }

  /**
   * Recovers tasks of dead processes, dispatches what is pending, and starts listening for other processes. Resolves
   * once the first recovery is done and the first claims are made (callers may ignore it).
   */
  start(): Promise<void> {
    if (this.started || this.closed) return this.starting ?? Promise.resolve();
    this.started = true;
    this.takeLease();
    this.listen();
    this.starting = this.recover().then(async () => {
      for (const q of this.served) this.dispatch(q);
      await this.settled();
    });
    return this.starting;
  }

  /** Resolves when no claim is in flight here (the claims under way have launched their workers). */
  private async settled(): Promise<void> {
    while (this.dispatching.size > 0) await Promise.all(this.dispatching.values());
  }

  /** Runs workers until the served queues (or `queues`) have nothing pending and nothing running here. */
  drain(queues: readonly string[] = this.served): Promise<void> {
    void this.start();
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
    void this.start();
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<never>((_, reject) => {
      this.servers.push(reject);
    });
  }

  /** Resolves when no worker runs in this process. */
  async idle(): Promise<void> {
    while (this.dispatcher.running.size > 0 || this.dispatching.size > 0) {
      await this.settled();
      await Promise.all([...this.dispatcher.running.values()].map((r) => r.done));
    }
  }

  /** Claims no new task in this process from now on; workers already running go on (see close()). */
  stopTaking(): void {
    this.taking = false;
  }

  /** Stops listening and stops local workers: their tasks fail as interrupted and producers are told. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.watch.stop();
    for (const off of this.unsubscribe.splice(0)) off();
    if (this.lease) clearInterval(this.lease.timer);
    clearTimeout(this.cancelCheckTimer);
    // A claim still in flight commits its tasks as running here: let it launch them, so they are stopped below and
    // end as interrupted instead of staying running under this owner (#15).
    await this.settled();
    await Promise.allSettled([...this.enqueueClaims]);
    await this.dispatcher.stopAll();
    this.lease = undefined;
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
    return this.started && !this.closed && this.taking && !this.failure && (this.servedList === undefined || this.servedList.includes(queue));
  }

  /** Claims and launches what `queue` may start; one claim per queue at a time, repeated if something changed meanwhile. */
  private dispatch(queue: string): void {
    if (!this.serves(queue)) return;
    if (this.dispatching.has(queue)) {
      this.dispatchAgain.add(queue);
      return;
    }
    this.dispatching.set(queue, (async () => {
      try {
        do {
          this.dispatchAgain.delete(queue);
          this.dispatcher.launch(await this.dispatcher.claim(queue));
        } while (this.dispatchAgain.has(queue) && this.serves(queue));
      } catch (err) {
        if (!this.closed) logIgnored(`claiming tasks of queue ${queue} (the next change or the safety poll tries again)`)(err);
      }
    })().finally(() => {
      this.dispatching.delete(queue);
      // A change that arrived after the loop's last check (this runs a microtask later) still gets its claim.
      if (this.dispatchAgain.has(queue)) this.dispatch(queue);
      this.checkDrained();
    }));
  }

  /** Subscribes to other processes' changes: tasks (new work, freed slots, cancel requests, ends) and workers. */
  private listen(): void {
    if (this.unsubscribe.length || this.closed) return;
    // On SQLite every write of this process, a claim's too, is announced to its own subscribers as "*": the echo of a
    // claim is ignored, or each claim would wake the next one forever. (Another process's commit landing in that
    // instant is picked up by the safety poll.)
    const changed = () => {
      if (this.dispatcher.claiming > 0 && this.db.backend === "sqlite") return;
      this.rescan();
    };
    this.unsubscribe.push(this.db.subscribe("tasks", changed), this.db.subscribe("workers", changed));
    this.watch.start(this.opts.keepAlive ?? false);
  }

  private get leaseMs(): number {
    return this.opts.leaseMs ?? this.opts.config.store?.leaseMs ?? DEFAULT_LEASE_MS;
  }

  /** Takes this worker's lease when it serves queues (so the fleet can tell it is alive), and keeps it renewed. */
  private takeLease(): void {
    if (this.lease || this.closed || this.served.length === 0) return;
    const leaseMs = this.leaseMs;
    // The queues listed by `aegis workers`: those it serves and may run (a queue's hosts against its labels).
    const queues = () => this.served.filter((q) => this.dispatcher.mayServe(q));
    const info = { labels: [...(this.opts.hostLabels ?? [])], queues: queues(), concurrency: this.opts.concurrency ?? 0, leaseMs };
    const lease = { timer: setInterval(() => void beat(), Math.max(50, Math.floor(leaseMs / 3))), beating: false };
    lease.timer.unref();
    this.lease = lease;
    const beat = async () => {
      if (lease.beating || this.closed) return;
      lease.beating = true;
      try {
        if (await this.db.owners.heartbeatOwner(this.opts.owner)) return;
        // Lost: another process recovered this worker's tasks (it was paused or cut off past its lease). Its workers
        // stop without writing (their finishes would be refused anyway), and it takes a new lease to go on.
        writeErr(`aegis: this worker's lease expired (${this.opts.owner}, paused or cut off too long): its tasks were recovered elsewhere; its workers stop without writing, and it takes a new lease and goes on\n`);
        await this.dispatcher.stopAll("lost");
        await this.db.owners.leaseOwner(this.opts.owner, { ...info, queues: queues() });
        for (const q of this.served) this.dispatch(q);
      } catch (err) {
        logIgnored("renewing this worker's lease (the next heartbeat tries again)")(err);
      } finally {
        lease.beating = false;
      }
    };
    void this.db.owners.leaseOwner(this.opts.owner, info).catch(logIgnored("taking this worker's lease"));
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

  /** One sweep at a time: a sweep held up by a lock must not pile up more of them (each would hold a connection). */
  private recover(): Promise<void> {
    this.recovering ??= (async () => {
      try {
        this.freed(await recoverDeadOwners(this.db, this.opts.owner, this.now(), { lockTimeoutMs: this.leaseMs }));
      } catch (err) {
        if (this.closed) return;
        const gone = databaseGone(err, this.db.location);
        if (!gone) return logIgnored("recovering the tasks of dead workers (the next sweep tries again)")(err);
        this.watch.stop();
        this.fail(gone);
      }
    })().finally(() => (this.recovering = undefined));
    return this.recovering;
  }

  /**
   * Tasks this process finished on behalf of another (a dead owner's, recovered or cancelled): their slots are free
   * now, and this process's own commits do not wake it, so it dispatches the queues itself.
   */
  private freed(list: readonly Finished[]): void {
    if (list.length === 0) return;
    for (const f of list) this.finished(f);
    for (const q of new Set(list.map((f) => f.row.queue))) this.dispatch(q);
    this.checkDrained();
  }

  /** The watch tick (slow): a dead-worker sweep every few ticks. Changes arrive by subscription (rescan). */
  private tick(sweep: boolean): void {
    if (this.closed) return;
    if (sweep) void this.recover();
    this.checkDrained();
  }

  /**
   * Whether a rescan should look for cancel requests now: only with workers here (or claims in flight), and at most
   * once per CANCEL_CHECK_MS: with many workers every finish anywhere in the fleet wakes every process, and one query
   * each time would cost more than the finishes themselves (#15). A request skipped here is looked for by a rescan
   * scheduled at the end of the interval, so a cancel from another process takes effect within it.
   */
  private cancelCheckDue(): boolean {
    if (this.dispatcher.running.size === 0 && this.dispatcher.claiming === 0) return false;
    const wait = this.lastCancelCheck + CANCEL_CHECK_MS - performance.now();
    if (wait <= 0) {
      this.lastCancelCheck = performance.now();
      return true;
    }
    if (!this.cancelCheckTimer) {
      this.cancelCheckTimer = setTimeout(() => {
        this.cancelCheckTimer = undefined;
        this.rescan();
      }, Math.ceil(wait));
      this.cancelCheckTimer.unref();
    }
    return false;
  }

  /** Another process changed tasks or workers: dispatch, honour cancel requests, settle waits. Coalesced. */
  private rescan(): void {
    if (this.closed) return;
    if (this.rescanning) {
      this.rescanAgain = true;
      return;
    }
    // The flag is cleared in finally (always a later microtask), never inside the body: a body that finishes without
    // awaiting would clear it before the assignment sets it.
    this.rescanning = (async () => {
      do {
        this.rescanAgain = false;
        for (const q of this.served) this.dispatch(q);
        try {
          if (this.started && this.cancelCheckDue()) {
            for (const id of await this.db.tasks.cancelRequestedFor(this.opts.owner)) {
              void this.dispatcher.cancel(id).catch(logIgnored(`cancelling ${id} on request`));
            }
          }
          for (const id of [...this.waiters.keys()]) {
            // A task whose worker runs here is reported by the worker's own finish, after its callback is delivered.
            if (this.dispatcher.running.has(id)) continue;
            const row = await this.db.tasks.getTask(id);
            if (row && TERMINAL.has(row.status)) this.finished({ row });
          }
        } catch (err) {
          if (!this.closed) logIgnored("reading other processes' task changes (the safety poll tries again)")(err);
        }
      } while (this.rescanAgain && !this.closed);
    })().finally(() => {
      this.rescanning = undefined;
      if (this.rescanAgain) this.rescan();
      this.checkDrained();
    });
  }

  /** Resolves the drains whose queues have nothing pending and nothing running (or being claimed) here. Coalesced. */
  private checkDrained(): void {
    if (this.drainers.length === 0) return this.releaseWatch();
    if (this.drainCheck) {
      this.drainAgain = true;
      return;
    }
    this.drainCheck = (async () => {
      do {
        this.drainAgain = false;
        for (const d of [...this.drainers]) {
          let busy = false;
          for (const q of d.queues) {
            if (this.dispatcher.countRunning(q) > 0 || this.dispatching.has(q)) busy = true;
            else if ((await this.db.tasks.queueCounts(q).catch((err: unknown) => {
              logIgnored(`reading queue ${q}'s counts for a drain (the next change or poll looks again)`)(err);
              return { pending: 1 };
            })).pending > 0) busy = true;
            if (busy) break;
          }
          if (busy || !this.drainers.includes(d)) continue;
          this.drainers.splice(this.drainers.indexOf(d), 1);
          d.resolve();
        }
      } while (this.drainAgain);
    })().finally(() => {
      this.drainCheck = undefined;
      if (this.drainAgain) this.checkDrained();
      else this.releaseWatch();
    });
  }

  private releaseWatch(): void {
    if (this.drainers.length === 0 && this.waiters.size === 0) this.watch.hold(false);
  }
}
