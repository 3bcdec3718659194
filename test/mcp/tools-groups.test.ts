// The group tools over the MCP SDK's own client (#13), against the real SessionManager with Scripted members:
// aegis_group_spawn, aegis_broadcast (the brief under the group's header), aegis_gather (majorityVote, ties, failures,
// timeouts with the late turns interrupted), aegis_group_status (also as a record after the hosting process is gone),
// aegis_dissolve; only the owner (the authenticated caller) may broadcast, gather or dissolve.

import { afterEach, describe, expect, test } from "bun:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { OPERATOR } from "../../src/mcp/identity.ts";
import { buildToolServer, loadSdk } from "../../src/mcp/tools.ts";
import { removeOwner } from "../../src/store/owners.ts";
import type { Store } from "../../src/store/store.ts";
import { memoryStore, testConfig } from "../session/fixtures.ts";
import { call, callJson, planeHarness, type PlaneHarness } from "./helpers.ts";

const BRIEF = /^> from group:(\S+)\/broadcast:(\d+) · \S+Z\n## Objective\n/;

function setup() {
  const seen: Record<string, string[]> = {};
  const note = (handle: string, p: string) => (seen[handle] ??= []).push(p);
  const config = testConfig({
    boss: { reply: () => "ok" },
    eve: { reply: () => "ok" },
    yes: { reply: (p, ctx) => (note(ctx.handle, p), "Yes.") },
    no: { reply: (p, ctx) => (note(ctx.handle, p), "no") },
    slow: { reply: (p, ctx) => (note(ctx.handle, p), new Promise<string>(() => {})) },
    broken: { reply: () => ({ text: "boom", isError: true }) },
  });
  return { seen, config };
}

let h: PlaneHarness | undefined;
afterEach(() => h?.close());

async function asBoss(harness: PlaneHarness, handle = "boss"): Promise<Client> {
  await harness.sessions.spawn("boss", { handle });
  return harness.clientAs(handle);
}

async function operatorClient(harness: PlaneHarness): Promise<Client> {
  const { McpServer } = await loadSdk();
  const server = buildToolServer(McpServer, { caller: OPERATOR, ports: harness.ports });
  const [a, b] = InMemoryTransport.createLinkedPair();
  await server.connect(a);
  const client = new Client({ name: "operator-test", version: "0.0.0" });
  await client.connect(b);
  return client;
}

