// The waits family on the async store contract (#15), derived from src/store/waits.ts by the rule in
// PG-DESIGN.md §2.1: each `fn(store, ...args): R` there is `fn(...args): Promise<R>` here, same name; buffered writes
// return void. The SQLite backend implements it over the synchronous functions, the PostgreSQL backend over Bun.sql.
// Types only.

import type { SignalRow, ParkRow } from "../waits.ts";

export interface WaitsApi {
  /** The wake time recorded for step `seq`, recording `wakeAt` first if there is none. Committed before it returns. */
  recordTimer(runId: string, seq: number, wakeAt: number): Promise<number>;
  /** Stores a signal for a run (committed at once). Returns its id. */
  insertSignal(s: { runId: string; event: string; payload: unknown; sender?: string; at: number }): Promise<number>;
  /**
   * The signal step `seq` of the run consumes: the one it already took (an earlier attempt died before recording the
   * step), else the oldest pending one for `event`, marked taken by `seq` in the same commit. Undefined if none.
   */
  consumeSignal(runId: string, event: string, seq: number, at: number): Promise<SignalRow | undefined>;
  /** True if a signal for `event` waits for the run (not consumed yet). */
  hasPendingSignal(runId: string, event: string): Promise<boolean>;
  listSignals(runId: string): Promise<SignalRow[]>;
  parkRun(p: Omit<ParkRow, "parked_at"> & { at: number }): Promise<void>;
  unparkRun(runId: string): Promise<void>;
  getPark(runId: string): Promise<ParkRow | null>;
  /** Parked runs of every run id given (for views). */
  parksOf(runIds: readonly string[]): Promise<Map<string, ParkRow>>;
  /**
   * Parked runs that are due to wake at `now`: their time came (a sleep, or a wait's timeout), or the event or answer
   * they wait for has a pending signal. Only runs no process executes (status not running).
   */
  dueParks(now: number): Promise<ParkRow[]>;
  /** The earliest wake time after `now` among parked runs, or undefined. */
  nextWake(now: number): Promise<number | undefined>;
  listParks(): Promise<ParkRow[]>;
}

// Not on the contract (pure helpers, or not taking the store): waitsMigration.
