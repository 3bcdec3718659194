// The rows of schedules (#12): one `schedule_fires` row per fire, keyed by (schedule, scheduled time) so a fire is
// inserted once however many times serve crashes and restarts, and one `schedule_cursors` row per schedule holding
// the latest scheduled time already planned (fired, skipped or passed over by catchUp). A fire row is inserted
// before its run starts and gets the runId after; a row left without one (a crash in between) is started on restart.
// Only SQL lives here: when to fire and what overlap means is src/schedule/'s business.

import type { Migration } from "./migrations.ts";
import type { Store } from "./store.ts";

export const SCHEDULES_SQL = `CREATE TABLE schedule_fires (
    schedule TEXT NOT NULL,
    scheduled_at INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'started', 'skipped')),
    manual INTEGER NOT NULL DEFAULT 0,
    run_id TEXT,
    reason TEXT,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    PRIMARY KEY (schedule, scheduled_at)
  ) WITHOUT ROWID;
  CREATE INDEX schedule_fires_pending ON schedule_fires (schedule, scheduled_at) WHERE state = 'pending';
  CREATE TABLE schedule_cursors (
    schedule TEXT PRIMARY KEY,
    spec TEXT NOT NULL,
    cursor INTEGER NOT NULL
  ) WITHOUT ROWID;`;

/** The version is set where it is appended to MIGRATIONS (its position there plus one). */
export function schedulesMigration(version: number): Migration {
  return { version, name: "schedule fires", up: SCHEDULES_SQL };
}

/**
 * Finding the run a fire or a webhook delivery started (runOfCaller) by its caller key, without scanning every run:
 * a crash-recovered fire and each redelivered webhook look one up.
 */
export function runsByCallerMigration(version: number): Migration {
  return { version, name: "runs by caller", up: "CREATE INDEX runs_by_caller ON runs (caller) WHERE caller IS NOT NULL;" };
}

export type FireState = "pending" | "started" | "skipped";

export interface FireRow {
  schedule: string;
  scheduled_at: number;
  state: FireState;
  manual: number;
  run_id: string | null;
  reason: string | null;
  created_at: number;
  started_at: number | null;
  /** The owner (process) that recorded the fire (#15): a fire left without a run is restarted only once it is dead. */
  fired_by?: string | null;
}

/** A fire joined with its run's status (null while it has no run, or the run row is gone). */
export interface FireWithRun extends FireRow {
  run_status: string | null;
}

/**
 * The schedule's cursor (latest scheduled time planned). A schedule seen for the first time, or whose spec (cron,
 * tz or at) changed, gets `initial` and no catch-up from before.
 */
export function scheduleCursor(store: Store, schedule: string, spec: string, initial: number): number {
  const row = store.sql<{ spec: string; cursor: number }, [string]>("SELECT spec, cursor FROM schedule_cursors WHERE schedule = ?").get(schedule);
  if (row && row.spec === spec) return row.cursor;
  store.write(() => store.sql("INSERT INTO schedule_cursors (schedule, spec, cursor) VALUES (?, ?, ?) ON CONFLICT (schedule) DO UPDATE SET spec = excluded.spec, cursor = excluded.cursor").run(schedule, spec, initial));
  return initial;
}

export interface PlannedFire { scheduledAt: number; state: "pending" | "skipped"; reason?: string }

/**
 * Records planned fires and moves the cursor (unless null), in one durable transaction. A fire already recorded (same schedule and
 * time) is left as it is: it never gets a second row, so it never starts a second run. Returns the fires inserted.
 */
