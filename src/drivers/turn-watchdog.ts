// The one owner of a turn's idle timeout, for every driver: a turn with no sign of life from the agent for `idleMs`
// is interrupted (`onIdle`: the driver asks its CLI to stop), and a turn still running `graceMs` after any interrupt
// (idle or asked for) is forced (`onForce`: the driver kills the process, whose death ends the turn). The clock
// stops while a permission question waits on a human. Nothing above the driver runs a timer of its own.
// Cheap on the hot path: `touch()` only stores a timestamp; one timer per session, re-armed (not re-created) per turn
// and unref'd between turns. It owns no process and builds no event: the driver does both (turn-end.ts).

export const DEFAULT_IDLE_TIMEOUT_MS = 600_000;

export interface WatchdogOptions {
  /** StartOptions.idleTimeoutMs, or DEFAULT_IDLE_TIMEOUT_MS. */
  idleMs: number;
  /** How long an interrupted turn may take to end before `onForce`; capped at `idleMs`. */
  graceMs: number;
  /** The turn was silent for `idleMs`: ask the CLI to stop it. `timedOut` is already true. */
  onIdle(): void;
  /** An interrupted turn did not end within the grace: stop the process. */
  onForce(): void;
}

const OFF = 0, WATCHING = 1, INTERRUPTING = 2, FORCED = 3;

export class TurnWatchdog {
  readonly idleMs: number;
  private readonly graceMs: number;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerMs = -1;
  private stage = OFF;
  private lastActivity = 0;
  private asking = 0;
  private generation = 0;
  /** Set when the idle timeout fired during the current turn. */
  timedOut = false;

  constructor(private readonly o: WatchdogOptions) {
    this.idleMs = o.idleMs;
    this.graceMs = Math.min(o.graceMs, o.idleMs);
  }

  /** A turn starts: the idle clock runs from now. */
  begin(): void {
    this.stage = WATCHING;
    this.timedOut = false;
    this.asking = 0;
    this.generation++;
    this.lastActivity = performance.now();
    this.arm(this.idleMs);
  }

  /** Any sign of life from the agent during the turn. */
  touch(): void {
    this.lastActivity = performance.now();
  }

  /** True once the turn was interrupted (idle or asked) and is waiting to end. */
  get interrupting(): boolean {
    return this.stage === INTERRUPTING || this.stage === FORCED;
  }

  /** The driver asked its CLI to stop the turn: it must end within the grace, or `onForce` runs. Idempotent. */
  escalate(): void {
    if (this.stage !== WATCHING) return;
    this.stage = INTERRUPTING;
    this.arm(this.graceMs);
  }

  /** The turn has ended: no more callbacks for it. */
  end(): void {
    this.stage = OFF;
    // Left pending but unref'd: it fires once into OFF and does nothing, and keeps no finished process alive.
    this.timer?.unref?.();
  }

  /** The session is gone. */
  close(): void {
    this.stage = OFF;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Runs `fn` (a human answering a permission question) with the idle clock stopped. */
  async paused<T>(fn: () => Promise<T>): Promise<T> {
    const gen = this.generation;
    this.asking++;
    try {
      return await fn();
    } finally {
      if (gen === this.generation) {
        this.asking--;
        this.lastActivity = performance.now();
      }
    }
  }

  private arm(ms: number): void {
    const delay = Math.max(1, ms);
    if (this.timer && this.timerMs === delay) {
      this.timer.ref?.();
      this.timer.refresh();
      return;
    }
    clearTimeout(this.timer);
    this.timerMs = delay;
    this.timer = setTimeout(this.fire, delay);
  }

  private readonly fire = (): void => {
    if (this.stage === WATCHING) {
      const idle = performance.now() - this.lastActivity;
      if (this.asking > 0) return this.arm(this.idleMs);
      if (idle < this.idleMs) return this.arm(this.idleMs - idle);
      this.timedOut = true;
      this.escalate();
      this.o.onIdle();
    } else if (this.stage === INTERRUPTING) {
      this.stage = FORCED;
      this.o.onForce();
    }
  };
}
