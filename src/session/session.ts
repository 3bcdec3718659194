// One live agent session: a driver (one CLI process, or the in-process Scripted agent), a state machine
// (starting → ready → working → ready | error, and closed), an inbox, and turn chaining: a message to an idle session
// starts a turn at once; messages arriving while it works are batched into one turn at the next boundary. Every
// event is appended to the transcript (buffered, written per turn boundary or every `flushMs`), usage and cost are
// summed. It writes through the async store contract (`Db`, #15): transcript rows and state changes are buffered
// writes; a turn's end marks its inbox rows delivered and writes the session's totals.
// It must not pick handles or resolve agent profiles (SessionManager does) nor know about queues.

import { ZERO_USAGE, type AgentEvent, type DriverSession } from "../drivers/driver.ts";
import { AegisError, errorMessage } from "../util/errors.ts";
import type { Db } from "../store/api.ts";
import type { PendingEvent } from "../store/events.ts";
import type { SessionState, SessionTotals } from "../store/sessions.ts";
import { logIgnored } from "../util/log-ignored.ts";
import { logger } from "../ui/log.ts";
import { renderBatch, type Delivery, type InboxMessage } from "./sender.ts";
import { MessageTracker, runTurn, type TurnOutcome } from "./turn.ts";

/** A message waiting in a session's inbox; `rowId` is its persisted inbox row, if it has one. */
export interface QueuedMessage extends InboxMessage {
  rowId?: number;
  /** Settles once its inbox row is written (and `rowId` set); the turn carrying it waits for that. */
  persisted?: Promise<unknown>;
  /** Set when the session closed before carrying it: whoever writes its row must not count it as held here. */
  dropped?: boolean;
  headerless?: boolean;
  waiter?: { resolve: (text: string) => void; reject: (err: Error) => void };
}

export interface SessionHooks {
  onEvent(session: Session, ev: AgentEvent): void;
  onState(session: Session, state: SessionState): void;
  /** Inbox rows this session no longer holds in memory (delivered, or dropped from memory at close). */
  onRowsDone(ids: readonly number[]): void;
  /**
   * Each transcript row as it is buffered, before it is written, with its position among the session's rows
   * (0, 1, 2, …: the order the transcript table will hold them in), so a watcher can merge it with the rows it
   * reads from the store without duplicates (#14). Called only while `wantsRows()` says someone listens.
   */
  onRow?(session: Session, row: LiveRow): void;
  wantsRows?(): boolean;
}

/** A transcript row on its way to the store: its position in the session's transcript, and the event. */
export interface LiveRow extends PendingEvent {
  ordinal: number;
}

export interface SessionInit {
  db: Db;
  id: string;
  handle: string;
  agent: string;
  spawnedBy?: string;
  driver: DriverSession;
  flushMs?: number;
  hooks: SessionHooks;
  /** The state the session's row was inserted with (`working` when spawned with an opening turn). */
  rowState?: SessionState;
  /** Close the session as soon as it is idle (queue workers): the closing is written with the turn's end. */
  closeWhenIdle?: boolean;
}

export class Session {
  readonly id: string;
  readonly handle: string;
  readonly agent: string;
  readonly spawnedBy: string | undefined;
  readonly driver: DriverSession;
  private readonly db: Db;
  private readonly hooks: SessionHooks;
  private readonly flushMs: number;
  private _state: SessionState = "ready";
  private inbox: QueuedMessage[] = [];
  private looping = false;
  private turn = 0;
  private buffer: PendingEvent[] = [];
  /**
   * Transcript rows this object buffered so far. It is the only writer of its session's transcript (a session id is
   * new at each spawn), so the n-th row it buffers is the n-th row stored: its ordinal.
   */
  private rowSeq = 0;
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private idleWaiters: ((o: TurnOutcome | undefined) => void)[] = [];
  private lastOutcome: TurnOutcome | undefined;
  private tracker = new MessageTracker();
  private providerSessionId: string | undefined;
  /** The provider's session id is known here but not written yet (a session that closes once idle; see record()). */
  private processUnrecorded = false;
  /** What the row says the state is, so a state already recorded costs no write. */
  private rowState: SessionState;
  private readonly closeWhenIdle: boolean;
  /** The closed state is already in the row (written with the last turn's end). */
  private closeRecorded = false;
  /** The driver is in a turn (its send started); an interrupt before that is kept for the turn about to start. */
  private turnLive = false;
  private interruptAsked = false;
  readonly totals: SessionTotals = { turns: 0, input: 0, output: 0, cacheRead: 0, cacheWrite: 0, costUsd: 0 };

