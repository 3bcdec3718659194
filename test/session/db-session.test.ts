// A session's whole life through the store contract, on both backends (#15): spawn, turns chained at boundaries,
// the transcript in order with its prompts, totals and the closing written to the row, the inbox rows marked
// delivered, and a closed session's claims released.

import { expect, setDefaultTimeout, test } from "bun:test";
import { describeDb } from "../helpers/backends.ts";
import { hostName } from "../../src/store/owners.ts";
import { manager, memoryStore, testConfig } from "./fixtures.ts";

// The first PostgreSQL test starts the throwaway cluster: seconds on a loaded machine.
setDefaultTimeout(30_000);

describeDb("a session on the store contract (#15)", (b) => {
  test("spawn, turns, transcript, totals, delivered inbox rows and close agree on both backends (#15)", async () => {
    const { db } = await b.open();
    const cfg = testConfig({ demo: { reply: (p: string) => ({ text: `re: ${p.split("\n").at(-1)}`, toolCalls: [{ name: "Read", input: { path: "a.ts" }, output: "x" }] }) } });
    const m = manager(cfg, { store: memoryStore(), db, owner: "own_me" });
    const s = await m.spawn("demo", { handle: "steady-hopper" });
    expect(await m.send(s.handle, "first", "user")).toBe("re: first");
    // "second" starts a turn at once; "third" and "fourth" arrive while it runs and share the next turn.
    const replies = await Promise.all(["second", "third", "fourth"].map((t) => m.send(s.handle, t, "agent:peer")));
    expect(replies).toEqual(["re: second", "re: fourth", "re: fourth"]);
    const claim = await db.claims.tryClaim({ sessionId: s.id, handle: s.handle, intent: "exclusive", paths: ["src"], at: Date.now() });
    expect(claim?.granted).toBe(true);
    await m.close(s.handle);
    await db.flush();

    const row = await db.sessions.getSessionRow(s.id);
    expect(row).toMatchObject({ handle: "steady-hopper", agent: "demo", state: "closed", owner: "own_me", host: hostName(), turns: s.totals.turns });
    expect(row!.closed_at).not.toBeNull();
    const events = await db.events.listEvents(s.id);
    expect(events.length).toBe(await db.events.countEvents(s.id));
    const prompts = events.filter((e) => e.type === "prompt").map((e) => e.text);
    expect(prompts).toEqual(["first", expect.stringMatching(/second$/), expect.stringMatching(/third[\s\S]*fourth$/)]);
    expect(events.map((e) => e.type).filter((t) => t === "turn_end").length).toBe(3);
    expect(events.every((e, i) => i === 0 || e.id > events[i - 1]!.id)).toBe(true);
    const inbox = await db.inbox.listInbox("steady-hopper");
    expect(inbox.length).toBe(4);
    expect(inbox.every((r) => r.delivered_at !== null && r.session_id === s.id)).toBe(true);
    // Claims end with the session (released at close, in the background).
    for (let i = 0; i < 100 && (await db.claims.listClaims()).length > 0; i++) await Bun.sleep(5);
    expect(await db.claims.listClaims()).toEqual([]);
  });

  test("a session that closes once idle records its provider session id with its turn's end, or with its close when stopped mid-turn (#15)", async () => {
    const { db } = await b.open();
    let started!: () => void;
    const midTurn = new Promise<void>((r) => (started = r));
    const cfg = testConfig({
      quick: { reply: (p: string) => `re: ${p}` },
      stuck: { reply: () => { started(); return new Promise<string>(() => {}); } },
    });
    const m = manager(cfg, { store: memoryStore(), db, owner: "own_me" });
    const done = await m.spawn("quick", { prompt: "hi", closeWhenIdle: true, spawnedBy: "queue:q" });
    await done.whenIdle();
    const stuck = await m.spawn("stuck", { prompt: "hang", closeWhenIdle: true, spawnedBy: "queue:q" });
    await midTurn;
    await m.close(stuck.handle);
    await db.flush();
    for (const s of [done, stuck]) {
      const row = await db.sessions.getSessionRow(s.id);
      expect(row?.state).toBe("closed");
      expect(row?.provider_session_id).toBe(s.driver.providerSessionId ?? "missing");
    }
  });
});
