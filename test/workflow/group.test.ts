// engine.group (#13) on Scripted agents: broadcast and gather with each reducer (majorityVote with normalised answers
// and ties), failures and timeouts (the late members' turns interrupted), race with and without cancelling the losers,
// one broadcast in flight per group, dissolve, and the checks on names, members and options.
import { describe, expect, test } from "bun:test";
import type { ScriptedOptions } from "../../src/config/providers.ts";
import { listEvents, rowToEvent } from "../../src/store/events.ts";
import { listSteps } from "../../src/store/runs.ts";
import { findSessionByHandle } from "../../src/store/sessions.ts";
import type { Group, WorkflowEngine } from "../../src/workflow/engine-types.ts";
import { workflow } from "../../src/workflow/registry.ts";
import { rig, type TestRig } from "./helpers.ts";

/** Replies by handle (the member's handle picks its answer); unknown handles echo the objective's first line. */
const byHandle = (answers: Record<string, string>): ScriptedOptions["reply"] => (_p, ctx) => answers[ctx.handle] ?? "?";
/** Never replies until its turn is interrupted. */
const hang: ScriptedOptions["reply"] = () => new Promise<string>(() => {});

function groupRig(answers: Record<string, string> = {}, more: Record<string, ScriptedOptions> = {}): TestRig & { prompts: Record<string, string[]> } {
  const prompts: Record<string, string[]> = {};
  const note = (handle: string, p: string) => (prompts[handle] ??= []).push(p);
  const r = rig({ agents: {
    voter: { reply: (p, ctx) => (note(ctx.handle, p), byHandle(answers)(p, ctx)) },
    slow: { reply: (p, ctx) => (note(ctx.handle, p), hang(p, ctx)) },
    broken: { reply: () => ({ text: "the tool crashed", isError: true }) },
    ...more,
  } });
  return Object.assign(r, { prompts });
}

async function runIt<T>(r: TestRig, body: (e: WorkflowEngine) => Promise<T>): Promise<T> {
  const out = await r.run(workflow(`t-group-${Math.random().toString(36).slice(2, 8)}`, body));
  if (out.status !== "done") throw Object.assign(new Error(`run ${out.status}: ${(out.error as Error | undefined)?.message}`), { outcome: out });
  return out.result as T;
}

const three = [{ agent: "voter", handle: "ann" }, { agent: "voter", handle: "bob" }, { agent: "voter", handle: "cid" }];

