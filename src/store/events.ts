// The `events` table: the transcript. Every AgentEvent of every turn, plus a `prompt` row for the text each turn
// sent, appended in order per session. Text events keep their text in a column of its own so that logs and the
// "last message" need no JSON parsing; other events keep their payload as JSON. Rows are written in batches (one
// statement per row inside the caller's transaction), never one transaction per event.

import type { AgentEvent } from "../drivers/driver.ts";
import type { Migration } from "./migrations.ts";
import type { Store } from "./store.ts";

export const EVENTS_MIGRATION: Migration = {
  version: 3,
  name: "events",
  up: `CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions (id),
    turn INTEGER NOT NULL,
    at INTEGER NOT NULL,
    type TEXT NOT NULL,
    text TEXT,
    data TEXT
  );
  CREATE INDEX events_by_session ON events (session_id, id);`,
};

/** A transcript entry: an AgentEvent, or the prompt a turn sent. */
export type TranscriptEvent = AgentEvent | { type: "prompt"; text: string };

export interface PendingEvent {
  turn: number;
  at: number;
  event: TranscriptEvent;
}

export interface EventRow {
  id: number;
  session_id: string;
  turn: number;
  at: number;
  type: string;
  text: string | null;
  data: string | null;
}

/** Rows per INSERT statement: a turn's events usually go in one statement. */
const CHUNK = 8;
const ROW = "(?, ?, ?, ?, ?, ?)";

/** Appends events, up to CHUNK rows per statement; call inside a write batch when writing several. */
export function appendEvents(store: Store, sessionId: string, events: readonly PendingEvent[]): void {
  for (let i = 0; i < events.length; i += CHUNK) {
    const part = events.slice(i, i + CHUNK);
    const args: (string | number | null)[] = [];
    for (const e of part) {
      const ev = e.event;
      if (ev.type === "prompt" || (ev.type === "text" && ev.messageId === undefined)) args.push(sessionId, e.turn, e.at, ev.type, ev.text, null);
      else args.push(sessionId, e.turn, e.at, ev.type, ev.type === "text" ? ev.text : null, JSON.stringify(ev));
    }
    store.sql(`INSERT INTO events (session_id, turn, at, type, text, data) VALUES ${Array(part.length).fill(ROW).join(", ")}`).run(...args);
  }
}

/** Events of a session after `afterId` (exclusive), oldest first. */
export function listEvents(store: Store, sessionId: string, afterId = 0, limit = 10_000): EventRow[] {
  return store.sql<EventRow, [string, number, number]>(
    "SELECT * FROM events WHERE session_id = ? AND id > ? ORDER BY id LIMIT ?",
  ).all(sessionId, afterId, limit);
}

/** How many rows a session's transcript holds. */
export function countEvents(store: Store, sessionId: string): number {
  return store.sql<{ n: number }, [string]>("SELECT count(*) AS n FROM events WHERE session_id = ?").get(sessionId)?.n ?? 0;
}

/** The id of a session's row at position `offset` (0 = its first row), or undefined past its end. */
export function eventIdAt(store: Store, sessionId: string, offset: number): number | undefined {
  return store.sql<{ id: number }, [string, number]>("SELECT id FROM events WHERE session_id = ? ORDER BY id LIMIT 1 OFFSET ?")
    .get(sessionId, offset)?.id;
}

/** Turns a row back into the event it recorded. */
export function rowToEvent(row: EventRow): TranscriptEvent {
  if (row.data !== null) return JSON.parse(row.data) as TranscriptEvent;
  if (row.type === "prompt") return { type: "prompt", text: row.text ?? "" };
  if (row.type === "text") return { type: "text", text: row.text ?? "" };
  return { type: "unknown", raw: { type: row.type, text: row.text } };
}