describe("aegis_group_spawn, aegis_broadcast, aegis_gather (#13)", () => {
  test("a majority vote over a group's replies; the brief reaches every member under the group's header", async () => {
    const { config, seen } = setup();
    h = planeHarness(config);
    const boss = await asBoss(h);
    const g = await callJson(boss, "aegis_group_spawn", { name: "jury", members: ["yes", "yes", "no"] });
    expect(g).toMatchObject({ name: "jury", owner: "agent:boss", state: "active", hosted: true, broadcasts: 0, inFlight: null });
    expect(g.groupId).toStartWith("grp_");
    const handles: string[] = g.members.map((m: { handle: string }) => m.handle);
    expect(g.members.map((m: { agent: string }) => m.agent)).toEqual(["yes", "yes", "no"]);
    for (const handle of handles) expect(h.sessions.get(handle)?.spawnedBy).toBe("agent:boss");

    const sent = await callJson(boss, "aegis_broadcast", { group: "jury", objective: "Ship it?", outputFormat: "yes or no", boundaries: "read only" });
    expect(sent).toEqual({ groupId: g.groupId, name: "jury", broadcastId: 1, from: "group:jury/broadcast:1", members: handles });
    const out = await callJson(boss, "aegis_gather", { group: g.groupId, reducer: "majorityVote" });
    expect(out).toMatchObject({ broadcastId: 1, reducer: "majorityVote", errors: [], timeouts: [] });
    expect(out.combined).toEqual({ winner: "yes", tie: [], votes: { yes: 2, no: 1 } });
    expect(out.byMember).toEqual({ [handles[0]!]: "Yes.", [handles[1]!]: "Yes.", [handles[2]!]: "no" });
    for (const handle of handles) {
      expect(seen[handle]![0]).toMatch(BRIEF);
      expect(seen[handle]![0]).toContain("## Output format\nyes or no\n\n## Boundaries\nread only");
    }
    const status = await callJson(boss, "aegis_group_status", { group: "jury" });
    expect(status).toMatchObject({ broadcasts: 1, inFlight: null, lastGather: { broadcastId: 1, combined: { winner: "yes" } } });
  });

  test("a tie is reported; a failing member goes to errors, one past the timeout to timeouts with its turn interrupted", async () => {
    const { config } = setup();
    h = planeHarness(config);
    const boss = await asBoss(h);
    const g = await callJson(boss, "aegis_group_spawn", { name: "split", members: ["yes", "no", "broken", "slow"] });
    const [yes, no, broken, slow] = g.members.map((m: { handle: string }) => m.handle);
    await callJson(boss, "aegis_broadcast", { group: "split", objective: "pick" });
    const out = await callJson(boss, "aegis_gather", { group: "split", reducer: "majorityVote", timeout: 0.05 });
    expect(out.combined).toEqual({ winner: null, tie: ["yes", "no"], votes: { yes: 1, no: 1 } });
    expect(out.errors).toEqual([{ member: broken, code: "E_AGENT_EXIT", message: `${broken}: boom` }]);
    expect(out.timeouts).toEqual([slow]);
    expect(Object.keys(out.byMember)).toEqual([yes, no]);
    expect(h.sessions.get(slow)!.last?.stopReason).toBe("cancelled");
  });

  test("a member busy with other work when the brief arrives is stopped at the timeout, its queued brief too", async () => {
    const { config } = setup();
    h = planeHarness(config);
    const boss = await asBoss(h);
    const g = await callJson(boss, "aegis_group_spawn", { name: "queued", members: ["yes", "slow"] });
    const slow = g.members[1].handle;
    await h.sessions.deliver(slow, { from: "agent:boss", body: "something long first" });
    await callJson(boss, "aegis_broadcast", { group: "queued", objective: "pick" });
    const out = await callJson(boss, "aegis_gather", { group: "queued", timeout: 0.05 });
    expect(out.timeouts).toEqual([slow]);
    expect(h.sessions.get(slow)!.state).toBe("error");
    expect(h.sessions.get(slow)!.depth).toBe(0);
  });

  test("one broadcast at a time; a gather without a broadcast is refused; concat is the default reducer", async () => {
    const { config } = setup();
    h = planeHarness(config);
    const boss = await asBoss(h);
    await callJson(boss, "aegis_group_spawn", { name: "busy", members: ["yes", "no"] });
    const none = await call(boss, "aegis_gather", { group: "busy" });
    expect(none).toMatchObject({ isError: true });
    expect(none.text).toStartWith("E_STATE: group busy has no broadcast to gather");
    await callJson(boss, "aegis_broadcast", { group: "busy", objective: "one" });
    const second = await call(boss, "aegis_broadcast", { group: "busy", objective: "two" });
    expect(second.isError).toBe(true);
    expect(second.text).toStartWith("E_STATE: group busy already has broadcast 1 in flight");
    expect((await callJson(boss, "aegis_gather", { group: "busy" })).combined).toBe("Yes.\n\nno");
    expect((await callJson(boss, "aegis_broadcast", { group: "busy", objective: "three" })).broadcastId).toBe(2);
  });

  test("refuses unknown agents and groups, a second active group of the same name, and unknown reducers", async () => {
    const { config } = setup();
    h = planeHarness(config);
    const boss = await asBoss(h);
    const bad = await call(boss, "aegis_group_spawn", { name: "x", members: ["yes", "nobody"] });
    expect(bad.text).toStartWith('E_NOT_FOUND: unknown agent "nobody"');
    expect(h.sessions.list().map((s) => s.handle)).toEqual(["boss"]);
    const both = await Promise.all([call(boss, "aegis_group_spawn", { name: "x", members: ["yes"] }), call(boss, "aegis_group_spawn", { name: "x", members: ["no"] })]);
    expect(both.map((b) => b.isError === true).toSorted((a, b) => Number(a) - Number(b))).toEqual([false, true]);
    expect(both.find((b) => b.isError)!.text).toStartWith('E_STATE: you already have an active group named "x"');
    expect((await call(boss, "aegis_group_spawn", { name: "x", members: ["no"] })).text).toStartWith('E_STATE: you already have an active group named "x"');
    expect((await call(boss, "aegis_group_status", { group: "nope" })).text).toStartWith('E_NOT_FOUND: unknown group "nope" (known: x)');
    const reducer = await call(boss, "aegis_gather", { group: "x", reducer: "median" });
    expect(reducer.isError).toBe(true);
    expect(reducer.text).toContain("majorityVote");
  });
});

