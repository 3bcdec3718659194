// The sessions family on the async store contract (#15), derived from src/store/sessions.ts by the rule in
// PG-DESIGN.md §2.1: each `fn(store, ...args): R` there is `fn(...args): Promise<R>` here, same name; buffered writes
// return void. The SQLite backend implements it over the synchronous functions, the PostgreSQL backend over Bun.sql.
// Types only.

import type { PendingEvent } from "../events.ts";
import type { SessionState, SessionRow, NewSessionRow, SessionTotals } from "../sessions.ts";

export interface SessionsApi {
  /** Inserts a session (state `starting` unless given). Returns false if the handle is held by a session that is not closed. */
  insertSession(s: NewSessionRow): Promise<boolean>;
  /**
   * Writes the state, the usage sums and the last assistant message (one statement, for the turn-boundary write);
   * with `closedAt`, also closes the session (a worker that closes at the end of its turn) and deletes its claims.
   * `events` (the turn's last transcript rows) are appended in the same write, before it (one commit per turn end).
   */
  updateSession(id: string, state: SessionState, t: SessionTotals, lastText: string | null, closedAt?: number | null, proc?: { pid?: number; providerSessionId?: string }, events?: readonly PendingEvent[]): Promise<void>;
  /** Buffered: ordered with this process's other writes, committed by the tick or store.flush(). */
  setSessionState(id: string, state: SessionState): void;
  /** Buffered: ordered with this process's other writes, committed by the tick or store.flush(). */
  setSessionProcess(id: string, providerSessionId: string | null, pid: number | null): void;
  /** Buffered: ordered with this process's other writes, committed by the tick or store.flush(). */
  setSessionLastText(id: string, text: string): void;
  /** Buffered: ordered with this process's other writes, committed by the tick or store.flush(). */
  markSessionReady(id: string, pid: number | null, providerSessionId: string | null): void;
  /** The sessions a run (or any spawner, e.g. `workflow:<name>:<runId>`) spawned, oldest first. */
  sessionsSpawnedBy(spawnedBy: string): Promise<SessionRow[]>;
  /** Closes the session (if open) and deletes its claims, in one write. */
  closeSessionRow(id: string, at: number): Promise<void>;
  getSessionRow(id: string): Promise<SessionRow | null>;
  /** The live session holding `handle`, else the most recent one that held it. */
  findSessionByHandle(handle: string): Promise<SessionRow | null>;
  /** Closes every session still open whose owner is in `owners` (their process died); returns how many. */
  closeSessionsOfOwners(owners: Iterable<string>, at: number): Promise<number>;
  /** Owners named by sessions that are not closed. */
  ownersOfOpenSessions(): Promise<string[]>;
  /**
   * Ids of the sessions that held `handle` for `spawnedBy`, in the order they were created: one conversation carried
   * across restarts. With `fromId`, only that session and later ones (an earlier conversation under the handle ends there).
   */
  sessionChain(handle: string, spawnedBy: string, fromId?: string): Promise<string[]>;
}
