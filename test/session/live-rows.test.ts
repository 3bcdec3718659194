// A session announces each transcript row as it is buffered, with its position in the session's transcript (#14):
// the positions are exactly the order the events table ends up holding, also when the watch starts mid-session, and
// nothing is counted or announced while nobody listens.

import { describe, expect, test } from "bun:test";
import { listEvents } from "../../src/store/events.ts";
import type { LiveRow } from "../../src/session/session.ts";
import { manager, memoryStore, testConfig } from "./fixtures.ts";

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