describe("group ownership (#13)", () => {
  test("only the owner may broadcast, gather or dissolve; anyone may read the status", async () => {
    const { config } = setup();
    h = planeHarness(config);
    const boss = await asBoss(h);
    const g = await callJson(boss, "aegis_group_spawn", { name: "mine", members: ["yes"] });
    await h.sessions.spawn("eve", { handle: "eve" });
    const eve = await h.clientAs("eve");
    const member = await h.clientAs(g.members[0].handle);
    for (const [client, who] of [[eve, "agent:eve"], [member, `agent:${g.members[0].handle}`]] as const) {
      for (const [tool, verb, args] of [
        ["aegis_broadcast", "broadcast to", { group: g.groupId, objective: "hijack" }],
        ["aegis_gather", "gather", { group: g.groupId }],
        ["aegis_dissolve", "dissolve", { group: g.groupId }],
      ] as const) {
        const r = await call(client, tool, args);
        expect(r.isError).toBe(true);
        expect(r.text).toStartWith(`E_PERMISSION: group mine (${g.groupId}) belongs to agent:boss, not to you (${who}); only its owner can ${verb} it`);
      }
      expect((await callJson(client, "aegis_group_status", { group: g.groupId })).owner).toBe("agent:boss");
    }
    // Without a group: the groups one owns or is a member of.
    expect((await callJson(boss, "aegis_group_status")).groups.map((x: { groupId: string }) => x.groupId)).toEqual([g.groupId]);
    expect((await callJson(member, "aegis_group_status")).groups.map((x: { groupId: string }) => x.groupId)).toEqual([g.groupId]);
    expect(await callJson(eve, "aegis_group_status")).toEqual({ groups: [] });
    // The owner is the caller the secret names: an argument cannot claim it.
    const forged = await call(eve, "aegis_broadcast", { group: g.groupId, objective: "x", owner: "agent:boss", from: "agent:boss" });
    expect(forged.text).toStartWith("E_PERMISSION");
    expect(h.sessions.get(g.members[0].handle)!.last).toBeUndefined();
    const op = await operatorClient(h);
    expect((await call(op, "aegis_broadcast", { group: g.groupId, objective: "x" })).text).toStartWith("E_PERMISSION");
    expect(await callJson(op, "aegis_dissolve", { group: g.groupId })).toMatchObject({ state: "dissolved" });
  });
});

