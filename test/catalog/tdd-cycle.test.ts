// The built-in tdd-cycle workflow on Scripted agents in a temporary git repository: red (a test that passes at first
// is sent back until it fails), green (a wrong implementation is sent the failing output until the test passes), then
// a review of the change including the new, untracked files.
import { afterEach, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { listSteps } from "../../src/store/runs.ts";
import { makeRepo } from "../git/helpers.ts";
import { rig } from "../workflow/helpers.ts";
import { builtin, removeRepo } from "./helpers.ts";

const repos: string[] = [];
afterEach(() => repos.splice(0).forEach(removeRepo));

describe("tdd-cycle (#13)", () => {
  test("a failing test first (a passing one is sent back), then the implementation until green, then a review (#13)", async () => {
    const root = makeRepo();
    repos.push(root);
    const impl: string[] = [];
    const reviewed: string[] = [];
    await using r = rig({ root, agents: {
      impl: { reply: (p, ctx) => {
        impl.push(p);
        if (ctx.turn === 1) writeFileSync(join(ctx.cwd, "add.test.sh"), "exit 0\n"); // a test that proves nothing
        if (ctx.turn === 2) writeFileSync(join(ctx.cwd, "add.test.sh"), "test \"$(cat add.txt 2>/dev/null)\" = 5 || { echo \"add(2,3) gave $(cat add.txt 2>/dev/null)\"; exit 1; }\n");
        if (ctx.turn === 3) writeFileSync(join(ctx.cwd, "add.txt"), "6\n");
        if (ctx.turn === 4) writeFileSync(join(ctx.cwd, "add.txt"), "5\n");
        return `turn ${ctx.turn} done`;
      } },
      critic: { reply: (p) => (reviewed.push(p), "Verdict: approve") },
    } });
    const out = await r.run(await builtin("tdd-cycle"), { feature: "add two numbers", test: "bash add.test.sh", agent: "impl", reviewer: "critic" });
    expect(out.error).toBeUndefined();
    expect(out.result).toEqual({ feature: "add two numbers", test: "bash add.test.sh", red: 1, green: 0, review: "Verdict: approve" });
    expect(impl).toHaveLength(4);
    expect(impl[0]).toContain("write a test for it that FAILS now");
    expect(impl[1]).toContain("passes (exit 0), but the new test must fail");
    expect(impl[2]).toContain("implement the feature so that `bash add.test.sh` passes");
    expect(impl[2]).toContain("add(2,3) gave"); // the red output goes with the request
    expect(impl[3]).toContain("still fails (exit 1)");
    expect(impl[3]).toContain("add(2,3) gave 6");
    // The reviewer sees the new files, untracked as they are.
    expect(reviewed).toHaveLength(1);
    expect(reviewed[0]).toContain("+++ b/add.test.sh");
    expect(reviewed[0]).toContain("+++ b/add.txt");
    const kinds = listSteps(r.rt.store, out.runId).map((s) => s.kind);
    expect(kinds.filter((k) => k === "checkpoint")).toHaveLength(2);
    expect(kinds.filter((k) => k === "spawn")).toHaveLength(2);
  });

  test("an implementation still red after --retries rounds fails the run with the predicate's error (#13)", async () => {
    const root = makeRepo();
    repos.push(root);
    await using r = rig({ root, agents: { only: { reply: () => "tried" } } });
    writeFileSync(join(root, "never.sh"), "echo nope; exit 1\n");
    // The test fails from the start (red passes at once), and the agent never makes it green.
    const out = await r.run(await builtin("tdd-cycle"), { feature: "x", test: "bash never.sh", retries: 1 });
    expect(out.status).toBe("failed");
    expect(out.error).toMatchObject({ code: "E_PREDICATE", message: "tdd-cycle: the green step failed: predicate failed after 2 attempts: expected `bash never.sh` to pass (exit=1)" });
    // It names the step and says what to do next (#13).
    expect((out.error as { hint?: string }).hint).toStartWith("the tests still fail: see the last output with aegis logs <runId>");
  });

  test("a test command that never fails stops at the red step, naming it, before any implementation (#13)", async () => {
    const root = makeRepo();
    repos.push(root);
    await using r = rig({ root, agents: { only: { reply: () => "wrote a test" } } });
    const out = await r.run(await builtin("tdd-cycle"), { feature: "x", test: "true", retries: 0 });
    expect(out.error).toMatchObject({ code: "E_PREDICATE", message: "tdd-cycle: the red step failed: predicate failed after 1 attempt: expected `true` to fail (exit=0)" });
    expect((out.error as { hint?: string }).hint).toStartWith("the new test never failed");
    expect(listSteps(r.rt.store, out.runId).filter((s) => s.kind === "send")).toHaveLength(1);
  });
});
