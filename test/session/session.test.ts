import { describe, expect, test } from "bun:test";
import { listEvents, rowToEvent } from "../../src/store/events.ts";
import { listInbox } from "../../src/store/inbox.ts";
import { hostName } from "../../src/store/owners.ts";
import { getSessionRow } from "../../src/store/sessions.ts";
import { HANDLE_PATTERN } from "../../src/util/ids.ts";
import { waitFor, within } from "../fixtures/helpers/wait.ts";
import { gate, manager, memoryStore, testConfig } from "./fixtures.ts";

const echo = { reply: (p: string) => `echo: ${p}` };
const HEADER_AGENT = /^> from agent:brisk-curie · \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

describe("Session", () => {
  test("the opening prompt is a headerless first turn; every event lands in the transcript with usage summed", async () => {
    const m = manager(testConfig({ demo: { reply: (p) => `hi ${p}`, usage: { input: 3, output: 5, costUsd: 0.25 } } }));
    const s = await m.spawn("demo", { prompt: "there", spawnedBy: "user" });
    expect(s.handle).toMatch(HANDLE_PATTERN);
    const out = await s.whenIdle();
    expect(out?.text).toBe("hi there");
    expect(s.state).toBe("ready");
    const types = listEvents(m.store, s.id).map((r) => r.type);
    expect(types).toEqual(["prompt", "init", "text", "usage", "turn_end"]);
    expect(rowToEvent(listEvents(m.store, s.id)[0]!)).toEqual({ type: "prompt", text: "there" });
    await m.send(s.handle, "again", "user");
    const row = getSessionRow(m.store, s.id)!;
    expect([row.turns, row.input_tokens, row.output_tokens, row.cost_usd, row.state]).toEqual([2, 6, 10, 0.5, "ready"]);
    expect(m.list()).toEqual([expect.objectContaining({ handle: s.handle, agent: "demo", state: "ready", inbox: 0, spawnedBy: "user", tokens: { input: 6, output: 10 }, costUsd: 0.5 })]);
  });

  test("send resolves with the final assistant text of the turn that carried it, with the sender's header", async () => {
    const m = manager(testConfig({ demo: echo }));
    const s = await m.spawn("demo", { handle: "brisk-curie" });
    const reply = await m.send("brisk-curie", "hello", "agent:brisk-curie");
    const [header, body] = reply.replace(/^echo: /, "").split("\n");
    expect(header).toMatch(HEADER_AGENT);
    expect(body).toBe("hello");
    expect(await m.send(s.handle, "plain", "user")).toBe("echo: plain");
  });

  test("messages arriving mid-turn are batched into one turn at the boundary, each with its header", async () => {
    const g = gate();
    const prompts: string[] = [];
    const m = manager(testConfig({
      demo: { reply: async (p, ctx) => { prompts.push(p); if (ctx.turn === 1) await g.wait(); return `turn ${ctx.turn}`; } },
    }));
    const s = await m.spawn("demo", { prompt: "start" });
    expect(s.state).toBe("working");
    const d1 = m.deliver(s.handle, { from: "agent:quick-knuth", body: "one" });
    const p2 = m.send(s.handle, "two", "workflow:tdd");
    const d3 = m.deliver(s.handle, { from: "queue:review", body: "three", taskId: "task_x", status: "error" });
    expect(await Promise.all([d1, d3])).toEqual([{ disposition: "queued", depth: 1 }, { disposition: "queued", depth: 3 }]);
    expect(m.list()[0]!.inbox).toBe(3);
    // Persisted before delivery: the rows exist while the turn still runs, and none is delivered yet.
    const rows = listInbox(m.store, s.handle);
    expect(rows.map((r) => [r.sender, r.delivered_at])).toEqual([["agent:quick-knuth", null], ["workflow:tdd", null], ["queue:review", null]]);
    g.open();
    expect(await within(p2, 2000, "batched reply")).toBe("turn 2");
    expect(prompts).toHaveLength(2);
    const parts = prompts[1]!.split("\n\n");
    expect(parts).toHaveLength(3);
    expect(parts[0]).toMatch(/^> from agent:quick-knuth · \S+Z\none$/);
    expect(parts[1]).toMatch(/^> from workflow:tdd · \S+Z\ntwo$/);
    expect(parts[2]).toMatch(/^> from queue:review · task#task_x · error · \S+Z\nthree$/);
    expect(listInbox(m.store, s.handle).every((r) => r.delivered_at !== null && r.session_id === s.id)).toBe(true);
  });

  test("a message to an idle session lands and starts a turn at once", async () => {
    const m = manager(testConfig({ demo: echo }));
    const s = await m.spawn("demo");
    expect(s.state).toBe("ready");
    expect(await m.deliver(s.handle, { from: "user", body: "x" })).toEqual({ disposition: "landed", depth: 0 });
    expect(s.state).toBe("working");
    expect((await s.whenIdle())?.text).toBe("echo: x");
  });

  test("an error turn puts the session in error and rejects the sender; the next turn recovers", async () => {
    const m = manager(testConfig({ demo: { reply: (p) => (p === "fail" ? { text: "boom", isError: true } : "fine") } }));
    const s = await m.spawn("demo");
    await expect(m.send(s.handle, "fail", "user")).rejects.toMatchObject({ code: "E_AGENT_EXIT" });
    expect(s.state).toBe("error");
    expect(await m.send(s.handle, "ok", "user")).toBe("fine");
    expect(s.state).toBe("ready");
  });

  test("interrupt ends the running turn as cancelled", async () => {
    const m = manager(testConfig({ demo: { reply: (_p, ctx) => new Promise<string>((_r, rej) => ctx.signal.addEventListener("abort", () => rej(new Error("aborted")))) } }));
    const s = await m.spawn("demo");
    const p = m.send(s.handle, "wait forever", "user");
    await m.interrupt(s.handle);
    await expect(within(p, 2000, "interrupted send")).rejects.toMatchObject({ code: "E_CANCELLED" });
    expect(s.state).toBe("error");
  });

  test("a silent turn times out: interrupted after idleTimeoutMs and reported as a timeout", async () => {
    const m = manager(testConfig({ demo: { reply: (_p, ctx) => new Promise<string>((_r, rej) => ctx.signal.addEventListener("abort", () => rej(new Error("aborted")))) } }), { idleTimeoutMs: 50 });
    const s = await m.spawn("demo");
    await expect(within(m.send(s.handle, "hang", "user"), 3000, "timeout")).rejects.toMatchObject({ code: "E_TIMEOUT" });
  });

  test("the idle timeout is the driver's, passed once: a reply that ignores its abort signal still times out (#10)", async () => {
    const m = manager(testConfig({ demo: { reply: () => new Promise<string>(() => {}) } }), { idleTimeoutMs: 40 });
    const s = await m.spawn("demo");
    const driver = s.driver;
    driver.interrupt = async () => {}; // nothing above the driver interrupts a silent turn any more
    await expect(within(m.send(s.handle, "hang", "user"), 3000, "timed-out turn")).rejects.toMatchObject({ code: "E_TIMEOUT", message: expect.stringMatching(/timed out: no event from the scripted agent for 40 ms/) });
  });

  test("a driver whose stream ends without a turn_end gets an error turn, not a hang (#10)", async () => {
    const m = manager(testConfig({ demo: { reply: () => "ok" } }));
    const s = await m.spawn("demo");
    s.driver.send = async function* () {
      yield { type: "text", text: "half" };
    };
    await expect(within(m.send(s.handle, "x", "user"), 3000, "broken stream")).rejects.toMatchObject({ message: expect.stringMatching(/ended without a turn end/) });
  });

  test("close rejects waiting senders, keeps undelivered rows, and a later session with the handle collects them", async () => {
    const g = gate();
    const seen: string[] = [];
    const store = memoryStore();
    const m = manager(testConfig({ demo: { reply: async (p, ctx) => { seen.push(p); if (ctx.turn === 1 && !g.opened) await g.wait(); return "ok"; } } }), { store });
    const s = await m.spawn("demo", { handle: "calm-hopper", prompt: "first" });
    const waiting = m.send("calm-hopper", "later", "agent:kind-euler");
    await m.close("calm-hopper");
    g.open();
    await expect(waiting).rejects.toMatchObject({ code: "E_CANCELLED" });
    expect(m.get("calm-hopper")).toBeUndefined();
    expect(m.list()).toEqual([]);
    expect(getSessionRow(store, s.id)!.state).toBe("closed");
    await expect(m.send("calm-hopper", "x", "user")).rejects.toMatchObject({ code: "E_NOT_FOUND" });
    const again = await m.spawn("demo", { handle: "calm-hopper" });
    await again.whenIdle();
    expect(seen.at(-1)).toMatch(/^> from agent:kind-euler · \S+\nlater$/);
    await m.close("calm-hopper");
    await m.close("calm-hopper"); // idempotent
  });

  test("handles: explicit ones are validated and unique among live sessions; unknown agents are E_NOT_FOUND, as everywhere (#10)", async () => {
    const m = manager(testConfig({ demo: echo }));
    await m.spawn("demo", { handle: "tidy-turing" });
    await expect(m.spawn("demo", { handle: "tidy-turing" })).rejects.toMatchObject({ code: "E_STATE" });
    await expect(m.spawn("demo", { handle: "Not OK" })).rejects.toMatchObject({ code: "E_USAGE" });
    await expect(m.spawn("dmeo")).rejects.toMatchObject({ code: "E_NOT_FOUND", message: expect.stringContaining('did you mean "demo"') });
    const many = await Promise.all(Array.from({ length: 30 }, () => m.spawn("demo")));
    expect(new Set(many.map((s) => s.handle)).size).toBe(30);
    await m.closeAll();
    expect(m.list()).toEqual([]);
  });

  test("a handle left open by a process that died can be taken again", async () => {
    const store = memoryStore();
    const gone = Bun.spawnSync(["true"]).pid;
    store.db.run(`INSERT INTO owners (id, pid, host, proc_start, started_at) VALUES ('own_dead', ${gone}, '${(await import("node:os")).hostname()}', NULL, 0)`);
    store.db.run("INSERT INTO sessions (id, handle, agent, provider, state, owner, created_at) VALUES ('ses_old', 'keen-gauss', 'demo', 'scripted', 'ready', 'own_dead', 0)");
    store.db.run("INSERT INTO sessions (id, handle, agent, provider, state, owner, created_at) VALUES ('ses_alive', 'wise-euler', 'demo', 'scripted', 'ready', 'own_other_host', 0)");
    store.db.run("INSERT INTO owners (id, pid, host, proc_start, started_at) VALUES ('own_other_host', 1, 'elsewhere.example', NULL, 0)");
    const m = manager(testConfig({ demo: echo }), { store, owner: "own_me" });
    const s = await m.spawn("demo", { handle: "keen-gauss" });
    expect(getSessionRow(store, "ses_old")!.state).toBe("closed");
    expect(s.handle).toBe("keen-gauss");
    await expect(m.spawn("demo", { handle: "wise-euler" })).rejects.toMatchObject({ code: "E_STATE" });
  });

  test("a session row records its host; a provider session recorded by another host is not resumed here (#15)", async () => {
    const store = memoryStore();
    const m = manager(testConfig({ demo: echo }), { store, owner: "own_me" });
    const s = await m.spawn("demo", { handle: "calm-noether" });
    expect(getSessionRow(store, s.id)!.host).toBe(hostName());
    await m.close("calm-noether");
    // The same handle, last run on another machine: resuming its provider session there is refused, a fresh start is not.
    store.db.run("UPDATE sessions SET host = 'elsewhere.example' WHERE id = ?", [s.id]);
    await expect(m.spawn("demo", { handle: "calm-noether", resumeId: "prov-1" })).rejects.toMatchObject({
      code: "E_STATE", message: expect.stringContaining("ran on host elsewhere.example"),
    });
    expect(m.get("calm-noether")).toBeUndefined();
    const fresh = await m.spawn("demo", { handle: "calm-noether" });
    expect(getSessionRow(store, fresh.id)!.host).toBe(hostName());
    await m.closeAll();
  });

  test("a message for a handle live in another process is persisted there and collected by that process", async () => {
    const store = memoryStore();
    const cfg = testConfig({ demo: echo });
    const a = manager(cfg, { store });
    const b = manager(cfg, { store });
    const s = await b.spawn("demo", { handle: "sure-gauss" });
    expect(await a.deliver("sure-gauss", { from: "agent:other-one", body: "hey" })).toEqual({ disposition: "queued", depth: 1 });
    await expect(a.deliver("no-such", { from: "user", body: "x" })).rejects.toMatchObject({ code: "E_NOT_FOUND" });
    expect(await b.collectInbox()).toBe(1);
    expect(await b.collectInbox()).toBe(0);
    expect((await s.whenIdle())?.text).toMatch(/^echo: > from agent:other-one · \S+\nhey$/);
  });

  test("progress subscribers see spawns, state changes and every event with its handle", async () => {
    const m = manager(testConfig({ demo: echo }));
    const seen: string[] = [];
    const off = m.on((e) => seen.push(e.type === "event" ? `event:${e.event.type}` : e.type === "state" ? `state:${e.state}` : `spawned:${e.agent}`));
    const s = await m.spawn("demo", { prompt: "p" });
    await s.whenIdle();
    off();
    await m.send(s.handle, "q", "user");
    expect(seen).toEqual(["spawned:demo", "state:working", "event:init", "event:text", "event:usage", "event:turn_end", "state:ready"]);
  });

  test("events of a long turn reach the store before the turn ends", async () => {
    const g = gate();
    const m = manager(testConfig({ demo: { reply: async () => { await g.wait(); return { text: "done", toolCalls: [{ name: "Read", output: "x" }] }; } } }), { flushMs: 5 });
    const s = await m.spawn("demo", { prompt: "go" });
    await waitFor(() => listEvents(m.store, s.id).length >= 2, { what: "mid-turn flush" });
    expect(s.state).toBe("working");
    expect(listEvents(m.store, s.id).map((r) => r.type)).toEqual(["prompt", "init"]);
    g.open();
    await s.whenIdle();
    expect(listEvents(m.store, s.id).map((r) => r.type)).toEqual(["prompt", "init", "tool_call", "tool_result", "text", "usage", "turn_end"]);
  });
});