describe("aegis_dissolve and the group record (#13)", () => {
  test("dissolve closes the members, is idempotent, and the group refuses broadcasts afterwards", async () => {
    const { config } = setup();
    h = planeHarness(config);
    const boss = await asBoss(h);
    const g = await callJson(boss, "aegis_group_spawn", { name: "temp", members: ["yes", "slow"] });
    await callJson(boss, "aegis_broadcast", { group: "temp", objective: "work" });
    const d = await callJson(boss, "aegis_dissolve", { group: "temp" });
    expect(d).toMatchObject({ state: "dissolved", hosted: false, members: [{ state: "closed" }, { state: "closed" }] });
    expect(d.dissolvedAt).toBeString();
    for (const m of g.members) expect(h.sessions.get(m.handle)).toBeUndefined();
    expect(await callJson(boss, "aegis_dissolve", { group: g.groupId })).toMatchObject({ state: "dissolved" });
    const after = await call(boss, "aegis_broadcast", { group: g.groupId, objective: "again" });
    expect(after.text).toStartWith(`E_STATE: group temp (${g.groupId}) was dissolved`);
  });

  test("a group ends with its owner's session", async () => {
    const { config } = setup();
    h = planeHarness(config);
    const boss = await asBoss(h);
    const g = await callJson(boss, "aegis_group_spawn", { name: "orphan", members: ["yes", "no"] });
    await h.sessions.close("boss");
    const harness = h;
    await waitForState(harness, g.groupId, "dissolved");
    for (const m of g.members) expect(harness.sessions.get(m.handle)).toBeUndefined();
  });

  test("a group whose members have all closed is recorded as dissolved (an operator's group at shutdown, say)", async () => {
    const { config } = setup();
    h = planeHarness(config);
    const op = await operatorClient(h);
    const g = await callJson(op, "aegis_group_spawn", { name: "ops", members: ["yes", "no"] });
    expect(g.owner).toBe("user");
    await h.sessions.close(g.members[0].handle);
    expect((await callJson(op, "aegis_group_status", { group: "ops" })).state).toBe("active");
    await h.sessions.close(g.members[1].handle);
    const harness = h;
    await waitForState(harness, g.groupId, "dissolved");
  });

  test("another process answers a group's status from the record; once the hosting process is gone its members read as gone", async () => {
    const { config } = setup();
    const store: Store = memoryStore();
    const first = planeHarness(config, { store });
    try {
      const boss = await asBoss(first);
      const g = await callJson(boss, "aegis_group_spawn", { name: "kept", members: ["yes", "no"] });
      await callJson(boss, "aegis_broadcast", { group: "kept", objective: "q" });
      await callJson(boss, "aegis_gather", { group: "kept", reducer: "joinByHandle" });

      h = planeHarness(config, { store }); // a second aegis process on the same state
      await h.sessions.spawn("eve", { handle: "eve" });
      const eve = await h.clientAs("eve");
      const status = await callJson(eve, "aegis_group_status", { group: g.groupId });
      expect(status).toMatchObject({
        name: "kept", owner: "agent:boss", state: "active", hosted: false, broadcasts: 1,
        members: [{ agent: "yes", state: "ready" }, { agent: "no", state: "ready" }],
        lastGather: { reducer: "joinByHandle", broadcastId: 1 },
      });
      expect(status.note).toContain("not live in this aegis process");
      const refused = await call(await operatorClient(h), "aegis_broadcast", { group: g.groupId, objective: "q2" });
      expect(refused.text).toStartWith("E_PERMISSION");

      // The first process dies without closing anything (as under SIGKILL): its owner row is gone.
      removeOwner(store, first.runtime.owner);
      const after = await callJson(eve, "aegis_group_status", { group: "kept" });
      expect(after).toMatchObject({ state: "active", hosted: false, members: [{ state: "gone" }, { state: "gone" }] });
      expect(await callJson(await operatorClient(h), "aegis_dissolve", { group: "kept" })).toMatchObject({ state: "dissolved" });
    } finally {
      await first.close();
    }
  });
});

async function waitForState(harness: PlaneHarness, groupId: string, state: string): Promise<void> {
  const { waitFor } = await import("../fixtures/helpers/wait.ts");
  await waitFor(async () => (await harness.ports.groups!.find(groupId, "user"))?.state === state, { what: `group ${groupId} ${state}` });
}
