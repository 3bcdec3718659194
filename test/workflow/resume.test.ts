// Resuming runs in-process (the SIGKILL cases are in durability.test.ts), on both backends (#15): recorded steps
// return their outputs without executing, the run goes live at the first unrecorded step, sessions are woken through
// the provider, non-determinism is reported by step, checkpoints let a workflow skip finished work, a failed run can
// be fixed and resumed, and a run another machine started is resumed only there.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { hostName } from "../../src/store/owners.ts";
import { workflow } from "../../src/workflow/registry.ts";
import { tempDir } from "../fixtures/helpers/temp-dir.ts";
import { waitFor } from "../fixtures/helpers/wait.ts";
import { describeDb } from "../helpers/backends.ts";
import { rigOn, type TestRig } from "./helpers.ts";

// The first PostgreSQL test starts the throwaway cluster: seconds on a loaded machine.
setDefaultTimeout(30_000);

/** Stops the run (as Ctrl-C would) once its bash step has started: interrupted there, whatever the machine's speed. */
async function stoppedAtBash(r: TestRig, wf: Parameters<TestRig["run"]>[0]) {
  const ac = new AbortController();
  const seen = r.events.length;
  const running = r.run(wf, {}, { signal: ac.signal });
  await waitFor(() => r.events.slice(seen).some((e) => e.type === "step_start" && e.kind === "bash"), { timeoutMs: 15_000, what: "the bash step to start" });
  ac.abort();
  const out = await running;
  expect(out.status).toBe("interrupted");
  return out;
}

describeDb("resume", (b) => {
  describe("resume", () => {
    test("a resume whose calls differ from the journal fails as non-deterministic, naming the step", async () => {
      await using r = await rigOn(b);
      let variant = "sleep 30";
      const wf = workflow("t-nondet", async (e) => {
        const h = await e.spawn("writer");
        await e.send(h, "part 1");
        await e.bash(variant);
        return "done";
      });
      const first = await stoppedAtBash(r, wf);
      variant = "true";
      const changed = await r.resume(wf, first.runId);
      expect(changed.status).toBe("failed");
      expect(changed.error).toMatchObject({ code: "E_NONDETERMINISTIC", data: { step: 3 } });
      expect((changed.error as Error).message).toContain("step 3 was `bash \"sleep 30\"` in the journal");
      expect((changed.error as Error).message).toContain("`bash \"true\"`");
    });

    test("a stopped run resumed finishes with the uninterrupted result, paying each turn once", async () => {
      const executed: string[] = [];
      await using r = await rigOn(b, { agents: { writer: { reply: (p) => (executed.push(p.split("\n").pop()!), `re: ${p.split("\n").pop()}`), usage: { costUsd: 1 } } } });
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
      const first = await stoppedAtBash(r, wf);
      writeFileSync(gate, "");
      const second = await r.resume(wf, first.runId);
      expect(second.status).toBe("done");
      expect(second.result).toEqual(["re: one", "re: two", "re: three"]);
      expect(executed).toEqual(["one", "two", "three"]);
      expect(second.steps).toEqual({ total: 5, replayed: 3, live: 2 });
      expect(second.attempt).toBe(2);
      expect(second.costUsd).toBe(3);
      expect(r.events.some((e) => e.type === "session" && e.action === "resumed")).toBe(true);
      expect(await r.rt.db.runs.getRun(first.runId)).toMatchObject({ status: "done", attempt: 2, cost_usd: 3, host: hostName() });
      expect((await r.rt.db.runs.listSteps(first.runId)).map((s) => [s.kind, s.status, s.attempt])).toEqual([
        ["spawn", "done", 1], ["send", "done", 1], ["send", "done", 1], ["bash", "done", 2], ["send", "done", 2],
      ]);
    });

    test("a failed run can be fixed and resumed: the failing step runs again, the rest replays", async () => {
      await using r = await rigOn(b);
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
      await using r = await rigOn(b, { agents: { writer: { reply: (p) => (executed.push(p.split("\n").pop()!), "ok") } } });
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
      await stoppedAtBash(r, wf);
      writeFileSync(gate, "");
      const second = await r.resume(wf, r.events[0]!.runId);
      expect(second.result).toEqual({ resumedFrom: 1, done: 3 });
      // chapter 2's send is replayed (recorded after the checkpoint), never executed twice.
      expect(executed).toEqual(["chapter 1", "chapter 2", "chapter 3"]);
    });

    test("a run another machine started is not resumed here: E_STATE naming its host, the run left as it was (#15)", async () => {
      await using r = await rigOn(b);
      const wf = workflow("t-foreign", async () => "ran here");
      await r.rt.db.tx(async (t) => {
        await t.runs.insertRun({ id: "run_remote", workflow: "t-foreign", args: {}, host: "gpu-box-7", at: Date.now() });
        await t.runs.finishRun("run_remote", { status: "interrupted", at: Date.now(), attemptMs: 1 });
      }, { durable: true });
      await expect(r.resume(wf, "run_remote")).rejects.toMatchObject({
        code: "E_STATE", message: expect.stringContaining("run run_remote ran on host gpu-box-7"), data: { host: "gpu-box-7", here: hostName() },
      });
      expect(await r.rt.db.runs.getRun("run_remote")).toMatchObject({ status: "interrupted", attempt: 1 });
      expect(await r.rt.db.runs.listSteps("run_remote")).toEqual([]);
    });
  });
});
