// The `sessions` table: one row per agent session ever spawned (id `ses_…`), with its handle, agent profile, state,
// owner process and running usage/cost sums. A handle is unique among sessions that are not closed (a partial unique
// index), so two aegis processes cannot hand out the same live handle; closed handles may be reused later.
// It only reads and writes rows; the session state machine lives in src/session/.

import { appendEvents, type PendingEvent } from "./events.ts";
import type { Migration } from "./migrations.ts";
import type { Store } from "./store.ts";
import { errorMessage } from "../util/errors.ts";

export const SESSIONS_MIGRATION: Migration = {
  version: 2,
  name: "sessions",
  up: `CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    handle TEXT NOT NULL,
    agent TEXT NOT NULL,
    provider TEXT NOT NULL,
    model TEXT,
    state TEXT NOT NULL CHECK (state IN ('starting', 'ready', 'working', 'error', 'closed')),
    spawned_by TEXT,
    owner TEXT,
    provider_session_id TEXT,
    pid INTEGER,
    created_at INTEGER NOT NULL,
    closed_at INTEGER,
    turns INTEGER NOT NULL DEFAULT 0,
    input_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    cache_read_tokens INTEGER NOT NULL DEFAULT 0,
    cache_write_tokens INTEGER NOT NULL DEFAULT 0,
    cost_usd REAL NOT NULL DEFAULT 0,
    last_text TEXT
  );
  CREATE UNIQUE INDEX sessions_live_handle ON sessions (handle) WHERE closed_at IS NULL;
  CREATE INDEX sessions_by_handle ON sessions (handle, created_at);`,
};

export type SessionState = "starting" | "ready" | "working" | "error" | "closed";

export interface SessionRow {
  id: string;
  handle: string;
  agent: string;
  provider: string;
  model: string | null;
  state: SessionState;
  spawned_by: string | null;
  owner: string | null;
  provider_session_id: string | null;
  pid: number | null;
  created_at: number;
  closed_at: number | null;
  turns: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  cost_usd: number;
  last_text: string | null;
  /** The host (AEGIS_HOST_ID or the hostname) whose process ran it: only that host resumes its provider session (#15). */
  host?: string | null;
}

export interface NewSessionRow {
  id: string;
  handle: string;
  agent: string;
  provider: string;
  model?: string;
  spawnedBy?: string;
  owner?: string;
  createdAt: number;
  /** Default `starting`; a session spawned with an opening turn is inserted as `working`. */
  state?: SessionState;
  /** The host running its process (#15). */
  host?: string;
}

