// Control rows: requests to a session from another aegis process that are not messages for the agent. Today one
// kind, interrupt (`aegis ui` stopping the turn of a session that serve or `aegis run` hosts, #14): written to the
// session's inbox under the sender INTERRUPT_SENDER, picked up by the hosting process's watch like any inbox row,
// consumed there (marked delivered, never rendered to the agent). It must not deliver messages.

import { insertInbox, markDelivered, type InboxRow } from "../store/inbox.ts";
import type { Store } from "../store/store.ts";
import { logIgnored } from "../util/log-ignored.ts";
import { INTERRUPT_SENDER } from "./sender.ts";
import type { Session } from "./session.ts";

/** How long a request stays good: one older than this was meant for a turn (or a session under the handle) long gone. */
export const INTERRUPT_TTL_MS = 30_000;

/** Asks whichever process hosts `handle` to interrupt its running turn; committed at once. */
export function writeInterruptRow(store: Store, handle: string, at = Date.now()): void {
  store.write(() => insertInbox(store, { target: handle, sender: INTERRUPT_SENDER, body: "interrupt", at }));
}

/** Consumes a control row for a session live in this process: marks it delivered, then interrupts the turn. */
export function consumeInterruptRow(store: Store, session: Session, row: InboxRow, now = Date.now()): true {
  store.write(() => markDelivered(store, [row.id], session.id, now));
  if (now - row.created_at <= INTERRUPT_TTL_MS) void session.interrupt().catch(logIgnored(`interrupting ${session.handle} on request`));
  return true;
}
