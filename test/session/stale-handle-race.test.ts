// Taking back the handle of a session whose process died (#15), while another process's recovery closes that
// session at the same moment: the handle is free either way, so the spawn gets it (seen as `aegis resume` failing
// with "the handle … is already taken by a live session" on PostgreSQL, where the two interleave). The recovery is
// forced between the refused insert and the look at who holds the handle, on both backends.

import { expect, setDefaultTimeout, test } from "bun:test";
import { describeDb } from "../helpers/backends.ts";
import { manager, memoryStore, testConfig } from "./fixtures.ts";

// The first PostgreSQL test starts the throwaway cluster: seconds on a loaded machine.
setDefaultTimeout(30_000);

describeDb("a dead session's handle (#15)", (b) => {
  test("is taken back even when a recovery closes the dead session between the refused insert and the check (#15)", async () => {
    const { db } = await b.open();
    // A session left open by a process that is gone (its owner is not registered: dead).
    await db.sessions.insertSession({ id: "ses_dead", handle: "impl-one", agent: "demo", provider: "scripted", owner: "own_gone", createdAt: 1 });
    const sessions = db.sessions;
    let refused = 0;
    const insertSession: typeof sessions.insertSession = async (row) => {
      const ok = await sessions.insertSession(row);
      if (!ok && refused++ === 0) await sessions.closeSessionsOfOwners(["own_gone"], 2); // the other process's recovery
      return ok;
    };
    Object.defineProperty(db, "sessions", { value: new Proxy(sessions, { get: (t, name) => (name === "insertSession" ? insertSession : Reflect.get(t, name)) }) });
    const m = manager(testConfig({ demo: { reply: (p: string) => `echo: ${p}` } }), { store: memoryStore(), db, owner: "own_here" });
    try {
      const s = await m.spawn("demo", { handle: "impl-one" });
      expect(refused).toBe(1);
      expect(s.handle).toBe("impl-one");
      expect((await db.sessions.findSessionByHandle("impl-one"))?.id).toBe(s.id);
      expect((await db.sessions.getSessionRow("ses_dead"))?.closed_at).toBe(2);
    } finally {
      await m.closeAll();
    }
  });
});