export function recordFires(store: Store, schedule: string, cursor: number | null, fires: PlannedFire[], at: number, manual = false, firedBy?: string): PlannedFire[] {
  return store.write(() => {
    const inserted: PlannedFire[] = [];
    const ins = firedBy === undefined
      ? store.sql("INSERT INTO schedule_fires (schedule, scheduled_at, state, manual, reason, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")
      : store.sql("INSERT INTO schedule_fires (schedule, scheduled_at, state, manual, reason, created_at, fired_by) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING");
    for (const f of fires) {
      const args = [schedule, f.scheduledAt, f.state, manual ? 1 : 0, f.reason ?? null, at] as const;
      if ((firedBy === undefined ? ins.run(...args) : ins.run(...args, firedBy)).changes > 0) inserted.push(f);
    }
    if (cursor !== null) store.sql("UPDATE schedule_cursors SET cursor = max(cursor, ?) WHERE schedule = ?").run(cursor, schedule);
    return inserted;
  });
}

/**
 * Takes over a pending fire recorded by `from` (an owner found dead) for `to`; false if another process took it first
 * or it is no longer pending. The one that gets true starts its run.
 */
export function adoptFire(store: Store, schedule: string, scheduledAt: number, from: string, to: string): boolean {
  return store.write(() => store.sql("UPDATE schedule_fires SET fired_by = ? WHERE schedule = ? AND scheduled_at = ? AND fired_by = ? AND state = 'pending'")
    .run(to, schedule, scheduledAt, from).changes > 0);
}

/** The schedule's fires that have no run yet, oldest first. */
export function pendingFires(store: Store, schedule: string): FireRow[] {
  return store.sql<FireRow, [string]>("SELECT * FROM schedule_fires WHERE schedule = ? AND state = 'pending' ORDER BY scheduled_at").all(schedule);
}

/** Links a fire to the run it started. */
export function markFireStarted(store: Store, schedule: string, scheduledAt: number, runId: string, at: number): void {
  store.write(() => store.sql("UPDATE schedule_fires SET state = 'started', run_id = ?, started_at = ? WHERE schedule = ? AND scheduled_at = ?").run(runId, at, schedule, scheduledAt));
}

export function markFireSkipped(store: Store, schedule: string, scheduledAt: number, reason: string): void {
  store.write(() => store.sql("UPDATE schedule_fires SET state = 'skipped', reason = ? WHERE schedule = ? AND scheduled_at = ?").run(reason, schedule, scheduledAt));
}

/** The run a crashed serve started for this fire before it could record it (runs.caller carries the fire's key). */
export function runOfCaller(store: Store, caller: string): string | null {
  return store.sql<{ id: string }, [string]>("SELECT id FROM runs WHERE caller = ? ORDER BY created_at LIMIT 1").get(caller)?.id ?? null;
}

/** The status of a run, or null when there is no such run. */
export function runStatusOf(store: Store, runId: string): string | null {
  return store.sql<{ status: string }, [string]>("SELECT status FROM runs WHERE id = ?").get(runId)?.status ?? null;
}

/** The schedule's latest fire that started a run, with the run's status. */
export function lastStartedFire(store: Store, schedule: string): FireWithRun | null {
  return store.sql<FireWithRun, [string]>(
    `SELECT f.*, r.status AS run_status FROM schedule_fires f LEFT JOIN runs r ON r.id = f.run_id
     WHERE f.schedule = ? AND f.state = 'started' ORDER BY f.scheduled_at DESC LIMIT 1`,
  ).get(schedule) ?? null;
}

/** The schedule's latest fire of any state (the one `aegis schedules` shows), with its run's status. */
export function lastFire(store: Store, schedule: string): FireWithRun | null {
  return store.sql<FireWithRun, [string]>(
    `SELECT f.*, r.status AS run_status FROM schedule_fires f LEFT JOIN runs r ON r.id = f.run_id
     WHERE f.schedule = ? ORDER BY f.scheduled_at DESC LIMIT 1`,
  ).get(schedule) ?? null;
}

/** Every fire of a schedule, oldest first (tests and `aegis schedules --json`). */
export function listFires(store: Store, schedule: string): FireRow[] {
  return store.sql<FireRow, [string]>("SELECT * FROM schedule_fires WHERE schedule = ? ORDER BY scheduled_at").all(schedule);
}
