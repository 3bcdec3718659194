// The queue's slow clock: a timer (default 1 s) that checks the SQLite state file is still the one opened (if it was
// deleted or replaced, the watch stops and reports it) and every few ticks asks for a dead-worker sweep. Changes by
// other processes do not wait for it: they arrive by subscription (Db.subscribe: NOTIFY on PostgreSQL, the WAL watch
// on SQLite). The timer keeps the process alive only while someone waits on it (a drain, a waitFor) or in
// `aegis work`; otherwise it is unref'd. On PostgreSQL there is no file: a database dropped under a running aegis is
// noticed by the sweep's failing query (databaseGone) and reported the same way (#15).

import type { Store } from "../store/store.ts";
import { AegisError, errorMessage } from "../util/errors.ts";

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

/**
 * The E_STATE error for a query that failed because the PostgreSQL database no longer exists (SQLSTATE 3D000: dropped,
 * or renamed, while aegis was running), like a removed SQLite file; undefined for any other failure (a server restart
 * or a lost connection is retried, not fatal).
 */
export function databaseGone(err: unknown, location: string): AegisError | undefined {
  const e = err as { errno?: unknown; code?: unknown } | null;
  if (String(e?.errno) !== "3D000" && String(e?.code) !== "3D000") return undefined;
  return new AegisError("E_STATE", `the state database ${location} was dropped while aegis was running (${errorMessage(err)})`, {
    data: { location },
    hint: "work done here since then is lost; restart aegis once the database exists again",
    cause: err,
  });
}
