// One ACP turn in flight: the queue of events the session's `send()` stream yields and exactly one `turn_end` at the
// end (turn-end.ts). The idle timeout is the session's TurnWatchdog: a turn starts and ends it, events touch it.
// This file owns no process, no timer and speaks no protocol: the session feeds it.

import type { AgentEvent } from "../driver.ts";
import { turnEnd, type TurnEndFields } from "../turn-end.ts";
import type { TurnWatchdog } from "../turn-watchdog.ts";

export class Turn {
  readonly startedAt = performance.now();
  /** Aborted when the turn is interrupted or times out: pending permission questions stop waiting. */
  readonly cancel = new LazyAbort();
  /** Resolves once the turn has its turn_end (whether or not anyone read it). */
  readonly finished: Promise<void>;
  private markFinished!: () => void;
  private readonly queue: AgentEvent[] = [];
  private wake?: () => void;
  private ended = false;

  constructor(private readonly watchdog: TurnWatchdog) {
    this.finished = new Promise((resolve) => { this.markFinished = resolve; });
    watchdog.begin();
  }

  /** Set once the idle timeout fired during this turn. */
  get idleFired(): boolean {
    return this.watchdog.timedOut;
  }

  get isOver(): boolean {
    return this.ended;
  }

  get interrupted(): boolean {
    return this.cancel.aborted;
  }

  push(...events: AgentEvent[]): void {
    this.pushAll(events);
  }

  /** push() for an array already built (no spread on the per-update path). */
  pushAll(events: readonly AgentEvent[]): void {
    if (this.ended || events.length === 0) return;
    for (const e of events) this.queue.push(e);
    this.watchdog.touch();
    this.wake?.();
  }

  /** Ends the turn with its one `turn_end`; later calls are ignored. */
  end(t: TurnEndFields): void {
    if (this.ended) return;
    this.queue.push(turnEnd(this.startedAt, t));
    this.ended = true;
    this.watchdog.end();
    this.markFinished();
    this.wake?.();
  }

  /** Yields the turn's events; the last one is the `turn_end`. */
  async *events(): AsyncGenerator<AgentEvent> {
    for (;;) {
      const next = this.queue.shift();
      if (next) {
        yield next;
        if (next.type === "turn_end") return;
        continue;
      }
      await new Promise<void>((resolve) => { this.wake = resolve; });
      this.wake = undefined;
    }
  }

  /** Runs `fn` with the idle clock stopped (a human may take longer than the idle timeout to answer). */
  paused<T>(fn: () => Promise<T>): Promise<T> {
    return this.watchdog.paused(fn);
  }

  /** Any sign of life from the agent. */
  touch(): void {
    if (!this.ended) this.watchdog.touch();
  }
}

/**
 * An AbortController made only when someone needs its signal (a permission question waiting on a human): most turns
 * are never interrupted and ask nothing, and a controller per turn costs more than the rest of the turn's bookkeeping.
 */
export class LazyAbort {
  private ac?: AbortController;
  aborted = false;

  get signal(): AbortSignal {
    if (!this.ac) {
      this.ac = new AbortController();
      if (this.aborted) this.ac.abort();
    }
    return this.ac.signal;
  }

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.ac?.abort();
  }
}