  constructor(init: SessionInit) {
    this.id = init.id;
    this.handle = init.handle;
    this.agent = init.agent;
    this.spawnedBy = init.spawnedBy;
    this.driver = init.driver;
    this.db = init.db;
    this.hooks = init.hooks;
    this.flushMs = init.flushMs ?? 200;
    this.rowState = init.rowState ?? "ready";
    this.closeWhenIdle = init.closeWhenIdle ?? false;
    this.providerSessionId = init.driver.providerSessionId;
  }

  get state(): SessionState {
    return this._state;
  }
  /** Messages waiting for the next turn boundary. */
  get depth(): number {
    return this.inbox.length;
  }
  get pid(): number | undefined {
    return this.driver.pid;
  }
  /** The agent's last assistant message: of the running turn if it wrote one yet, else of the last finished turn. */
  get lastText(): string {
    return this.tracker.text || this.lastOutcome?.text || "";
  }
  get last(): TurnOutcome | undefined {
    return this.lastOutcome;
  }

  /** Puts a message in the inbox: it starts a turn now if the session is idle, else waits for the boundary. */
  deliver(m: QueuedMessage): Delivery {
    if (this._state === "closed") throw new AegisError("E_STATE", `session ${this.handle} is closed`, { data: { handle: this.handle } });
    this.inbox.push(m);
    if (!this.looping) {
      void this.loop();
      return { disposition: "landed", depth: 0 };
    }
    return { disposition: "queued", depth: this.inbox.length };
  }

  /** Resolves when the session has no turn running and nothing waiting, with the last turn's outcome. */
  whenIdle(): Promise<TurnOutcome | undefined> {
    if (!this.looping || this._state === "closed") return Promise.resolve(this.lastOutcome);
    return new Promise((r) => this.idleWaiters.push(r));
  }

  async interrupt(): Promise<void> {
    if (!this.looping) return;
    if (this.turnLive) await this.driver.interrupt();
    else this.interruptAsked = true; // the turn is still writing its inbox rows: it is interrupted as it starts
  }

  /** Ends the driver (and its process tree). Waiting senders are rejected; undelivered inbox rows stay for later. */
  async close(): Promise<void> {
    if (this._state === "closed") return;
    this.setState("closed", false);
    const dropped = this.inbox.splice(0);
    for (const m of dropped) m.dropped = true;
    for (const m of dropped) m.waiter?.reject(new AegisError("E_CANCELLED", `session ${this.handle} was closed before the message was read`));
    this.hooks.onRowsDone(dropped.flatMap((m) => (m.rowId === undefined ? [] : [m.rowId])));
    try {
      await this.driver.close();
    } finally {
      this.flush(true);
      if (this.processUnrecorded && !this.closeRecorded) {
        this.processUnrecorded = false;
        this.db.sessions.setSessionProcess(this.id, this.providerSessionId ?? null, this.driver.pid ?? null);
      }
      if (!this.closeRecorded) await this.db.sessions.closeSessionRow(this.id, Date.now());
      for (const w of this.idleWaiters.splice(0)) w(this.lastOutcome);
    }
  }

