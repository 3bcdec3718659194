// The schedules family on the async store contract (#15), derived from src/store/schedules.ts by the rule in
// PG-DESIGN.md §2.1: each `fn(store, ...args): R` there is `fn(...args): Promise<R>` here, same name; buffered writes
// return void. The SQLite backend implements it over the synchronous functions, the PostgreSQL backend over Bun.sql.
// Types only.

import type { FireRow, FireWithRun, PlannedFire } from "../schedules.ts";

export interface SchedulesApi {
  /**
   * The schedule's cursor (latest scheduled time planned). A schedule seen for the first time, or whose spec (cron,
   * tz or at) changed, gets `initial` and no catch-up from before.
   */
  scheduleCursor(schedule: string, spec: string, initial: number): Promise<number>;
  /**
   * Records planned fires and moves the cursor (unless null), in one durable transaction. A fire already recorded (same schedule and
   * time) is left as it is: it never gets a second row, so it never starts a second run — also when several serves share one
   * database: only the one whose insert took starts the run. Returns the fires inserted. `firedBy`: the recording owner.
   */
  recordFires(schedule: string, cursor: number | null, fires: PlannedFire[], at: number, manual?: boolean, firedBy?: string): Promise<PlannedFire[]>;
  /**
   * Takes over a pending fire recorded by `from` (an owner found dead) for `to`; false if another process took it first
   * or it is no longer pending. The one that gets true starts its run.
   */
  adoptFire(schedule: string, scheduledAt: number, from: string, to: string): Promise<boolean>;
  /** The schedule's fires that have no run yet, oldest first. */
  pendingFires(schedule: string): Promise<FireRow[]>;
  /** Links a fire to the run it started. */
  markFireStarted(schedule: string, scheduledAt: number, runId: string, at: number): Promise<void>;
  markFireSkipped(schedule: string, scheduledAt: number, reason: string): Promise<void>;
  /** The run a crashed serve started for this fire before it could record it (runs.caller carries the fire's key). */
  runOfCaller(caller: string): Promise<string | null>;
  /** The status of a run, or null when there is no such run. */
  runStatusOf(runId: string): Promise<string | null>;
  /** The schedule's latest fire that started a run, with the run's status. */
  lastStartedFire(schedule: string): Promise<FireWithRun | null>;
  /** The schedule's latest fire of any state (the one `aegis schedules` shows), with its run's status. */
  lastFire(schedule: string): Promise<FireWithRun | null>;
  /** Every fire of a schedule, oldest first (tests and `aegis schedules --json`). */
  listFires(schedule: string): Promise<FireRow[]>;
}

// Not on the contract (pure helpers, or not taking the store): schedulesMigration, runsByCallerMigration.
