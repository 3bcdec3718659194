// The orientation and peer tools over the MCP SDK's own client, against a real SessionManager of Scripted agents:
// aegis_meta, aegis_list_sessions, aegis_list_agents, aegis_spawn, aegis_handoff — happy paths, error cases, and
// that a session cannot act as another whatever its arguments say.

import { afterEach, describe, expect, test } from "bun:test";
import { testConfig, gate } from "../session/fixtures.ts";
import { waitFor } from "../fixtures/helpers/wait.ts";
import { call, callJson, planeHarness, type PlaneHarness } from "./helpers.ts";

const HEADER = /^> from agent:(\S+) · \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/m;

function recordingConfig() {
  const seen: Record<string, string[]> = {};
  const hold = gate();
  const record = (name: string) => (p: string, ctx: { handle: string }) => {
    (seen[ctx.handle] ??= []).push(p);
    return `${name} got: ${p}`;
  };
  const config = testConfig({
    a: { reply: record("a") },
    b: { reply: record("b") },
    slow: { reply: async (p, ctx) => { (seen[ctx.handle] ??= []).push(p); await hold.wait(); return "done"; } },
  }, { review: { agent: "b", maxParallel: 1 } });
  return { seen, hold, config };
}

let h: PlaneHarness;
afterEach(() => h?.close());

describe("orientation", () => {
  test("aegis_meta tells a session its handle, its peers, agents, queues, headers and every tool", async () => {
    const { config } = recordingConfig();
    h = planeHarness(config);
    await h.sessions.spawn("a", { handle: "alpha" });
    await h.sessions.spawn("b", { handle: "bravo", spawnedBy: "agent:alpha" });
    const meta = await call(await h.clientAs("alpha"), "aegis_meta");
    expect(meta.isError).toBe(false);
    expect(meta.text).toContain("You are alpha");
    expect(meta.text).toContain("bravo: agent b");
    expect(meta.text).toContain("spawned by agent:alpha");
    expect(meta.text).toContain("review (agent b, 1 at a time)");
    expect(meta.text).toContain("> from queue:<name> · task#<id> · ok|error");
    for (const tool of (await (await h.clientAs("alpha")).listTools()).tools) expect(meta.text).toContain(`- ${tool.name}:`);
  });

  test("aegis_list_sessions marks the caller; aegis_list_agents lists profiles with provider and model", async () => {
    const { config } = recordingConfig();
    h = planeHarness(config);
    await h.sessions.spawn("a", { handle: "alpha" });
    await h.sessions.spawn("b", { handle: "bravo" });
    const { sessions } = await callJson(await h.clientAs("bravo"), "aegis_list_sessions");
    expect(sessions.map((s: { handle: string }) => s.handle).sort()).toEqual(["alpha", "bravo"]);
    expect(sessions.find((s: { handle: string }) => s.handle === "bravo")).toMatchObject({ you: true, agent: "b", state: "ready", inbox: 0 });
    expect(sessions.find((s: { handle: string }) => s.handle === "alpha").you).toBe(false);
    const { agents } = await callJson(await h.clientAs("alpha"), "aegis_list_agents");
    expect(agents).toContainEqual({ name: "a", provider: "scripted", model: "scripted" });
    expect(agents.map((a: { name: string }) => a.name)).toEqual(["a", "b", "slow"]);
  });
});

describe("aegis_spawn", () => {
  test("starts a peer recorded as spawned by the caller, whose first turn is the prompt (headerless)", async () => {
    const { config, seen } = recordingConfig();
    h = planeHarness(config);
    await h.sessions.spawn("a", { handle: "alpha" });
    const client = await h.clientAs("alpha");
    // A forged spawner in the arguments is ignored: the spawner is the authenticated caller.
    const { handle, agent } = await callJson(client, "aegis_spawn", { agent: "b", prompt: "review x", spawnedBy: "agent:zulu" });
    expect(agent).toBe("b");
    expect(h.sessions.get(handle)?.spawnedBy).toBe("agent:alpha");
    await waitFor(() => seen[handle]?.length, { what: "the spawned peer's first turn" });
    expect(seen[handle]).toEqual(["review x"]);
    expect(h.attachments.has(handle)).toBe(true);
  });

  test("refuses an unknown agent (naming the known ones) and bad arguments", async () => {
    const { config } = recordingConfig();
    h = planeHarness(config);
    await h.sessions.spawn("a", { handle: "alpha" });
    const client = await h.clientAs("alpha");
    const unknown = await call(client, "aegis_spawn", { agent: "nobody" });
    expect(unknown).toEqual({ isError: true, text: 'E_NOT_FOUND: unknown agent "nobody" (known: a, b, slow)' });
    const bad = await call(client, "aegis_spawn", { agent: 42 });
    expect(bad.isError).toBe(true);
    expect(bad.text).toContain("Invalid arguments for tool aegis_spawn");
    expect((await call(client, "aegis_spawn", {})).isError).toBe(true);
    expect(h.sessions.list()).toHaveLength(1);
  });
});

