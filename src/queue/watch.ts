// The cross-process watch: a slow timer (default 1 s) that asks SQLite whether another connection committed
// (`PRAGMA data_version`, a cheap read) and only then lets the queue manager look for new work, cancel requests and
// inbox messages. Every few ticks it also asks for a dead-owner sweep. The timer keeps the process alive only while
// someone waits on it (a drain, a waitFor) or in `aegis work`; otherwise it is unref'd. Each tick also checks that
// the database path still names the file opened: if it was deleted or replaced, the watch stops and reports it.

import type { Store } from "../store/store.ts";

/** Sweep for dead owners every this many ticks. */
const SWEEP_EVERY = 5;

export class Watch {
  private timer: ReturnType<typeof setInterval> | undefined;
  private lastVersion = 0;
  private ticks = 0;
  private held = false;
  private keepAlive = false;

  constructor(
    private readonly pollMs: number,
    private readonly store: Store,
    private readonly onTick: (changed: boolean, sweep: boolean) => void,
    /** The database is gone or replaced (E_STATE): the watch has stopped. */
    private readonly onFail: (err: Error) => void,
  ) {}

  start(keepAlive: boolean): void {
    this.keepAlive = keepAlive;
    if (this.pollMs <= 0 || this.timer !== undefined) return;
    this.lastVersion = this.store.dataVersion();
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
      this.store.checkFile();
    } catch (err) {
      this.stop();
      this.onFail(err as Error);
      return;
    }
    const v = this.store.dataVersion();
    const changed = v !== this.lastVersion;
    this.lastVersion = v;
    this.onTick(changed, ++this.ticks % SWEEP_EVERY === 0);
  }

  private updateRef(): void {
    if (this.timer === undefined) return;
    if (this.held || this.keepAlive) this.timer.ref();
    else this.timer.unref();
  }
}
