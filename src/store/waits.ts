// The rows behind durable waits in workflows (#12): `timers` (the wake time a sleep or a waitFor timeout recorded when
// first reached, keyed by run and step, so a resume waits only for the time left), `signals` (events and answers
// sent to a run, kept until a wait step consumes one, exactly once, keyed by that step) and `run_parks` (a run that
// ended its execution to wait: sleeping until wake_at, or waiting for an event or an answer).
// It only reads and writes rows; when to park, wake or consume is decided in src/workflow/.

import type { Migration } from "./migrations.ts";
import type { Store } from "./store.ts";

export function waitsMigration(version: number): Migration {
  return {
    version,
    name: "timers, signals and parked runs",
    up: `CREATE TABLE timers (
      run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
      seq INTEGER NOT NULL,
      wake_at INTEGER NOT NULL,
      PRIMARY KEY (run_id, seq)
    ) WITHOUT ROWID;
    CREATE TABLE signals (
      id INTEGER PRIMARY KEY,
      run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
      event TEXT NOT NULL,
      payload TEXT,
      sender TEXT,
      sent_at INTEGER NOT NULL,
      consumed_seq INTEGER,
      consumed_at INTEGER
    );
    CREATE INDEX signals_pending ON signals (run_id, event, id) WHERE consumed_seq IS NULL;
    CREATE UNIQUE INDEX signals_by_step ON signals (run_id, consumed_seq) WHERE consumed_seq IS NOT NULL;
    CREATE TABLE run_parks (
      run_id TEXT PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
      state TEXT NOT NULL CHECK (state IN ('sleeping', 'waiting')),
      wake_at INTEGER,
      event TEXT,
      question TEXT,
      parked_at INTEGER NOT NULL
    ) WITHOUT ROWID;`,
  };
}

// ── timers ───────────────────────────────────────────────────────────────────────────────────────────────────

/** The wake time recorded for step `seq`, recording `wakeAt` first if there is none. Committed before it returns. */
export function recordTimer(store: Store, runId: string, seq: number, wakeAt: number): number {
  return store.write(() => {
    store.sql("INSERT OR IGNORE INTO timers (run_id, seq, wake_at) VALUES (?, ?, ?)").run(runId, seq, wakeAt);
    return store.sql<{ wake_at: number }, [string, number]>("SELECT wake_at FROM timers WHERE run_id = ? AND seq = ?").get(runId, seq)!.wake_at;
  });
}

// ── signals ──────────────────────────────────────────────────────────────────────────────────────────────────

export interface SignalRow {
  id: number;
  run_id: string;
  event: string;
  payload: string | null;
  sender: string | null;
  sent_at: number;
  consumed_seq: number | null;
  consumed_at: number | null;
}

/** Stores a signal for a run (committed at once). Returns its id. */
export function insertSignal(store: Store, s: { runId: string; event: string; payload: unknown; sender?: string; at: number }): number {
  return store.write(() => Number(store.sql(`INSERT INTO signals (run_id, event, payload, sender, sent_at) VALUES (?, ?, ?, ?, ?)`)
    .run(s.runId, s.event, s.payload === undefined ? null : JSON.stringify(s.payload), s.sender ?? null, s.at).lastInsertRowid));
}

/**
 * The signal step `seq` of the run consumes: the one it already took (an earlier attempt died before recording the
 * step), else the oldest pending one for `event`, marked taken by `seq` in the same commit. Undefined if none.
 */
export function consumeSignal(store: Store, runId: string, event: string, seq: number, at: number): SignalRow | undefined {
  return store.write(() => {
    const taken = store.sql<SignalRow, [string, number]>("SELECT * FROM signals WHERE run_id = ? AND consumed_seq = ?").get(runId, seq);
    if (taken) return taken;
    const next = store.sql<SignalRow, [string, string]>(
      "SELECT * FROM signals WHERE run_id = ? AND event = ? AND consumed_seq IS NULL ORDER BY id LIMIT 1").get(runId, event);
    if (!next) return undefined;
    store.sql("UPDATE signals SET consumed_seq = ?, consumed_at = ? WHERE id = ?").run(seq, at, next.id);
    return { ...next, consumed_seq: seq, consumed_at: at };
  }) ?? undefined;
}

/** True if a signal for `event` waits for the run (not consumed yet). */
export function hasPendingSignal(store: Store, runId: string, event: string): boolean {
  return store.sql<{ n: number }, [string, string]>(
    "SELECT count(*) AS n FROM signals WHERE run_id = ? AND event = ? AND consumed_seq IS NULL").get(runId, event)!.n > 0;
}

export function listSignals(store: Store, runId: string): SignalRow[] {
  return store.sql<SignalRow, [string]>("SELECT * FROM signals WHERE run_id = ? ORDER BY id").all(runId);
}

// ── parked runs ──────────────────────────────────────────────────────────────────────────────────────────────

export interface ParkRow {
  run_id: string;
  state: "sleeping" | "waiting";
  wake_at: number | null;
  event: string | null;
  /** JSON of the parked question ({ question, key, options? }), for a waiting askHuman. */
  question: string | null;
  parked_at: number;
}

export function parkRun(store: Store, p: Omit<ParkRow, "parked_at"> & { at: number }): void {
  store.write(() => store.sql(`INSERT OR REPLACE INTO run_parks (run_id, state, wake_at, event, question, parked_at)
    VALUES (?, ?, ?, ?, ?, ?)`).run(p.run_id, p.state, p.wake_at, p.event, p.question, p.at));
}

export function unparkRun(store: Store, runId: string): void {
  store.write(() => store.sql("DELETE FROM run_parks WHERE run_id = ?").run(runId));
}

export function getPark(store: Store, runId: string): ParkRow | null {
  return store.sql<ParkRow, [string]>("SELECT * FROM run_parks WHERE run_id = ?").get(runId);
}

/** Parked runs of every run id given (for views). */
export function parksOf(store: Store, runIds: readonly string[]): Map<string, ParkRow> {
  const out = new Map<string, ParkRow>();
  for (const id of runIds) {
    const p = getPark(store, id);
    if (p) out.set(id, p);
  }
  return out;
}

/**
 * Parked runs that are due to wake at `now`: their time came (a sleep, or a wait's timeout), or the event or answer
 * they wait for has a pending signal. Only runs no process executes (status not running).
 */
export function dueParks(store: Store, now: number): ParkRow[] {
  return store.sql<ParkRow, [number]>(`SELECT p.* FROM run_parks p JOIN runs r ON r.id = p.run_id
    WHERE r.status <> 'running' AND (
      (p.wake_at IS NOT NULL AND p.wake_at <= ?)
      OR (p.event IS NOT NULL AND EXISTS (SELECT 1 FROM signals s WHERE s.run_id = p.run_id AND s.event = p.event AND s.consumed_seq IS NULL))
    ) ORDER BY p.parked_at`).all(now);
}

/** The earliest wake time after `now` among parked runs, or undefined. */
export function nextWake(store: Store, now: number): number | undefined {
  return store.sql<{ w: number | null }, [number]>("SELECT min(wake_at) AS w FROM run_parks WHERE wake_at > ?").get(now)?.w ?? undefined;
}

export function listParks(store: Store): ParkRow[] {
  return store.sql<ParkRow, []>("SELECT * FROM run_parks ORDER BY parked_at").all();
}
