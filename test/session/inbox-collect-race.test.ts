// A collect of the inbox racing the turn that carries its row (#15): on PostgreSQL a collect's read is a round trip,
// so it can return a row as undelivered after the turn carrying it has ended and marked it delivered. That row must not
// start a second turn (seen as a workflow's send executed twice after a resume). The read is held open here until the
// turn has ended, on both backends, so the race is forced rather than waited for.

import { expect, setDefaultTimeout, test } from "bun:test";
import type { InboxRow } from "../../src/store/inbox.ts";
import { waitFor, within } from "../fixtures/helpers/wait.ts";
import { describeDb } from "../helpers/backends.ts";
import { gate, manager, memoryStore, testConfig } from "./fixtures.ts";

// The first PostgreSQL test starts the throwaway cluster: seconds on a loaded machine.
setDefaultTimeout(30_000);

describeDb("inbox collect racing a turn's end (#15)", (b) => {
  test("a row a collect read before its turn marked it delivered is not delivered again (#15)", async () => {
    const { db } = await b.open();
    const turn = gate();
    const hold = gate();
    const prompts: string[] = [];
    const m = manager(testConfig({ demo: { reply: async (p) => { prompts.push(p); await turn.wait(); return `echo: ${p}`; } } }), { store: memoryStore(), db, owner: "own_here" });
    // Every collect's read that sees the message undelivered is held until the test lets it go.
    const inbox = db.inbox;
    let stale = 0;
    const undeliveredAfter: typeof inbox.undeliveredAfter = async (handles, after) => {
      const rows: InboxRow[] = await inbox.undeliveredAfter(handles, after);
      if (rows.some((r) => r.body === "only once")) {
        stale++;
        await hold.wait();
      }
      return rows;
    };
    // The repositories are proxies on PostgreSQL: the family object is replaced, not one of its methods.
    Object.defineProperty(db, "inbox", { value: new Proxy(inbox, { get: (t, name) => (name === "undeliveredAfter" ? undeliveredAfter : Reflect.get(t, name)) }) });
    try {
      const s = await m.spawn("demo", { handle: "racer" });
      const reply = m.send("racer", "only once", "user");
      await waitFor(async () => (await db.inbox.listInbox("racer")).length === 1, { timeoutMs: 10_000, what: "the message's row" });
      const collect = m.collectInbox(); // reads the row while its turn runs (a notification may start one too)
      await waitFor(() => stale > 0, { timeoutMs: 10_000, what: "a collect reading the undelivered row" });
      turn.open();
      expect(await within(reply, 10_000, "the turn")).toBe("echo: only once");
      await waitFor(async () => (await db.inbox.listInbox("racer"))[0]?.delivered_at != null, { timeoutMs: 10_000, what: "the row marked delivered" });
      hold.open();
      await within(collect, 10_000, "the held collect");
      await within(m.collectInbox(), 10_000, "a later collect");
      expect(s.state).toBe("ready"); // no second turn started
      expect(prompts).toEqual(["only once"]);
      expect(s.totals.turns).toBe(1);
    } finally {
      turn.open();
      hold.open();
      await m.closeAll();
    }
  });
});
