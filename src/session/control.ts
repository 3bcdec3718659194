// Control rows: requests to a session from another aegis process that are not messages for the agent. Today one
// kind, interrupt (`aegis ui` stopping the turn of a session that serve or `aegis run` hosts, #14): written to the
// session's inbox under the sender INTERRUPT_SENDER, picked up by the hosting process's watch like any inbox row,
// consumed there (marked delivered, never rendered to the agent). It must not deliver messages.

import type { Db } from "../store/api.ts";
import type { InboxRow } from "../store/inbox.ts";
import { logIgnored } from "../util/log-ignored.ts";
import { INTERRUPT_SENDER } from "./sender.ts";
import type { Session } from "./session.ts";

/** How long a request stays good: one older than this was meant for a turn (or a session under the handle) long gone. */
export const INTERRUPT_TTL_MS = 30_000;

/** Asks whichever process hosts `handle` to interrupt its running turn; committed at once. */
export async function writeInterruptRow(db: Db, handle: string, at = Date.now()): Promise<void> {
  await db.tx((t) => t.inbox.insertInbox({ target: handle, sender: INTERRUPT_SENDER, body: "interrupt", at }), { durable: true });
}

/** Consumes a control row for a session live in this process: marks it delivered, then interrupts the turn. */
export async function consumeInterruptRow(db: Db, session: Session, row: InboxRow, now = Date.now()): Promise<void> {
  await db.tx((t) => t.inbox.markDelivered([row.id], session.id, now), { durable: true });
  if (now - row.created_at <= INTERRUPT_TTL_MS) void session.interrupt().catch(logIgnored(`interrupting ${session.handle} on request`));
}