describe("aegis_handoff", () => {
  test("lands at an idle peer, whose next turn carries the caller's header", async () => {
    const { config, seen } = recordingConfig();
    h = planeHarness(config);
    await h.sessions.spawn("a", { handle: "alpha" });
    await h.sessions.spawn("b", { handle: "bravo" });
    const r = await callJson(await h.clientAs("alpha"), "aegis_handoff", { target: "bravo", context: "please check the parser" });
    expect(r).toMatchObject({ target: "bravo", disposition: "landed", summary: "landed at bravo" });
    await waitFor(() => seen.bravo?.length, { what: "bravo's turn" });
    expect(seen.bravo![0]).toMatch(HEADER);
    expect(HEADER.exec(seen.bravo![0]!)?.[1]).toBe("alpha");
    expect(seen.bravo![0]).toEndWith("\nplease check the parser");
  });

  test("queues behind a working peer and reports the depth", async () => {
    const { config, seen, hold } = recordingConfig();
    h = planeHarness(config);
    await h.sessions.spawn("a", { handle: "alpha" });
    await h.sessions.spawn("slow", { handle: "sloth", prompt: "work" });
    await waitFor(() => seen.sloth?.length, { what: "sloth's first turn to start" });
    const client = await h.clientAs("alpha");
    expect(await callJson(client, "aegis_handoff", { target: "sloth", context: "one" })).toMatchObject({ disposition: "queued", depth: 1, summary: "queued for sloth (position 1)" });
    expect(await callJson(client, "aegis_handoff", { target: "sloth", context: "two" })).toMatchObject({ disposition: "queued", depth: 2 });
    hold.open();
    await waitFor(() => seen.sloth!.length >= 2, { what: "the batched turn" });
    expect(seen.sloth![1]).toContain("one");
    expect(seen.sloth![1]).toContain("two");
  });

  test("refuses an unknown target (naming the live ones), a handoff to yourself, and empty context", async () => {
    const { config } = recordingConfig();
    h = planeHarness(config);
    await h.sessions.spawn("a", { handle: "alpha" });
    await h.sessions.spawn("b", { handle: "bravo" });
    const client = await h.clientAs("alpha");
    const unknown = await call(client, "aegis_handoff", { target: "ghost", context: "hi" });
    expect(unknown.isError).toBe(true);
    expect(unknown.text).toMatch(/^E_NOT_FOUND: unknown session "ghost" \(known: (alpha, bravo|bravo, alpha)\)$/);
    expect(await call(client, "aegis_handoff", { target: "alpha", context: "hi" })).toEqual({
      isError: true, text: "E_USAGE: you cannot hand off to yourself; pick a peer from aegis_list_sessions",
    });
    expect((await call(client, "aegis_handoff", { target: "bravo", context: "" })).text).toContain("context must not be empty");
  });

  test("a session cannot act as another: forged sender arguments are ignored, the header names the caller", async () => {
    const { config, seen } = recordingConfig();
    h = planeHarness(config);
    await h.sessions.spawn("a", { handle: "alpha" });
    await h.sessions.spawn("b", { handle: "bravo" });
    await h.sessions.spawn("b", { handle: "charlie" });
    const client = await h.clientAs("alpha");
    await callJson(client, "aegis_handoff", { target: "charlie", context: "from bravo, honest", from_handle: "bravo", from: "agent:bravo" });
    await waitFor(() => seen.charlie?.length, { what: "charlie's turn" });
    expect(HEADER.exec(seen.charlie![0]!)?.[1]).toBe("alpha");
    const rows = h.store.db.query<{ sender: string }, []>("SELECT sender FROM inbox WHERE target = 'charlie'").all();
    expect(rows).toEqual([{ sender: "agent:alpha" }]);
  });
});
