// The Db core on both backends (#15): buffered transcript writes of many sessions in one tick are all committed, in
// order per session, and read back by the next call; buffered writes made on a transaction handle commit or roll back
// with it; a buffered write that fails is reported by the next call instead of being lost.

import { expect } from "bun:test";
import type { Db } from "../../src/store/api.ts";
import type { PendingEvent } from "../../src/store/events.ts";
import { describeDb } from "../helpers/backends.ts";
import { test } from "bun:test";

const T = 1_700_000_000_000;
const session = (id: string) => ({ id, handle: id, agent: "demo", provider: "scripted", owner: "own_1", createdAt: T });
const prompts = (n: number, tag: string): PendingEvent[] =>
  Array.from({ length: n }, (_, i) => ({ turn: 1, at: T + i, event: { type: "prompt", text: `${tag} ${i}` } }));

async function texts(db: Db, sessionId: string): Promise<string[]> {
  return (await db.events.listEvents(sessionId)).map((e) => e.text ?? "");
}

describeDb("Db core", (b) => {
  test("a tick of buffered appends from many sessions is committed whole and read back in order (#15)", async () => {
    const { db, location } = await b.open();
    for (const id of ["ses_a", "ses_b", "ses_c"]) await db.sessions.insertSession(session(id));
    for (let i = 0; i < 400; i++) db.events.appendEvents(["ses_a", "ses_b", "ses_c"][i % 3]!, prompts(3, `call ${i}`)); // 1,200 rows
    expect(await db.events.countEvents("ses_a")).toBe(134 * 3);
    const a = await texts(db, "ses_a");
    expect(a.slice(0, 4)).toEqual(["call 0 0", "call 0 1", "call 0 2", "call 3 0"]);
    expect(a.at(-1)).toBe("call 399 2");
    const ids = (await db.events.listEvents("ses_b")).map((e) => e.id);
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    await db.flush();
    const other = await b.reopen(location);
    expect([await other.events.countEvents("ses_a"), await other.events.countEvents("ses_b"), await other.events.countEvents("ses_c")]).toEqual([402, 399, 399]);
  });

  test("buffered writes on a transaction handle commit with it and roll back with it (#15)", async () => {
    const { db } = await b.open();
    await db.tx(async (t) => {
      await t.sessions.insertSession(session("ses_kept"));
      t.events.appendEvents("ses_kept", prompts(2, "kept"));
      t.sessions.setSessionLastText("ses_kept", "last words");
    });
    expect(await texts(db, "ses_kept")).toEqual(["kept 0", "kept 1"]);
    expect((await db.sessions.getSessionRow("ses_kept"))?.last_text).toBe("last words");
    await expect(db.tx(async (t) => {
      await t.sessions.insertSession(session("ses_gone"));
      t.events.appendEvents("ses_gone", prompts(2, "gone"));
      throw new Error("abort");
    })).rejects.toThrow("abort");
    expect(await db.sessions.getSessionRow("ses_gone")).toBeNull();
    expect(await db.events.countEvents("ses_gone")).toBe(0);
  });

  test("a buffered write that fails is reported by the next call, and the writes around it stand (#15)", async () => {
    const { db } = await b.open();
    await db.sessions.insertSession(session("ses_ok"));
    db.events.appendEvents("ses_ok", prompts(1, "before"));
    db.events.appendEvents("ses_missing", prompts(1, "orphan")); // no such session: a foreign key refuses it
    await expect(db.flush()).rejects.toThrow();
    db.events.appendEvents("ses_ok", prompts(1, "after"));
    expect(await texts(db, "ses_ok")).toEqual(["before 0", "after 0"]);
    await db.flush(); // reported once, then the Db goes on
  });

  test("the statuses of a stored spec's runs are read the same on both backends (#15)", async () => {
    const { db } = await b.open();
    await db.runs.insertRun({ id: "run_a", workflow: "w", args: {}, file: "/p/.aegis/dynamic/dyn_1.json", at: T });
    await db.runs.insertRun({ id: "run_b", workflow: "w", args: {}, file: "/p/.aegis/dynamic/dyn_1.json", at: T + 1 });
    await db.runs.insertRun({ id: "run_c", workflow: "w", args: {}, file: "/p/.aegis/dynamic/dyn_2.json", at: T + 2 });
    await db.runs.finishRun("run_a", { status: "done", at: T + 5, attemptMs: 5 });
    expect((await db.runs.runStatusesOfFile("/p/.aegis/dynamic/dyn_1.json")).sort()).toEqual(["done", "running"]);
    expect(await db.runs.runStatusesOfFile("/p/none.json")).toEqual([]);
  });
});