/** Inserts a session (state `starting` unless given). Returns false if the handle is held by a session that is not closed. */
export function insertSession(store: Store, s: NewSessionRow): boolean {
  try {
    store.sql(`INSERT INTO sessions (id, handle, agent, provider, model, state, spawned_by, owner, created_at, host)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(s.id, s.handle, s.agent, s.provider, s.model ?? null, s.state ?? "starting", s.spawnedBy ?? null, s.owner ?? null, s.createdAt, s.host ?? null);
    return true;
  } catch (err) {
    if (String(errorMessage(err)).includes("UNIQUE constraint failed: sessions.handle")) return false;
    throw err;
  }
}

export interface SessionTotals {
  turns: number;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  costUsd: number;
}

/**
 * Writes the state, the usage sums and the last assistant message (one statement, for the turn-boundary write);
 * with `closedAt`, also closes the session (a worker that closes at the end of its turn). `events`, the turn's last
 * transcript rows, are appended first, in the same write.
 */
export function updateSession(
  store: Store, id: string, state: SessionState, t: SessionTotals, lastText: string | null, closedAt: number | null = null,
  proc: { pid?: number; providerSessionId?: string } = {}, events: readonly PendingEvent[] = [],
): void {
  if (events.length) appendEvents(store, id, events);
  store.sql(`UPDATE sessions SET state = ?, turns = ?, input_tokens = ?, output_tokens = ?, cache_read_tokens = ?,
      cache_write_tokens = ?, cost_usd = ?, last_text = coalesce(?, last_text), closed_at = coalesce(?, closed_at),
      pid = coalesce(?, pid), provider_session_id = coalesce(?, provider_session_id) WHERE id = ?`)
    .run(state, t.turns, t.input, t.output, t.cacheRead, t.cacheWrite, t.costUsd, lastText, closedAt, proc.pid ?? null, proc.providerSessionId ?? null, id);
  if (closedAt !== null) releaseClaimsOf(store, id);
}

/** A closing session's claims end with it, in the closing write (claims of a closed session bind nobody anyway). */
function releaseClaimsOf(store: Store, id: string): void {
  store.sql("DELETE FROM claims WHERE session_id = ?").run(id);
}

export function setSessionState(store: Store, id: string, state: SessionState): void {
  store.sql("UPDATE sessions SET state = ? WHERE id = ?").run(state, id);
}

export function setSessionProcess(store: Store, id: string, providerSessionId: string | null, pid: number | null): void {
  store.sql("UPDATE sessions SET provider_session_id = coalesce(?, provider_session_id), pid = coalesce(?, pid) WHERE id = ?")
    .run(providerSessionId, pid, id);
}

/** Keeps the last assistant message current mid-turn (a crash or a cancel can still report it). */
export function setSessionLastText(store: Store, id: string, text: string): void {
  store.sql("UPDATE sessions SET last_text = ? WHERE id = ?").run(text, id);
}

/** A started session is ready: its process and provider session id are known. */
export function markSessionReady(store: Store, id: string, pid: number | null, providerSessionId: string | null): void {
  store.sql("UPDATE sessions SET state = 'ready', pid = ?, provider_session_id = ? WHERE id = ?").run(pid, providerSessionId, id);
}

/** The sessions a run (or any spawner, e.g. `workflow:<name>:<runId>`) spawned, oldest first. */
export function sessionsSpawnedBy(store: Store, spawnedBy: string): SessionRow[] {
  return store.sql<SessionRow, [string]>("SELECT * FROM sessions WHERE spawned_by = ? ORDER BY created_at").all(spawnedBy);
}

export function closeSessionRow(store: Store, id: string, at: number): void {
  store.sql("UPDATE sessions SET state = 'closed', closed_at = ? WHERE id = ? AND closed_at IS NULL").run(at, id);
  releaseClaimsOf(store, id);
}

export function getSessionRow(store: Store, id: string): SessionRow | null {
  return store.sql<SessionRow, [string]>("SELECT * FROM sessions WHERE id = ?").get(id);
}

/** The live session holding `handle`, else the most recent one that held it. */
export function findSessionByHandle(store: Store, handle: string): SessionRow | null {
  return store.sql<SessionRow, [string]>(
    "SELECT * FROM sessions WHERE handle = ? ORDER BY (closed_at IS NULL) DESC, created_at DESC, rowid DESC LIMIT 1",
  ).get(handle);
}

/** Closes every session still open whose owner is in `owners` (their process died); returns how many. */
export function closeSessionsOfOwners(store: Store, owners: Iterable<string>, at: number): number {
  const stmt = store.sql("UPDATE sessions SET state = 'closed', closed_at = ? WHERE owner = ? AND closed_at IS NULL");
  let n = 0;
  for (const o of owners) n += stmt.run(at, o).changes;
  return n;
}

/** Owners named by sessions that are not closed. */
export function ownersOfOpenSessions(store: Store): string[] {
  return store.sql<{ owner: string }, []>("SELECT DISTINCT owner FROM sessions WHERE closed_at IS NULL AND owner IS NOT NULL")
    .all().map((r) => r.owner);
}

/**
 * Ids of the sessions that held `handle` for `spawnedBy`, in the order they were created: one conversation carried
 * across restarts. With `fromId`, only that session and later ones (an earlier conversation under the handle ends there).
 */
export function sessionChain(store: Store, handle: string, spawnedBy: string, fromId?: string): string[] {
  return store.sql<{ id: string }, [string, string, string | null]>(
    `SELECT id FROM sessions WHERE handle = ? AND spawned_by = ?
      AND rowid >= coalesce((SELECT rowid FROM sessions WHERE id = ?3), 0) ORDER BY rowid`,
  ).all(handle, spawnedBy, fromId ?? null).map((r) => r.id);
}
