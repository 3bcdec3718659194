// The sessions, events, inbox, claims and groups families through the async contract, one suite on both backends
// (#15): the same calls give the same rows, a live handle is held once, transcripts keep their order, an inbox
// message written by another connection wakes the subscriber holding its target, and racing claims in two
// connections never both win an exclusive path.

import { expect, setDefaultTimeout, test } from "bun:test";
import type { Db, DbTopic } from "../../src/store/api.ts";
import type { PendingEvent } from "../../src/store/events.ts";
import type { NewSessionRow } from "../../src/store/sessions.ts";
import { waitFor } from "../fixtures/helpers/wait.ts";
import { describeDb } from "../helpers/backends.ts";

const T0 = 1_700_000_000_000;
const ses = (id: string, handle: string, extra: Partial<NewSessionRow> = {}): NewSessionRow =>
  ({ id, handle, agent: "coder", provider: "claude-code", createdAt: T0, ...extra });
const totals = { turns: 2, input: 10, output: 20, cacheRead: 3, cacheWrite: 4, costUsd: 0.25 };

/** Resolves with the first key after the subscription's live "*" that `match` accepts. */
function nextKey(db: Db, topic: DbTopic, match: (k: string) => boolean, ms = 10_000): { live: Promise<void>; key: Promise<string> } {
  let live!: () => void;
  const liveP = new Promise<void>((r) => (live = r));
  const key = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${topic} signal within ${ms} ms`)), ms);
    let calls = 0;
    const off = db.subscribe(topic, (k) => {
      if (calls++ === 0) return live();
      if (!match(k)) return;
      clearTimeout(timer);
      off();
      resolve(k);
    });
  });
  return { live: liveP, key };
}

// The first PostgreSQL test starts the throwaway cluster: seconds on a loaded machine.
setDefaultTimeout(30_000);

describeDb("sessions, events, inbox, claims and groups on the store contract (#15)", (b) => {
  test("session rows: a live handle is held once, updates and reads agree on both backends (#15)", async () => {
    const { db } = await b.open();
    expect(await db.sessions.insertSession(ses("ses_a", "amber-fox", { spawnedBy: "run_1", owner: "own_1", host: "box-1" }))).toBe(true);
    expect(await db.sessions.insertSession(ses("ses_b", "amber-fox"))).toBe(false); // handle held by a live session
    await db.sessions.updateSession("ses_a", "ready", totals, "hello", null, { pid: 42, providerSessionId: "p-1" });
    db.sessions.setSessionLastText("ses_a", "hello again");
    const a = await db.sessions.getSessionRow("ses_a");
    expect(a).toMatchObject({ id: "ses_a", state: "ready", turns: 2, input_tokens: 10, output_tokens: 20, cache_read_tokens: 3,
      cache_write_tokens: 4, cost_usd: 0.25, last_text: "hello again", pid: 42, provider_session_id: "p-1", created_at: T0, closed_at: null, host: "box-1" });
    expect(await db.sessions.ownersOfOpenSessions()).toEqual(["own_1"]);
    expect(await db.sessions.closeSessionsOfOwners(["own_1", "own_none"], T0 + 5)).toBe(1);
    expect((await db.sessions.getSessionRow("ses_a"))?.closed_at).toBe(T0 + 5);
    // The handle is free again: a new session of the same conversation takes it.
    expect(await db.sessions.insertSession(ses("ses_c", "amber-fox", { spawnedBy: "run_1", createdAt: T0 + 10 }))).toBe(true);
    expect((await db.sessions.findSessionByHandle("amber-fox"))?.id).toBe("ses_c");
    expect(await db.sessions.sessionChain("amber-fox", "run_1")).toEqual(["ses_a", "ses_c"]);
    expect(await db.sessions.sessionChain("amber-fox", "run_1", "ses_c")).toEqual(["ses_c"]);
    expect((await db.sessions.sessionsSpawnedBy("run_1")).map((s) => s.id)).toEqual(["ses_a", "ses_c"]);
    db.sessions.markSessionReady("ses_c", 7, "p-2");
    expect(await db.sessions.getSessionRow("ses_c")).toMatchObject({ state: "ready", pid: 7, provider_session_id: "p-2" });
    expect(await db.sessions.getSessionRow("ses_missing")).toBeNull();
  });

  test("buffered transcript rows land in program order and read back as the events they were (#15)", async () => {
    const { db } = await b.open();
    await db.sessions.insertSession(ses("ses_t", "blue-owl"));
    const ev = (i: number): PendingEvent => (i % 3 === 0
      ? { turn: 1, at: T0 + i, event: { type: "text", text: `line ${i}` } }
      : { turn: 1, at: T0 + i, event: { type: "tool_call", id: `t${i}`, name: "Read", input: { i } } as never });
    for (let i = 0; i < 25; i++) db.events.appendEvents("ses_t", [ev(2 * i), ev(2 * i + 1)]);
    db.events.appendEvents("ses_t", Array.from({ length: 1_200 }, (_, i) => ev(100 + i)));
    await db.flush();
    expect(await db.events.countEvents("ses_t")).toBe(1_250);
    const first = await db.events.listEvents("ses_t", 0, 4);
    expect(first.map((r) => r.at)).toEqual([T0, T0 + 1, T0 + 2, T0 + 3]);
    expect(first[0]).toMatchObject({ type: "text", text: "line 0", data: null, turn: 1 });
    expect(JSON.parse(first[1]!.data!)).toEqual({ type: "tool_call", id: "t1", name: "Read", input: { i: 1 } });
    const rest = await db.events.listEvents("ses_t", first[3]!.id);
    expect(rest.length).toBe(1_246);
    expect(rest.every((r, i) => i === 0 || r.id > rest[i - 1]!.id && r.at > rest[i - 1]!.at)).toBe(true);
  });

  test("a turn-end update appends the turn's last rows in its own write, after the rows buffered before it (#15)", async () => {
    const { db } = await b.open();
    await db.sessions.insertSession(ses("ses_e", "end-owl"));
    const ev = (i: number): PendingEvent => ({ turn: 1, at: T0 + i, event: { type: "text", text: `r${i}` } });
    db.events.appendEvents("ses_e", [ev(0), ev(1)]);
    await db.sessions.updateSession("ses_e", "ready", totals, "r3", null, {}, [ev(2), ev(3)]);
    // More rows than one INSERT takes go first, on their own; the update still lands.
    await db.sessions.updateSession("ses_e", "closed", totals, "last", T0 + 9, {}, Array.from({ length: 1_001 }, (_, i) => ev(4 + i)));
    const rows = await db.events.listEvents("ses_e");
    expect(rows.map((r) => r.text)).toEqual(Array.from({ length: 1_005 }, (_, i) => `r${i}`));
    expect(await db.sessions.getSessionRow("ses_e")).toMatchObject({ state: "closed", last_text: "last", turns: 2 });
  });

  test("an inbox message from another connection wakes the subscriber holding its target; delivery marks once (#15)", async () => {
    const { db, location } = await b.open();
    const other = await b.reopen(location);
    await db.sessions.insertSession(ses("ses_i", "calm-elk"));
    const w = nextKey(db, "inbox", (k) => k === "calm-elk" || k === "*");
    await w.live;
    const m1 = await other.inbox.insertInbox({ target: "calm-elk", sender: "agent:other", body: "first", taskId: "task_1", status: "ok", at: T0 });
    await other.inbox.insertInbox({ target: "someone-else", sender: "user", body: "not yours", at: T0 + 1 });
    expect(["calm-elk", "*"]).toContain(await w.key);
    const waiting = await db.inbox.undeliveredAfter(["calm-elk"], 0);
    expect(waiting.map((m) => m.body)).toEqual(["first"]);
    expect(waiting[0]).toEqual({ ...m1 });
    expect(await db.inbox.markDelivered([m1.id, 9_999], "ses_i", T0 + 2)).toEqual([m1.id]);
    expect(await other.inbox.markDelivered([m1.id], "ses_other", T0 + 3)).toEqual([]); // delivered once
    expect(await db.inbox.undeliveredFor("calm-elk")).toEqual([]);
    expect((await db.inbox.inboxForTask("task_1"))[0]).toMatchObject({ delivered_at: T0 + 2, session_id: "ses_i" });
    expect((await db.inbox.listInbox("someone-else")).map((m) => m.body)).toEqual(["not yours"]);
  });

  test("racing exclusive claims in two connections: one wins, the loser sees the overlap; release frees it (#15)", async () => {
    const { db, location } = await b.open();
    const other = await b.reopen(location);
    await db.sessions.insertSession(ses("ses_1", "one"));
    await db.sessions.insertSession(ses("ses_2", "two"));
    const req = (sessionId: string, handle: string, paths: string[]) => ({ sessionId, handle, intent: "exclusive" as const, paths, at: T0 });
    const outcomes = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? other : db).claims.tryClaim(
      i % 2 ? req("ses_2", "two", ["src"]) : req("ses_1", "one", ["src/a.ts"]),
    )));
    const winners = new Set(outcomes.filter((o) => o?.granted).map((o) => (o as { claim: { sessionId: string } }).claim.sessionId));
    expect(winners.size).toBe(1);
    const live = await db.claims.listClaims();
    expect(new Set(live.map((c) => c.sessionId))).toEqual(winners);
    const loser = outcomes.find((o) => o && !o.granted);
    expect(loser?.overlaps[0]?.conflicts).toBe(true);
    const [w] = [...winners];
    for (const c of live) expect(await db.claims.releaseClaim(c.id, w!)).toBe(true);
    expect(await db.claims.getClaim(live[0]!.id)).toBeUndefined();
    // A closed session holds nothing: its claim is not live and cannot be made.
    await db.sessions.closeSessionRow("ses_1", T0 + 1);
    expect(await db.claims.tryClaim(req("ses_1", "one", ["x"]))).toBeUndefined();
    const ok = await other.claims.tryClaim(req("ses_2", "two", ["src"]));
    expect(ok?.granted).toBe(true);
    expect(await db.claims.releaseSessionClaims("ses_2")).toBe(1);
  });

  test("the write that closes a session deletes its claims; a turn-end update that does not close keeps them (#15)", async () => {
    const { db } = await b.open();
    const req = (sessionId: string, handle: string, path: string) => ({ sessionId, handle, intent: "exclusive" as const, paths: [path], at: T0 });
    for (const [id, h] of [["ses_a", "a"], ["ses_b", "b"], ["ses_c", "c"]] as const) {
      await db.sessions.insertSession(ses(id, h));
      expect((await db.claims.tryClaim(req(id, h, `src/${h}`)))?.granted).toBe(true);
    }
    await db.sessions.updateSession("ses_a", "ready", totals, "hi");
    await db.sessions.updateSession("ses_b", "closed", totals, "bye", T0 + 5);
    await db.sessions.closeSessionRow("ses_c", T0 + 6);
    // Deleted, not merely hidden behind the closed rows: nothing is left for a release to delete.
    expect(await db.claims.releaseSessionClaims("ses_b")).toBe(0);
    expect(await db.claims.releaseSessionClaims("ses_c")).toBe(0);
    expect((await db.claims.listClaims()).map((c) => c.sessionId)).toEqual(["ses_a"]);
  });

  // PostgreSQL only: SQLite announces another connection's commits as "*" (a WAL watch), with no keys to tell apart.
  test.skipIf(b.name === "sqlite")("a queue worker's session is announced by its task's claim, not by its own insert and close; other sessions notify as before (#15)", async () => {
    const { db, location } = await b.open();
    const other = await b.reopen(location);
    const keys: string[] = [];
    let live!: () => void;
    const isLive = new Promise<void>((r) => (live = r));
    const off = db.subscribe("sessions", (k) => (k === "*" ? live() : keys.push(k)));
    await isLive;
    const seen = (k: string, times = 1) => waitFor(() => keys.filter((x) => x === k).length >= times, { what: `notification ${k} ×${times}`, timeoutMs: 10_000 });
    // The worker's insert, then another session's (the sentinel): by the sentinel's notification, the worker's would be in.
    await other.sessions.insertSession(ses("ses_w1", "worker-one", { spawnedBy: "queue:q" }));
    await other.sessions.insertSession(ses("ses_n1", "plain-one", { spawnedBy: "user" }));
    await seen("ses_n1");
    await other.tasks.insertTask({ id: "task_c1", queue: "q", payload: "p", enqueuedBy: "test", callback: false, at: T0 });
    expect((await other.tasks.claimTasks("q", 4, "own_x", T0 + 1, 1)).map((r) => r.id)).toEqual(["task_c1"]);
    await seen("ses_c1");
    await other.sessions.updateSession("ses_w1", "closed", totals, "done", T0 + 2);
    await other.sessions.updateSession("ses_n1", "closed", totals, "done", T0 + 2);
    await seen("ses_n1", 2);
    off();
    expect(keys).toEqual(["ses_n1", "ses_c1", "ses_n1"]);
  });

  test("group rows: insert, broadcast, gather, dissolve once (#15)", async () => {
    const { db } = await b.open();
    const g = { id: "grp_1", name: "reviewers", owner: "agent:lead", process: "own_1", members: [{ handle: "a", agent: "coder" }], at: T0 };
    await db.groups.insertGroup(g);
    await db.groups.insertGroup({ ...g, id: "grp_2", at: T0 + 1 });
    expect((await db.groups.activeGroupsNamed("reviewers")).map((r) => r.id)).toEqual(["grp_2", "grp_1"]);
    await db.groups.recordBroadcast("grp_1", 1, { id: "b1" });
    await db.groups.recordGather("grp_1", { id: "b1", gathered: true }, { ok: 1 });
    expect(await db.groups.getGroup("grp_1")).toMatchObject({ broadcasts: 1, last_broadcast: '{"id":"b1","gathered":true}',
      last_gather: '{"ok":1}', members: '[{"handle":"a","agent":"coder"}]', created_at: T0, dissolved_at: null });
    expect(await db.groups.dissolveGroupRow("grp_1", T0 + 9)).toBe(true);
    expect(await db.groups.dissolveGroupRow("grp_1", T0 + 10)).toBe(false);
    expect((await db.groups.activeGroupsOf("agent:lead")).map((r) => r.id)).toEqual(["grp_2"]);
    expect((await db.groups.getGroup("grp_1"))?.dissolved_at).toBe(T0 + 9);
  });
});
