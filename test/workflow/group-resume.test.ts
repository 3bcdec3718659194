// Resuming runs that use engine.group (#13), in-process (the SIGKILL cases are in group-durability.test.ts): group
// creation, broadcasts, gathers (with their timeouts) and races replay from the journal, so no member pays for a turn
// twice; a run stopped while a gather waits re-asks only the members that had not answered.
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { workflow } from "../../src/workflow/registry.ts";
import { tempDir } from "../fixtures/helpers/temp-dir.ts";
import { gate } from "../session/fixtures.ts";
import { rig } from "./helpers.ts";

/** Each member's prompts (their last line), as the agents received them. */
function recorder() {
  const seen: Record<string, string[]> = {};
  return {
    seen,
    note(handle: string, prompt: string) {
      (seen[handle] ??= []).push(prompt.split("\n").find((l) => !l.startsWith(">") && !l.startsWith("#") && l.trim() !== "") ?? "");
    },
  };
}

describe("engine.group resume (#13)", () => {
  test("a stopped run resumed replays group, broadcast, gather (with its timeout) and race without re-asking anyone", async () => {
    const rec = recorder();
    await using r = rig({ agents: {
      voter: { reply: (p, ctx) => (rec.note(ctx.handle, p), ctx.handle === "ann" ? "Yes." : "yes"), usage: { costUsd: 1 } },
      slow: { reply: (p, ctx) => (rec.note(ctx.handle, p), new Promise<string>(() => {})) },
    } });
    using dir = tempDir("group-resume");
    const flag = dir.join("go");
    const wf = workflow("t-group-resume", async (e) => {
      const g = await e.group("crew", [{ agent: "voter", handle: "ann" }, { agent: "voter", handle: "bob" }, { agent: "slow", handle: "cid" }]);
      await g.broadcast("first question");
      const first = await g.gather({ reducer: "majorityVote", timeout: 40 });
      const race = await g.race("race me");
      await e.bash(`test -e ${flag} || sleep 30`);
      await g.broadcast("second question");
      const second = await g.gather({ reducer: "joinByHandle", timeout: 40 });
      await g.dissolve();
      return { first, race, second: second.combined, secondTimeouts: second.timeouts };
    });
    const stopped = await r.run(wf, {}, { timeoutMs: 400 });
    expect(stopped.status).toBe("interrupted");
    writeFileSync(flag, "");
    const done = await r.resume(wf, stopped.runId);
    expect(done.status).toBe("done");
    expect(done.result).toEqual({
      first: { byMember: { ann: "Yes.", bob: "yes" }, combined: { winner: "yes", tie: [], votes: { yes: 2 } }, errors: [], timeouts: ["cid"] },
      race: { member: "ann", reply: "Yes." },
      second: "### ann\nYes.\n\n### bob\nyes",
      secondTimeouts: ["cid"],
    });
    // Every member got each question once: the resume replayed the first broadcast, its gather and the race.
    expect(rec.seen).toEqual({
      ann: ["first question", "race me", "second question"],
      bob: ["first question", "race me", "second question"],
      cid: ["first question", "race me", "second question"],
    });
    // 3 spawns, group, broadcast, 3 sends, gather, race were replayed; the cost of the first attempt is not paid again.
    expect(done.steps.replayed).toBe(10);
    expect(done.costUsd).toBe(6);
  });

  test("a run stopped while its gather waits re-asks only the members that had not answered (#13)", async () => {
    const rec = recorder();
    const hold = gate();
    let attempt = 1;
    await using r = rig({ agents: {
      quick: { reply: (p, ctx) => (rec.note(ctx.handle, p), `quick ${ctx.handle}`) },
      late: { reply: async (p, ctx) => {
        rec.note(ctx.handle, p);
        if (attempt === 1) await new Promise<never>(() => {}); // never answers in the first attempt
        await hold.wait();
        return "late but here";
      } },
    } });
    const wf = workflow("t-group-midgather", async (e) => {
      const g = await e.group("trio", [{ agent: "quick", handle: "ann" }, { agent: "late", handle: "bob" }, { agent: "late", handle: "cid" }]);
      await g.broadcast("answer me");
      return (await g.gather()).byMember;
    });
    const stopped = await r.run(wf, {}, { timeoutMs: 200 });
    expect(stopped.status).toBe("interrupted");
    attempt = 2;
    hold.open();
    const done = await r.resume(wf, stopped.runId);
    expect(done.status).toBe("done");
    expect(done.result).toEqual({ ann: "quick ann", bob: "late but here", cid: "late but here" });
    // Two turns the stop interrupted: neither replays as a failure, both are asked again; ann is not.
    expect(rec.seen).toEqual({ ann: ["answer me"], bob: ["answer me", "answer me"], cid: ["answer me", "answer me"] });
  });

  test("a run stopped while plain sends run in parallel resumes by asking them again, not by replaying the stop as their failure (#13)", async () => {
    let attempt = 1;
    const asked: string[] = [];
    await using r = rig({ agents: { w: { reply: async (p) => {
      asked.push(p.split("\n").pop()!);
      if (attempt === 1) await new Promise<never>(() => {});
      return `ok ${p.split("\n").pop()}`;
    } } } });
    const wf = workflow("t-parallel-stop", async (e) => {
      const [a, b] = await e.parallel([() => e.spawn("w", { handle: "pa" }), () => e.spawn("w", { handle: "pb" })]);
      return e.parallel([() => e.send(a!, "one"), () => e.send(b!, "two")]);
    });
    const stopped = await r.run(wf, {}, { timeoutMs: 200 });
    expect(stopped.status).toBe("interrupted");
    attempt = 2;
    const done = await r.resume(wf, stopped.runId);
    expect(done.error).toBeUndefined();
    expect(done.result).toEqual(["ok one", "ok two"]);
    expect(asked.sort()).toEqual(["one", "one", "two", "two"]);
  });
});
