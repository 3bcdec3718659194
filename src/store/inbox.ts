// The `inbox` table: every message addressed to a session handle (or to a non-session producer such as a workflow),
// written before it is delivered, so none is lost if aegis dies. `delivered_at` is set in the same transaction that
// records the turn carrying it; a row still undelivered is collected by the next live session holding that handle.
// It must not render headers or start turns; src/session/ does.

import type { Migration } from "./migrations.ts";
import type { Store } from "./store.ts";

export const INBOX_MIGRATION: Migration = {
  version: 4,
  name: "inbox",
  up: `CREATE TABLE inbox (
    id INTEGER PRIMARY KEY,
    target TEXT NOT NULL,
    sender TEXT NOT NULL,
    task_id TEXT,
    status TEXT CHECK (status IN ('ok', 'error')),
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    delivered_at INTEGER,
    session_id TEXT
  );
  CREATE INDEX inbox_undelivered ON inbox (target, id) WHERE delivered_at IS NULL;
  CREATE INDEX inbox_by_task ON inbox (task_id) WHERE task_id IS NOT NULL;`,
};

export interface InboxRow {
  id: number;
  target: string;
  sender: string;
  task_id: string | null;
  status: "ok" | "error" | null;
  body: string;
  created_at: number;
  delivered_at: number | null;
  session_id: string | null;
}

export interface NewInboxMessage {
  /** A session handle, or the sender tag of a producer that is not a session (e.g. `workflow:tdd`). */
  target: string;
  sender: string;
  body: string;
  taskId?: string;
  status?: "ok" | "error";
  at: number;
}

export function insertInbox(store: Store, m: NewInboxMessage): InboxRow {
  const id = store.sql("INSERT INTO inbox (target, sender, task_id, status, body, created_at) VALUES (?, ?, ?, ?, ?, ?)")
    .run(m.target, m.sender, m.taskId ?? null, m.status ?? null, m.body, m.at).lastInsertRowid as number;
  return {
    id, target: m.target, sender: m.sender, task_id: m.taskId ?? null, status: m.status ?? null, body: m.body,
    created_at: m.at, delivered_at: null, session_id: null,
  };
}

/** Marks rows delivered to a session; returns the ids this call marked (rows already delivered are skipped). */
export function markDelivered(store: Store, ids: readonly number[], sessionId: string, at: number): number[] {
  const stmt = store.sql("UPDATE inbox SET delivered_at = ?, session_id = ? WHERE id = ? AND delivered_at IS NULL");
  return ids.filter((id) => stmt.run(at, sessionId, id).changes > 0);
}

/** Undelivered messages for one target, oldest first. */
export function undeliveredFor(store: Store, target: string): InboxRow[] {
  return store.sql<InboxRow, [string]>("SELECT * FROM inbox WHERE target = ? AND delivered_at IS NULL ORDER BY id").all(target);
}

/** Undelivered messages for any of `targets` with id above `afterId`, oldest first. */
export function undeliveredAfter(store: Store, targets: readonly string[], afterId: number): InboxRow[] {
  if (targets.length === 0) return [];
  const marks = targets.map(() => "?").join(", ");
  return store.sql<InboxRow, (string | number)[]>(
    `SELECT * FROM inbox WHERE delivered_at IS NULL AND id > ? AND target IN (${marks}) ORDER BY id`,
  ).all(afterId, ...targets);
}

export function inboxForTask(store: Store, taskId: string): InboxRow[] {
  return store.sql<InboxRow, [string]>("SELECT * FROM inbox WHERE task_id = ? ORDER BY id").all(taskId);
}

export function listInbox(store: Store, target: string): InboxRow[] {
  return store.sql<InboxRow, [string]>("SELECT * FROM inbox WHERE target = ? ORDER BY id").all(target);
}
