// One ACP turn in flight: the queue of events the session's `send()` stream yields, exactly one `turn_end` at the end,
// and the idle watchdog (no event for `idleTimeoutMs` → `onIdle`). The watchdog pauses while a permission question
// waits on a human. This file owns no process and speaks no protocol: the session feeds it.

import type { AgentEvent, TurnEnd, Usage } from "../driver.ts";
import { ZERO_USAGE } from "../driver.ts";

export interface TurnOptions {
  idleTimeoutMs: number;
  onIdle: () => void;
}

export class Turn {
  readonly startedAt = performance.now();
  /** Aborted when the turn is interrupted or times out: pending permission questions stop waiting. */
  readonly cancel = new AbortController();
  /** Set once the idle watchdog fired. */
  idleFired = false;
  /** Resolves once the turn has its turn_end (whether or not anyone read it). */
  readonly finished: Promise<void>;
  private markFinished!: () => void;
  private readonly queue: AgentEvent[] = [];
  private wake?: () => void;
  private ended = false;
  private timer?: ReturnType<typeof setTimeout>;
  private pauseDepth = 0;

  constructor(private readonly opts: TurnOptions) {
    this.finished = new Promise((resolve) => { this.markFinished = resolve; });
    this.touch();
  }

  get isOver(): boolean {
    return this.ended;
  }

  get interrupted(): boolean {
    return this.cancel.signal.aborted;
  }

  push(...events: AgentEvent[]): void {
    if (this.ended || events.length === 0) return;
    this.queue.push(...events);
    this.touch();
    this.wake?.();
  }

  /** Ends the turn with its one `turn_end`; later calls are ignored. */
  end(t: { stopReason: string; isError: boolean; error?: string; usage?: Usage; costUsd?: number }): void {
    if (this.ended) return;
    const turnEnd: TurnEnd = {
      type: "turn_end",
      stopReason: t.stopReason,
      isError: t.isError,
      ...(t.error !== undefined ? { error: t.error } : {}),
      durationMs: Math.round(performance.now() - this.startedAt),
      usage: t.usage ?? { ...ZERO_USAGE },
      ...(t.costUsd !== undefined ? { costUsd: t.costUsd } : {}),
    };
    this.queue.push(turnEnd);
    this.ended = true;
    clearTimeout(this.timer);
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

  /** Runs `fn` with the watchdog paused (a human may take longer than the idle timeout to answer). */
  async paused<T>(fn: () => Promise<T>): Promise<T> {
    this.pauseDepth++;
    clearTimeout(this.timer);
    try {
      return await fn();
    } finally {
      this.pauseDepth--;
      this.touch();
    }
  }

  /** Restarts the idle timer (any sign of life from the agent). */
  touch(): void {
    if (this.ended || this.pauseDepth > 0 || this.idleFired) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.idleFired = true;
      this.opts.onIdle();
    }, this.opts.idleTimeoutMs);
  }

  /** Stops the timers without ending the turn (used when the session takes over, e.g. after an interrupt). */
  stopWatchdog(): void {
    clearTimeout(this.timer);
  }
}
