// The queue's slow clock: a timer (default 1 s) that checks the SQLite state file is still the one opened (if it was
// deleted or replaced, the watch stops and reports it) and every few ticks asks for a dead-worker sweep. Changes by
// other processes do not wait for it: they arrive by subscription (Db.subscribe: NOTIFY on PostgreSQL, the WAL watch
// on SQLite). The timer keeps the process alive only while someone waits on it (a drain, a waitFor) or in
// `aegis work`; otherwise it is unref'd.

import type { Store } from "../store/store.ts";

/** Sweep for dead owners every this many ticks. */
const SWEEP_EVERY = 5;

export class Watch {
  private timer: ReturnType<typeof setInterval> | undefined;
  private ticks = 0;
  private held = false;
  private keepAlive = false;

  constructor(
    private readonly pollMs: number,
    /** The SQLite store whose file is checked; undefined on PostgreSQL. */
    private readonly store: Store | undefined,
    private readonly onTick: (sweep: boolean) => void,
    /** The database is gone or replaced (E_STATE): the watch has stopped. */
    private readonly onFail: (err: Error) => void,
  ) {}

  start(keepAlive: boolean): void {
    this.keepAlive ||= keepAlive;
    if (this.pollMs <= 0 || this.timer !== undefined) return this.updateRef();
    this.timer = setInterval(() => this.tick(), this.pollMs);
    this.updateRef();
  }

  /** While held, the timer keeps the process alive. */
  hold(on: boolean): void {
    this.held = on;
    this.updateRef();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    try {
      this.store?.checkFile();
    } catch (err) {
      this.stop();
      this.onFail(err as Error);
      return;
    }
    this.onTick(++this.ticks % SWEEP_EVERY === 0);
  }

  private updateRef(): void {
    if (this.timer === undefined) return;
    if (this.held || this.keepAlive) this.timer.ref();
    else this.timer.unref();
  }
}