  private async loop(): Promise<void> {
    this.looping = true;
    try {
      while (this.inbox.length > 0 && this._state !== "closed") {
        const batch = this.inbox.splice(0);
        // A turn that could not run (its inbox rows could not be committed) is a failed turn with that error: waiters
        // and whenIdle() learn why, instead of the session's loop dying with it.
        const outcome = await this.runOne(batch).catch((err: unknown) => failedTurn(`the turn could not run: ${errorMessage(err)}`));
        this.lastOutcome = outcome;
        for (const m of batch) {
          if (!m.waiter) continue;
          if (outcome.ok) m.waiter.resolve(outcome.text);
          else m.waiter.reject(turnError(this.handle, outcome));
        }
      }
    } finally {
      this.looping = false;
      this.interruptAsked = false;
      if (this.closeWhenIdle && this._state !== "closed") await this.close().catch(logIgnored(`closing ${this.handle} once idle`));
      for (const w of this.idleWaiters.splice(0)) w(this.lastOutcome);
    }
  }

  private async runOne(batch: QueuedMessage[]): Promise<TurnOutcome> {
    const text = renderBatch(batch);
    const turn = ++this.turn;
    this.tracker = new MessageTracker();
    this.push({ turn, at: Date.now(), event: { type: "prompt", text } });
    this.setState("working", true);
    // Persisted before delivery: the inbox rows this turn carries are committed before the agent reads them.
    const persisted = batch.flatMap((m) => (m.persisted ? [m.persisted] : []));
    if (persisted.length) await Promise.allSettled(persisted); // a failed write was reported to its sender
    if (batch.some((m) => m.rowId !== undefined)) await this.db.flush();
    const running = runTurn(this.driver, text, { onEvent: (ev) => this.record(turn, ev) }); // the driver's send starts here
    this.turnLive = true;
    if (this.interruptAsked) {
      this.interruptAsked = false;
      void this.driver.interrupt().catch(logIgnored(`interrupting ${this.handle} on request`));
    }
    let outcome: TurnOutcome;
    try {
      outcome = await running;
    } finally {
      this.turnLive = false;
    }
    const t = this.totals;
    t.turns++;
    t.input += outcome.usage.input;
    t.output += outcome.usage.output;
    t.cacheRead += outcome.usage.cacheRead;
    t.cacheWrite += outcome.usage.cacheWrite;
    t.costUsd += outcome.costUsd;
    const ids = batch.flatMap((m) => (m.rowId === undefined ? [] : [m.rowId]));
    const next: SessionState = this._state === "closed" ? "closed" : outcome.ok ? "ready" : "error";
    // With more messages waiting, the next turn starts at once: the session stays `working` throughout.
    const chained = next !== "closed" && this.inbox.length > 0;
    this.closeRecorded = this.closeWhenIdle && !chained && next !== "closed";
    // The turn's last transcript rows ride the turn-end write (one commit), unless inbox rows are marked delivered
    // first: those are marked only once the transcript carrying them is written, as before.
    const tail = next !== "closed" && ids.length === 0 ? this.takeBuffer() : (this.flush(true), []);
    const state = this.closeRecorded ? "closed" : chained ? "working" : next;
    if (next !== "closed") this.rowState = state;
    const proc = {
      ...(this.driver.pid !== undefined ? { pid: this.driver.pid } : {}),
      ...(this.providerSessionId !== undefined ? { providerSessionId: this.providerSessionId } : {}),
    };
    const closedAt = this.closeRecorded ? Date.now() : null;
    // Marked at the turn's end, not its start: a crash mid-turn leaves the message to be delivered again. Not one
    // db.tx: on SQLite both ride this tick's write batch anyway, and on PostgreSQL a crash between the two leaves only
    // the totals a turn behind; a transaction here cost ~10 % of the transcript path's CPU (bench/session-events.ts).
    // The turn happened whatever becomes of these writes (the database may be locked by a paused process past the
    // busy timeout, #15): its outcome stands for the waiters and the queue. A row left a turn behind is reported; the
    // closing is written again by close(), and undelivered rows stay held here (a restart delivers them again).
    try {
      if (ids.length) await this.db.inbox.markDelivered(ids, this.id, Date.now());
      if (ids.length) this.hooks.onRowsDone(ids);
      if (next !== "closed") {
        await this.db.sessions.updateSession(this.id, state, t, outcome.text || null, closedAt, proc, tail);
        this.processUnrecorded = false;
      }
    } catch (err) {
      // Nothing of that write landed: the rows are written on their own (a buffered write, reported if it fails too).
      if (tail.length) this.db.events.appendEvents(this.id, tail);
      this.closeRecorded = false;
      if (next !== "closed") this.rowState = "working";
      logger().warn(`could not record the end of ${this.handle}'s turn ${turn} (its outcome stands): ${errorMessage(err)}`);
    }
    if (!chained && next !== "closed") this.setState(next, false);
    return outcome;
  }

