// Inbox delivery across processes and machines through the database (#15): a message written by another aegis
// process (another Db connection: another machine on PostgreSQL) for a session live here wakes this process through
// the inbox notification (NOTIFY on PostgreSQL, the WAL watch on SQLite) and starts the session's turn, with no
// polling and no explicit collect; the row is marked delivered once.

import { expect, setDefaultTimeout, test } from "bun:test";
import { describeDb } from "../helpers/backends.ts";
import { waitFor } from "../fixtures/helpers/wait.ts";
import { manager, memoryStore, testConfig } from "./fixtures.ts";

// The first PostgreSQL test starts the throwaway cluster: seconds on a loaded machine.
setDefaultTimeout(30_000);

const echo = { reply: (p: string) => `echo: ${p}` };

describeDb("inbox across processes (#15)", (b) => {
  test("a message another process writes for a session hosted here wakes it and is delivered once (#15)", async () => {
    const { db, location } = await b.open();
    const other = await b.reopen(location);
    const cfg = testConfig({ demo: echo });
    const host = manager(cfg, { store: memoryStore(), db, owner: "own_host" });
    const sender = manager(cfg, { store: memoryStore(), db: other, owner: "own_sender" });
    try {
      const s = await host.spawn("demo", { handle: "far-away" });
      await db.flush(); // the session row is committed (SQLite batches it to the tick's end), so the other process sees it
      expect(await sender.deliver("far-away", { from: "agent:someone", body: "across" })).toEqual({ disposition: "queued", depth: 1 });
      const text = await waitFor(() => s.last?.text, { timeoutMs: 10_000, what: "the remote message's turn" });
      expect(text).toMatch(/^echo: > from agent:someone · \S+\nacross$/);
      await db.flush();
      const rows = await other.inbox.listInbox("far-away");
      expect(rows.map((r) => [r.body, r.session_id])).toEqual([["across", s.id]]);
      expect(rows[0]!.delivered_at).not.toBeNull();
      // A second message takes the same path; nothing is delivered twice.
      await sender.deliver("far-away", { from: "agent:someone", body: "again" });
      await waitFor(() => (s.last?.text.endsWith("again") ? true : undefined), { timeoutMs: 10_000, what: "the second remote turn" });
      expect(s.totals.turns).toBe(2);
    } finally {
      await host.closeAll();
      await sender.closeAll();
    }
  });

  test("the sender's depth counts its message even when the other process runs the turn at once (#15)", async () => {
    const { db, location } = await b.open();
    const other = await b.reopen(location);
    const cfg = testConfig({ demo: echo });
    const host = manager(cfg, { store: memoryStore(), db, owner: "own_host" });
    let s: Awaited<ReturnType<typeof host.spawn>> | undefined;
    // A read of this handle's waiting rows made outside the insert's transaction waits until the host has run the
    // message's turn and committed its mark: what a loaded machine does to the sender between its two statements.
    const inbox = new Proxy(other.inbox, {
      get(target, name) {
        const fn = Reflect.get(target, name) as unknown;
        if (name !== "undeliveredFor" || typeof fn !== "function") return fn;
        return async (...a: unknown[]) => {
          await waitFor(() => s?.last, { timeoutMs: 10_000, what: "the host's turn" });
          await db.flush();
          return (fn as (...x: unknown[]) => unknown).apply(target, a);
        };
      },
    });
    const late = Object.create(other) as typeof other;
    Object.defineProperty(late, "inbox", { value: inbox });
    const sender = manager(cfg, { store: memoryStore(), db: late, owner: "own_sender" });
    try {
      s = await host.spawn("demo", { handle: "quick-one" });
      await db.flush();
      expect(await sender.deliver("quick-one", { from: "agent:someone", body: "fast" })).toEqual({ disposition: "queued", depth: 1 });
      await waitFor(() => s!.last, { timeoutMs: 10_000, what: "the remote message's turn" });
      expect(s.totals.turns).toBe(1);
    } finally {
      await host.closeAll();
      await sender.closeAll();
    }
  });
});
