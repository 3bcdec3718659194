// The built-in review-branch workflow on Scripted reviewers in a temporary git repository: a real diff reviewed by
// two agents at once into docs/reviews/<date>-<branch>.md, an empty diff that writes nothing, the default reviewer,
// and the usage errors for an unknown reviewer or base.
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { listSteps } from "../../src/store/runs.ts";
import { makeRepo, commit, sh } from "../git/helpers.ts";
import { rig } from "../workflow/helpers.ts";
import { barrier, builtin, removeRepo, today } from "./helpers.ts";

const repos: string[] = [];
afterEach(() => repos.splice(0).forEach(removeRepo));

function featureRepo(): string {
  const root = makeRepo();
  repos.push(root);
  sh(root, "checkout", "-q", "-b", "feature/login");
  writeFileSync(join(root, "src", "a.txt"), "one\ntwo\nthree\nfour\n");
  writeFileSync(join(root, "src", "login.ts"), "export const login = () => true;\n");
  commit(root, "add login");
  return root;
}

describe("review-branch (#13)", () => {
  test("two reviewers in parallel on git diff main...HEAD; both texts land in docs/reviews/<date>-<branch>.md (#13)", async () => {
    const root = featureRepo();
    const prompts: string[] = [];
    const together = barrier(2);
    const reviewer = (name: string) => ({
      reply: async (p: string) => {
        prompts.push(p);
        const overlapped = await together();
        return `${name} says: ${p.includes("+four") && p.includes("src/login.ts") ? "saw the diff" : "saw nothing"}; ${overlapped ? "in parallel" : "alone"}`;
      },
    });
    await using r = rig({ root, agents: { alice: reviewer("Alice"), bob: reviewer("Bob") } });
    const out = await r.run(await builtin("review-branch"), { reviewers: "alice,bob", focus: "naming" });
    expect(out.status).toBe("done");
    const res = out.result as { report: string; empty: boolean; branch: string; reviewers: { agent: string }[] };
    expect(res.report).toBe(`docs/reviews/${today()}-feature-login.md`);
    expect(res).toMatchObject({ empty: false, branch: "feature/login", base: "main" });
    expect(res.reviewers.map((x) => x.agent)).toEqual(["alice", "bob"]);
    const report = readFileSync(join(root, res.report), "utf8");
    expect(report).toContain("# Review of feature/login against main");
    expect(report).toContain("Alice says: saw the diff; in parallel");
    expect(report).toContain("Bob says: saw the diff; in parallel");
    expect(report).toMatch(/src\/login\.ts \| 1 \+/); // the diffstat
    expect(report.indexOf("## Review 1: alice")).toBeLessThan(report.indexOf("## Review 2: bob"));
    expect(prompts.every((p) => p.includes("Pay particular attention to: naming"))).toBe(true);
    expect(listSteps(r.rt.store, out.runId).filter((s) => s.kind === "spawn")).toHaveLength(2);
  });

  test("an empty diff says so, spawns no reviewer and writes no report (#13)", async () => {
    const root = makeRepo();
    repos.push(root);
    await using r = rig({ root, agents: { alice: { reply: () => "should not be asked" } } });
    const out = await r.run(await builtin("review-branch"), {});
    expect(out.status).toBe("done");
    expect(out.result).toMatchObject({ report: null, empty: true });
    expect((out.result as { message: string }).message).toContain("no changes between main and main");
    expect(existsSync(join(root, "docs"))).toBe(false);
    expect(listSteps(r.rt.store, out.runId).map((s) => s.kind)).toEqual(["bash", "bash"]);
    expect(r.events.some((e) => e.type === "log" && String(e.message).includes("nothing to review"))).toBe(true);
  });

  test("without --reviewers the default agent reviews; a failing reviewer is noted while the others' reviews are kept (#13)", async () => {
    const root = featureRepo();
    await using solo = rig({ root, agents: { only: { reply: () => "Only: fine by me" } } });
    const one = await solo.run(await builtin("review-branch"), {});
    expect(one.status).toBe("done");
    expect(readFileSync(join(root, (one.result as { report: string }).report), "utf8")).toContain("Only: fine by me");

    await using pair = rig({ root, agents: { ok: { reply: () => "OK: ship it" }, broken: { reply: () => { throw new Error("model overloaded"); } } } });
    const two = await pair.run(await builtin("review-branch"), { reviewers: "broken,ok" });
    expect(two.status).toBe("done");
    // The first review of the day is kept: the second goes beside it (#13).
    expect((two.result as { report: string }).report).toBe((one.result as { report: string }).report.replace(/\.md$/, "-2.md"));
    expect(readFileSync(join(root, (one.result as { report: string }).report), "utf8")).toContain("Only: fine by me");
    const report = readFileSync(join(root, (two.result as { report: string }).report), "utf8");
    expect(report).toContain("OK: ship it");
    expect(report).toMatch(/## Review 1: broken[^\n]*\n\n_This reviewer failed: .*model overloaded/);
  });

  test("an unknown reviewer or base is a usage error naming what exists (#13)", async () => {
    const root = featureRepo();
    await using r = rig({ root, agents: { alice: { reply: () => "x" } } });
    const wf = await builtin("review-branch");
    const who = await r.run(wf, { reviewers: "alice,carol" });
    expect(who.status).toBe("failed");
    expect(who.error).toMatchObject({ code: "E_USAGE", message: expect.stringContaining('--reviewers names no agent "carol"'), hint: expect.stringContaining("alice") });
    const base = await r.run(wf, { base: "nope", reviewers: "alice" });
    expect(base.status).toBe("failed");
    expect(base.error).toMatchObject({ code: "E_USAGE", message: expect.stringContaining('the base "nope" is no branch') });
  });
});