  private record(turn: number, ev: AgentEvent): void {
    this.push({ turn, at: Date.now(), event: ev });
    this.tracker.see(ev);
    if (ev.type === "init" && ev.providerSessionId && ev.providerSessionId !== this.providerSessionId) {
      this.providerSessionId = ev.providerSessionId;
      // Recorded at once for a session that may be resumed after a crash. A session that closes once idle (a queue
      // worker: its task fails as interrupted if its process dies, nothing resumes it) records it with its turn's
      // end or its close instead: one statement less per task on PostgreSQL (#15).
      if (this.closeWhenIdle) this.processUnrecorded = true;
      else this.db.sessions.setSessionProcess(this.id, ev.providerSessionId, this.driver.pid ?? null);
    }
    this.hooks.onEvent(this, ev);
    if (this.flushTimer === undefined && ev.type !== "turn_end") {
      this.flushTimer = setTimeout(() => this.flush(), this.flushMs);
    }
  }

  /** Hands buffered transcript events to the store (a buffered write); `final` at a turn's end (totals follow). */
  flush(final = false): void {
    const events = this.takeBuffer();
    if (events.length === 0) return;
    this.db.events.appendEvents(this.id, events);
    // Keeps the last message current mid-turn, so a crash or a cancel can still report it.
    if (!final && this.tracker.text && this._state === "working") this.db.sessions.setSessionLastText(this.id, this.tracker.text);
  }

  /** The transcript rows not handed to the store yet (the flush timer is stopped: the caller writes them). */
  private takeBuffer(): PendingEvent[] {
    if (this.flushTimer !== undefined) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
    const events = this.buffer;
    this.buffer = [];
    return events;
  }

  /** Buffers a transcript row and tells a watcher about it. */
  private push(row: PendingEvent): void {
    this.buffer.push(row);
    const ordinal = this.rowSeq++;
    // Not counted from the store: on PostgreSQL a count races this object's own buffered inserts (#15), and a
    // watcher given a wrong ordinal shows a row twice.
    if (this.hooks.onRow && this.hooks.wantsRows?.()) this.hooks.onRow(this, { ...row, ordinal });
  }

  private setState(state: SessionState, persist: boolean): void {
    if (this._state === state) return;
    this._state = state;
    // Buffered events are left for the turn's end (or the flush timer): one state change, one statement.
    if (persist && this.rowState !== state) {
      this.rowState = state;
      this.db.sessions.setSessionState(this.id, state);
    }
    this.hooks.onState(this, state);
  }
}

/** The outcome of a turn that failed before its driver ran. */
function failedTurn(error: string): TurnOutcome {
  return { ok: false, text: "", error, stopReason: "error", usage: { ...ZERO_USAGE }, costUsd: 0, durationMs: 0 };
}

function turnError(handle: string, o: TurnOutcome): AegisError {
  const data = { handle, stopReason: o.stopReason, lastText: o.text };
  if (o.stopReason === "cancelled" || o.stopReason === "interrupted") {
    return new AegisError("E_CANCELLED", `the turn of ${handle} was interrupted`, { data });
  }
  if (o.stopReason === "timeout") return new AegisError("E_TIMEOUT", `${handle}: ${o.error ?? "turn timed out"}`, { data });
  return new AegisError("E_AGENT_EXIT", `${handle}: ${o.error ?? "the turn failed"}`, { data });
}
