// The inbox family on the async store contract (#15), derived from src/store/inbox.ts by the rule in
// PG-DESIGN.md §2.1: each `fn(store, ...args): R` there is `fn(...args): Promise<R>` here, same name; buffered writes
// return void. The SQLite backend implements it over the synchronous functions, the PostgreSQL backend over Bun.sql.
// Types only.

import type { InboxRow, NewInboxMessage } from "../inbox.ts";

export interface InboxApi {
  insertInbox(m: NewInboxMessage): Promise<InboxRow>;
  /** Marks rows delivered to a session; returns the ids this call marked (rows already delivered are skipped). */
  markDelivered(ids: readonly number[], sessionId: string, at: number): Promise<number[]>;
  /** Undelivered messages for one target, oldest first. */
  undeliveredFor(target: string): Promise<InboxRow[]>;
  /** Undelivered messages for any of `targets` with id above `afterId`, oldest first. */
  undeliveredAfter(targets: readonly string[], afterId: number): Promise<InboxRow[]>;
  inboxForTask(taskId: string): Promise<InboxRow[]>;
  listInbox(target: string): Promise<InboxRow[]>;
}