describe("engine.group: broadcast and gather (#13)", () => {
  test("one structured brief reaches every member under the group's broadcast header", async () => {
    await using r = groupRig({ ann: "a", bob: "b" });
    const g = await runIt(r, async (e) => {
      const g = await e.group("pair", [{ agent: "voter", handle: "ann" }, { agent: "voter", handle: "bob" }]);
      const receipt = await g.broadcast("Is the diff safe?", { outputFormat: "yes or no", boundaries: ["read only", "no network"], toolGuidance: "use grep" });
      await g.gather();
      return { receipt, members: g.members, roster: g.roster };
    });
    expect(g.receipt).toEqual({ id: 1, from: "group:pair/broadcast:1", members: ["ann", "bob"] });
    expect(g.members).toEqual(["ann", "bob"]);
    expect(g.roster).toEqual([{ handle: "ann", agent: "voter" }, { handle: "bob", agent: "voter" }]);
    for (const h of ["ann", "bob"]) {
      const p = r.prompts[h]![0]!;
      expect(p).toMatch(/^> from group:pair\/broadcast:1 · \S+Z\n## Objective\nIs the diff safe\?\n\n## Output format\nyes or no\n\n## Boundaries\n- read only\n- no network\n\n## Tool guidance\nuse grep\n/);
      expect(p).toContain('Group "pair": 2 members (ann, bob)');
    }
    expect(r.prompts.ann![0]!.split("\n").slice(1)).toEqual(r.prompts.bob![0]!.split("\n").slice(1));
  });

  test("concat, joinByHandle and a function reducer combine the replies in member order", async () => {
    await using r = groupRig({ ann: "alpha", bob: "beta", cid: "gamma" });
    const out = await runIt(r, async (e) => {
      const g = await e.group("trio", three);
      await g.broadcast("name a letter");
      const concat = await g.gather();
      await g.broadcast("again");
      const joined = await g.gather({ reducer: "joinByHandle" });
      await g.broadcast("once more");
      const fn = await g.gather({ reducer: (byMember, order) => order.map((h) => `${h}=${byMember[h]!.length}`).join(",") });
      return { concat, joined, fn };
    });
    expect(out.concat).toEqual({ byMember: { ann: "alpha", bob: "beta", cid: "gamma" }, combined: "alpha\n\nbeta\n\ngamma", errors: [], timeouts: [] });
    expect(out.joined.combined).toBe("### ann\nalpha\n\n### bob\nbeta\n\n### cid\ngamma");
    expect(out.fn.combined).toBe("ann=5,bob=4,cid=5");
  });

  test("majorityVote compares normalised answers and names the winner", async () => {
    await using r = groupRig({ ann: "  Yes.", bob: "**yes**", cid: "No!" });
    const out = await runIt(r, async (e) => {
      const g = await e.group("jury", three);
      await g.broadcast("ship it?", { outputFormat: "yes or no" });
      return g.gather({ reducer: "majorityVote" });
    });
    expect(out.combined).toEqual({ winner: "yes", tie: [], votes: { yes: 2, no: 1 } });
    expect(out.byMember).toEqual({ ann: "  Yes.", bob: "**yes**", cid: "No!" });
  });

  test("majorityVote reports a tie instead of picking a winner", async () => {
    await using r = groupRig({ ann: "Blue", bob: "red", cid: "", dan: "RED.", eve: "blue" });
    const out = await runIt(r, async (e) => {
      const g = await e.group("tie", ["ann", "bob", "cid", "dan", "eve"].map((handle) => ({ agent: "voter", handle })));
      await g.broadcast("pick a colour");
      return g.gather({ reducer: "majorityVote" });
    });
    // cid's empty reply abstains.
    expect(out.combined).toEqual({ winner: null, tie: ["blue", "red"], votes: { blue: 2, red: 2 } });
  });

  test("a failing member goes to errors, a member past the timeout to timeouts with its turn interrupted", async () => {
    await using r = groupRig({ ann: "fine" });
    const out = await runIt(r, async (e) => {
      const g = await e.group("mixed", [{ agent: "voter", handle: "ann" }, { agent: "broken", handle: "bob" }, { agent: "slow", handle: "cid" }]);
      await g.broadcast("go");
      const res = await g.gather({ reducer: "majorityVote", timeout: 50 });
      return { res, states: e.listSessions().map((s) => [s.handle, s.state]) };
    });
    expect(out.res.byMember).toEqual({ ann: "fine" });
    expect(out.res.errors).toEqual([{ member: "bob", code: "E_AGENT_EXIT", message: "bob: the tool crashed" }]);
    expect(out.res.timeouts).toEqual(["cid"]);
    expect(out.res.combined).toEqual({ winner: "fine", tie: [], votes: { fine: 1 } });
    // cid's turn ended as interrupted (not still running) before the gather returned.
    expect(Object.fromEntries(out.states)).toMatchObject({ cid: "error", ann: "ready" });
    const cidTurnEnd = transcriptEnds(r, "cid");
    expect(cidTurnEnd).toEqual(["cancelled"]);
  });

  test("a member whose brief waits behind another turn is still stopped at the timeout: both turns are interrupted", async () => {
    await using r = groupRig({ ann: "fine" });
    const out = await runIt(r, async (e) => {
      const g = await e.group("queued", [{ agent: "voter", handle: "ann" }, { agent: "slow", handle: "cid" }]);
      const busy = e.send("cid", "something long first").then(() => "done", (err) => err.code);
      await g.broadcast("go");
      const res = await g.gather({ timeout: 50 });
      return { res: { byMember: res.byMember, timeouts: res.timeouts }, busy: await busy };
    });
    expect(out).toEqual({ res: { byMember: { ann: "fine" }, timeouts: ["cid"] }, busy: "E_CANCELLED" });
    expect(transcriptEnds(r, "cid")).toEqual(["cancelled", "cancelled"]);
    expect(r.prompts.cid!.map((p) => p.split("\n").find((l) => !l.startsWith(">") && !l.startsWith("#")))).toEqual(["something long first", "go"]);
  });

  test("one broadcast in flight per group: a second broadcast or a race before the gather is refused", async () => {
    await using r = groupRig({ ann: "a", bob: "b" });
    const out = await runIt(r, async (e) => {
      const g = await e.group("busy", [{ agent: "voter", handle: "ann" }, { agent: "voter", handle: "bob" }]);
      await g.broadcast("first");
      const second = await g.broadcast("second").then(() => "sent", (err) => `${err.code}: ${err.message}`);
      const race = await g.race("quick").then(() => "raced", (err) => err.code);
      const first = await g.gather();
      const gatherAgain = await g.gather().then(() => "gathered", (err) => err.code);
      const concurrent = await Promise.allSettled([g.broadcast("third"), g.broadcast("fourth")]);
      await g.gather();
      return { second, race, first: first.combined, gatherAgain, concurrent: concurrent.map((c) => c.status) };
    });
    expect(out.second).toBe('E_STATE: broadcast: group "busy" already has broadcast 1 in flight');
    expect(out.race).toBe("E_STATE");
    expect(out.first).toBe("a\n\nb");
    expect(out.gatherAgain).toBe("E_STATE");
    expect(out.concurrent).toEqual(["fulfilled", "rejected"]);
    expect(r.prompts.ann!.map((p) => p.split("\n")[2])).toEqual(["first", "third"]);
  });

  test("a gather called before its broadcast resolved waits for it; two groups cannot start under one name at once", async () => {
    await using r = groupRig({ ann: "a", bob: "b" });
    const out = await runIt(r, async (e) => {
      const [first, second] = await Promise.allSettled([e.group("same", ["voter"]), e.group("same", ["voter"])]);
      const g = await e.group("eager", [{ agent: "voter", handle: "ann" }, { agent: "voter", handle: "bob" }]);
      const [receipt, gathered] = await Promise.all([g.broadcast("q"), g.gather()]);
      return { statuses: [first.status, second.status], receipt: receipt.id, combined: gathered.combined };
    });
    expect(out).toEqual({ statuses: ["fulfilled", "rejected"], receipt: 1, combined: "a\n\nb" });
  });

  test("dissolve closes every member, is idempotent, and the group refuses further calls", async () => {
    await using r = groupRig({ ann: "a", bob: "b" });
    const out = await runIt(r, async (e) => {
      const g: Group = await e.group("temp", [{ agent: "voter", count: 2, handle: "mem" }]);
      const before = e.listSessions().map((s) => s.handle).sort();
      await g.dissolve();
      await g.dissolve();
      const after = e.listSessions().map((s) => s.handle);
      const refused = await g.broadcast("hello").then(() => "sent", (err) => `${err.code}: ${err.message}`);
      const again = await e.group("temp", ["voter"]).then((g2) => g2.members.length);
      return { before, after, refused, again, handles: g.members };
    });
    expect(out.handles).toEqual(["mem-1", "mem-2"]);
    expect(out.before).toEqual(["mem-1", "mem-2"]);
    expect(out.after).toEqual([]);
    expect(out.refused).toBe('E_STATE: broadcast: group "temp" was dissolved');
    expect(out.again).toBe(1);
  });

  test("checks names, members and options, naming what is allowed", async () => {
    await using r = groupRig();
    const out = await runIt(r, async (e) => {
      const err = (p: Promise<unknown>) => p.then(() => "ok", (x) => `${x.code}: ${x.message}`);
      const g = await e.group("ok", ["voter"]);
      return {
        badName: await err(e.group("has space", ["voter"])),
        empty: await err(e.group("empty", [])),
        unknown: await err(e.group("unk", ["nobody"])),
        count: await err(e.group("cnt", [{ agent: "voter", count: 0 }])),
        dupe: await err(e.group("ok", ["voter"])),
        twice: await err(e.group("twice", [{ agent: "voter", handle: "x" }, { agent: "voter", handle: "x" }])),
        reducer: await err(g.broadcast("q").then(() => g.gather({ reducer: "median" as never }))),
        objective: await err(g.race("  ")),
      };
    });
    expect(out.badName).toStartWith('E_USAGE: group: invalid name "has space"');
    expect(out.empty).toStartWith("E_USAGE: group: members must be a non-empty list");
    expect(out.unknown).toBe('E_NOT_FOUND: unknown agent "nobody" (known: voter, slow, broken)');
    expect(out.count).toContain("count must be a whole number of at least 1");
    expect(out.dupe).toBe('E_STATE: group "ok" already exists in this run');
    expect(out.twice).toBe('E_USAGE: group: the handle "x" is given to two members');
    expect(out.reducer).toBe('E_USAGE: gather: unknown reducer "median": use one of concat, joinByHandle, majorityVote, or a function (byMember, order) => value');
    expect(out.objective).toStartWith("E_USAGE: race(prompt)");
  });
});

describe("engine.group: race (#13)", () => {
  test("the first good reply wins and the losers' turns are interrupted", async () => {
    await using r = groupRig({ ann: "done first" });
    const out = await runIt(r, async (e) => {
      const g = await e.group("racers", [{ agent: "slow", handle: "bob" }, { agent: "voter", handle: "ann" }, { agent: "slow", handle: "cid" }]);
      const w = await g.race("solve it");
      return { w, states: Object.fromEntries(e.listSessions().map((s) => [s.handle, s.state])) };
    });
    expect(out.w).toEqual({ member: "ann", reply: "done first" });
    expect(out.states).toEqual({ ann: "ready", bob: "error", cid: "error" });
    expect(transcriptEnds(r, "bob")).toEqual(["cancelled"]);
    expect(transcriptEnds(r, "cid")).toEqual(["cancelled"]);
    expect(r.prompts.bob![0]).toMatch(/^> from group:racers\/race:1 · \S+Z\nsolve it$/);
  });

  test("with cancelLosers: false the losers keep working", async () => {
    await using r = groupRig({ ann: "quick" });
    const out = await runIt(r, async (e) => {
      const g = await e.group("keep", [{ agent: "slow", handle: "bob" }, { agent: "voter", handle: "ann" }]);
      const w = await g.race("go", { cancelLosers: false });
      return { w, bob: e.listSessions().find((s) => s.handle === "bob")!.state };
    });
    expect(out).toEqual({ w: { member: "ann", reply: "quick" }, bob: "working" });
  });

  test("a reply the accept function refuses does not win; no good reply fails the race", async () => {
    await using r = groupRig({ ann: "maybe", bob: "YES" });
    const out = await runIt(r, async (e) => {
      const g = await e.group("picky", [{ agent: "voter", handle: "ann" }, { agent: "voter", handle: "bob" }]);
      const w = await g.race("decide", { accept: (t) => t === t.toUpperCase() });
      const none = await g.race("decide again", { accept: () => false }).then(() => "won", (err) => `${err.code}: ${err.message}`);
      return { w, none };
    });
    expect(out.w).toEqual({ member: "bob", reply: "YES" });
    expect(out.none).toBe("E_WORKFLOW: race: no member gave a good reply (ann: its reply was not accepted; bob: its reply was not accepted)");
  });

  test("past its timeout a race fails (E_TIMEOUT) and every member's turn is interrupted", async () => {
    await using r = groupRig();
    const out = await runIt(r, async (e) => {
      const g = await e.group("stuck", [{ agent: "slow", count: 2, handle: "s" }]);
      const err = await g.race("anything", { timeout: 30 }).then(() => "won", (x) => x.code);
      return { err, states: e.listSessions().map((s) => s.state) };
    });
    expect(out).toEqual({ err: "E_TIMEOUT", states: ["error", "error"] });
    expect(transcriptEnds(r, "s-1")).toEqual(["cancelled"]);
  });

  test("every step is in the journal: spawns, group, broadcast, one send per member, gather, race, dissolve", async () => {
    await using r = groupRig({ ann: "a", bob: "b" });
    const wf = workflow("t-group-journal", async (e) => {
      const g = await e.group("j", [{ agent: "voter", handle: "ann" }, { agent: "voter", handle: "bob" }]);
      await g.broadcast("q");
      await g.gather();
      await g.race("r");
      await g.dissolve();
    });
    const out = await r.run(wf);
    expect(listSteps(r.rt.store, out.runId).map((s) => `${s.kind}:${s.status}`)).toEqual([
      "spawn:done", "spawn:done", "group:done", "broadcast:done", "send:done", "send:done", "gather:done", "race:done", "dissolve:done",
    ]);
  });
});

/** The stop reasons of a session's finished turns, from its transcript. */
function transcriptEnds(r: TestRig, handle: string): string[] {
  const row = findSessionByHandle(r.rt.store, handle);
  if (!row) throw new Error(`no session row for ${handle}`);
  return listEvents(r.rt.store, row.id).map(rowToEvent).flatMap((ev) => (ev.type === "turn_end" ? [ev.stopReason] : []));
}
