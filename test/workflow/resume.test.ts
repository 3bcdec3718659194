// Resuming runs in-process (the SIGKILL cases are in durability.test.ts): recorded steps return their outputs
// without executing, the run goes live at the first unrecorded step, sessions are woken through the provider,
// non-determinism is reported by step, checkpoints let a workflow skip finished work, and a failed run can be fixed
// and resumed.
import { describe, expect, test } from "bun:test";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { getRun, listSteps } from "../../src/store/runs.ts";
import { workflow } from "../../src/workflow/registry.ts";
import { tempDir } from "../fixtures/helpers/temp-dir.ts";
import { rig } from "./helpers.ts";

describe("resume", () => {
  test("a resume whose calls differ from the journal fails as non-deterministic, naming the step", async () => {
    await using r = rig();
    let variant = "sleep 30";
    const wf = workflow("t-nondet", async (e) => {
      const h = await e.spawn("writer");
      await e.send(h, "part 1");
      await e.bash(variant);
      return "done";
    });
    const first = await r.run(wf, {}, { timeoutMs: 200 });
    expect(first.status).toBe("interrupted");
    variant = "true";
    const changed = await r.resume(wf, first.runId);
    expect(changed.status).toBe("failed");
    expect(changed.error).toMatchObject({ code: "E_NONDETERMINISTIC", data: { step: 3 } });
    expect((changed.error as Error).message).toContain("step 3 was `bash \"sleep 30\"` in the journal");
    expect((changed.error as Error).message).toContain("`bash \"true\"`");
  });

  test("a stopped run resumed finishes with the uninterrupted result, paying each turn once", async () => {
    const executed: string[] = [];
    await using r = rig({ agents: { writer: { reply: (p) => (executed.push(p.split("\n").pop()!), `re: ${p.split("\n").pop()}`), usage: { costUsd: 1 } } } });
    using dir = tempDir("resume-gate");
    const gate = dir.join("gate");
    const wf = workflow("t-resume2", async (e) => {
      const h = await e.spawn("writer");
      const a = await e.send(h, "one");
      const b = await e.send(h, "two");
      await e.bash(`test -e ${gate} || sleep 30`);
      const c = await e.send(h, "three");
      return [a, b, c];
    });
    const first = await r.run(wf, {}, { timeoutMs: 300 });
    expect(first.status).toBe("interrupted");
    writeFileSync(gate, "");
    const second = await r.resume(wf, first.runId);
    expect(second.status).toBe("done");
    expect(second.result).toEqual(["re: one", "re: two", "re: three"]);
    expect(executed).toEqual(["one", "two", "three"]);
    expect(second.steps).toEqual({ total: 5, replayed: 3, live: 2 });
    expect(second.attempt).toBe(2);
    expect(second.costUsd).toBe(3);
    expect(r.events.some((e) => e.type === "session" && e.action === "resumed")).toBe(true);
    expect(getRun(r.rt.store, first.runId)).toMatchObject({ status: "done", attempt: 2, cost_usd: 3 });
    expect(listSteps(r.rt.store, first.runId).map((s) => [s.kind, s.status, s.attempt])).toEqual([
      ["spawn", "done", 1], ["send", "done", 1], ["send", "done", 1], ["bash", "done", 2], ["send", "done", 2],
    ]);
  });

  test("a failed run can be fixed and resumed: the failing step runs again, the rest replays", async () => {
    await using r = rig();
    using dir = tempDir("resume-fix");
    const file = dir.join("fixed");
    let spawned = 0;
    const wf = workflow("t-fix", async (e) => {
      const h = await e.spawn("writer");
      spawned++;
      await e.send(h, "write it");
      await e.bashPredicate(`test -e ${file}`, { retryWith: "missing", maxRetries: 0 });
      return "fixed";
    });
    const first = await r.run(wf);
    expect(first.status).toBe("failed");
    writeFileSync(file, "");
    const second = await r.resume(wf, first.runId);
    expect(second.status).toBe("done");
    expect(spawned).toBe(2); // the workflow body re-runs...
    expect(second.steps.replayed).toBe(2); // ...but spawn and send are replayed, only the predicate runs
    rmSync(file);
    expect(existsSync(file)).toBe(false);
  });

  test("resumeState returns the last checkpoint and continues after it", async () => {
    const executed: string[] = [];
    await using r = rig({ agents: { writer: { reply: (p) => (executed.push(p.split("\n").pop()!), "ok") } } });
    using dir = tempDir("resume-cp");
    const gate = dir.join("gate");
    const wf = workflow("t-cp", async (e) => {
      const saved = await e.resumeState<{ h: string; done: number }>();
      const resumedFrom = saved?.done ?? 0;
      const st = saved ?? { h: await e.spawn("writer"), done: 0 };
      for (let i = st.done + 1; i <= 3; i++) {
        await e.send(st.h, `chapter ${i}`);
        if (i === 2) await e.bash(`test -e ${gate} || sleep 30`);
        st.done = i;
        await e.checkpoint(`ch${i}`, st);
      }
      return { resumedFrom, done: st.done };
    });
    const first = await r.run(wf, {}, { timeoutMs: 300 });
    expect(first.status).toBe("interrupted");
    writeFileSync(gate, "");
    const second = await r.resume(wf, first.runId);
    expect(second.result).toEqual({ resumedFrom: 1, done: 3 });
    // chapter 2's send is replayed (recorded after the checkpoint), never executed twice.
    expect(executed).toEqual(["chapter 1", "chapter 2", "chapter 3"]);
  });
});
