// The events family on the async store contract (#15), derived from src/store/events.ts by the rule in
// PG-DESIGN.md §2.1: each `fn(store, ...args): R` there is `fn(...args): Promise<R>` here, same name; buffered writes
// return void. The SQLite backend implements it over the synchronous functions, the PostgreSQL backend over Bun.sql.
// Types only.

import type { PendingEvent, EventRow } from "../events.ts";

export interface EventsApi {
  /** Buffered: ordered with this process's other writes, committed by the tick or store.flush(). */
  appendEvents(sessionId: string, events: readonly PendingEvent[]): void;
  /** Events of a session after `afterId` (exclusive), oldest first. */
  listEvents(sessionId: string, afterId?: number, limit?: number): Promise<EventRow[]>;
  /** How many rows a session's transcript holds. */
  countEvents(sessionId: string): Promise<number>;
  /** The id of a session's row at position `offset` (0 = its first row), or undefined past its end. */
  eventIdAt(sessionId: string, offset: number): Promise<number | undefined>;
}

// Not on the contract (pure helpers, or not taking the store): rowToEvent.
