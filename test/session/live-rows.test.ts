// A session announces each transcript row as it is buffered, with its position in the session's transcript (#14):
// the positions are exactly the order the events table ends up holding, also when the watch starts mid-session, and
// nothing is counted or announced while nobody listens; on both backends, also while flushes race the watch (#15).

import { describe, expect, test } from "bun:test";
import { listEvents } from "../../src/store/events.ts";
import type { LiveRow } from "../../src/session/session.ts";
import { manager, memoryStore, testConfig } from "./fixtures.ts";
import { describeDb } from "../helpers/backends.ts";

describe("live transcript rows (#14)", () => {
  test("each row's ordinal is its position among the session's stored rows, also when the watch starts mid-session", async () => {
    const store = memoryStore();
    const m = manager(testConfig({ w: { reply: (p) => ({ text: `re: ${p}`, toolCalls: [{ name: "Read", input: { path: "a" }, output: "x" }] }) } }), { store });
    const s = await m.spawn("w");
    await m.send(s.handle, "one", "user"); // nobody watches yet: these rows are only stored
    const before = listEvents(store, s.id).length;
    expect(before).toBeGreaterThan(3);
    const seen: LiveRow[] = [];
    const stop = m.onRows((e) => {
      if (e.sessionId === s.id) seen.push(e.row);
    });
    await m.send(s.handle, "two", "user");
    await m.send(s.handle, "three", "user");
    stop();
    store.flush();
    const stored = listEvents(store, s.id);
    expect(seen.map((r) => r.ordinal)).toEqual(seen.map((_, i) => before + i));
    expect(seen.length).toBe(stored.length - before);
    for (const r of seen) expect(stored[r.ordinal]!.type).toBe(r.event.type);
    await m.closeAll();
  });

  test("with no listener nothing is counted or announced", async () => {
    const store = memoryStore();
    const m = manager(testConfig({ w: { reply: () => "ok" } }), { store });
    const s = await m.spawn("w");
    let queried = 0;
    const sql = store.sql.bind(store);
    store.sql = ((text: string) => {
      if (text.includes("count(*)")) queried++;
      return sql(text);
    }) as typeof store.sql;
    await m.send(s.handle, "hi", "user");
    expect(queried).toBe(0);
    await m.closeAll();
  });
});

describeDb("live transcript rows on the store contract (#15)", (b) => {
  test("watched while the session's buffered inserts are in flight, each ordinal is the row's stored position (#15)", async () => {
    const { db } = await b.open();
    const reply = (p: string) => ({ text: `re: ${p}`, toolCalls: Array.from({ length: 5 }, (_, i) => ({ name: "Read", input: { path: `${i}` }, output: "x" })) });
    const m = manager(testConfig({ w: { reply } }), { store: memoryStore(), db, owner: "own_me", flushMs: 1 });
    const seen = new Map<string, LiveRow[]>();
    const stop = m.onRows((e) => seen.set(e.sessionId, [...(seen.get(e.sessionId) ?? []), e.row]));
    // Many short sessions, each answering at once: the first row a watcher sees is announced while the session's own
    // rows are being inserted (how aegis chat showed a reply twice on PostgreSQL).
    const sessions = await Promise.all(Array.from({ length: 12 }, async () => {
      const s = await m.spawn("w", { prompt: "one" });
      await m.send(s.handle, "two", "user");
      return s;
    }));
    stop();
    await db.flush();
    for (const s of sessions) {
      const stored = await db.events.listEvents(s.id);
      const rows = seen.get(s.id) ?? [];
      expect(rows.map((r) => r.ordinal)).toEqual(stored.map((_, i) => i));
      for (const r of rows) expect(stored[r.ordinal]!.type).toBe(r.event.type);
    }
    await m.closeAll();
  }, 30_000);
});
