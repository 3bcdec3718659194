// The built-in execute-plan workflow on a Scripted builder in a temporary git repository: three slices in parallel
// worktrees (at most two at once), merged in order into main, the third conflicting with the second and handed back
// to its agent (main merged into its worktree, the agent edits out the markers); and a conflict the agent cannot
// resolve. Plus the plan parser.
import { afterEach, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ScriptedOptions } from "../../src/config/providers.ts";
import { parsePlan } from "../../src/catalog/plan.ts";
import { tempDir } from "../fixtures/helpers/temp-dir.ts";
import { makeRepo, sh } from "../git/helpers.ts";
import { rig } from "../workflow/helpers.ts";
import { builtin, git, removeRepo } from "./helpers.ts";

const PLAN = `# Plan: greetings

Keep every file ending with a newline.

## Slice 1 — add alpha
Create alpha.txt saying "alpha".

## Slice 2 - line two, loud
Change line two of src/a.txt to "TWO".

## Slice 3 — line two, polite
Change line two of src/a.txt to "two, please".
`;

const repos: string[] = [];
afterEach(() => repos.splice(0).forEach(removeRepo));

function planRepo(): string {
  const root = makeRepo({ "src/a.txt": "one\ntwo\nthree\n", "PLAN.md": PLAN });
  repos.push(root);
  return root;
}

/** A builder that does each slice in its worktree; `resolve` decides whether it can fix a conflict. */
interface Log { prompts: string[]; conflicted: string[]; active: number; max: number; started: number }
const newLog = (): Log => ({ prompts: [], conflicted: [], active: 0, max: 0, started: 0 });

function builder(log: Log, resolve: boolean): ScriptedOptions {
  let release!: () => void;
  const pairStarted = new Promise<void>((r) => (release = r));
  return {
    reply: async (prompt, ctx) => {
      log.prompts.push(prompt);
      const slice = /implementing slice (\d+)/.exec(prompt)?.[1];
      if (slice) {
        log.started++;
        log.active++;
        log.max = Math.max(log.max, log.active);
        if (log.active >= 2 || log.started === 3) release();
        await pairStarted; // the first two slices wait for each other: they must run at the same time
        log.active--;
        if (slice === "1") writeFileSync(join(ctx.cwd, "alpha.txt"), "alpha\n"); // left uncommitted: merge commits it
        if (slice === "2" || slice === "3") {
          writeFileSync(join(ctx.cwd, "src", "a.txt"), `one\n${slice === "2" ? "TWO" : "two, please"}\nthree\n`);
          git(ctx.cwd, "commit", "-qam", `slice ${slice}`);
        }
        return `slice ${slice} done`;
      }
      if (prompt.includes("could not be merged") || prompt.includes("still have conflict markers")) {
        // aegis has merged main into this worktree: the file holds conflict markers; the agent only edits it.
        log.conflicted.push(readFileSync(join(ctx.cwd, "src", "a.txt"), "utf8"));
        if (!resolve) return "I could not work out which line two is right";
        writeFileSync(join(ctx.cwd, "src", "a.txt"), "one\nTWO, please\nthree\n");
        return "kept both: TWO, please";
      }
      return "?";
    },
  };
}

describe("execute-plan (#13)", () => {
  test("three slices in parallel worktrees (2 at a time), merged in order; the conflicting third is handed back and lands (#13)", async () => {
    const root = planRepo();
    const log = newLog();
    await using r = rig({ root, agents: { builder: builder(log, true) } });
    const out = await r.run(await builtin("execute-plan"), { plan: "PLAN.md", concurrency: 2 });
    expect(out.error).toBeUndefined();
    expect(out.status).toBe("done");
    const res = out.result as { into: string; slices: { slice: number; status: string; conflicts?: string[]; resolveRounds?: number; branch?: string }[] };
    expect(res.into).toBe("main");
    expect(res.slices.map((s) => [s.slice, s.status])).toEqual([[1, "merged"], [2, "merged"], [3, "merged"]]);
    expect(res.slices[2]).toMatchObject({ conflicts: ["src/a.txt"], resolveRounds: 1, summary: "kept both: TWO, please" });
    expect(res.slices[0]!.conflicts).toBeUndefined();
    expect(log.max).toBe(2);
    // The merged result on main, with a clean checkout.
    expect(sh(root, "show", "main:alpha.txt")).toBe("alpha");
    expect(sh(root, "show", "main:src/a.txt")).toBe("one\nTWO, please\nthree");
    expect(readFileSync(join(root, "src", "a.txt"), "utf8")).toBe("one\nTWO, please\nthree\n");
    expect(sh(root, "status", "--porcelain")).toBe("");
    // Every slice got the plan's context and only its own text; the hand-back named the file and the target.
    const sliceTwo = log.prompts.find((p) => p.includes("implementing slice 2"))!;
    expect(sliceTwo).toContain("Keep every file ending with a newline.");
    expect(sliceTwo).toContain('Change line two of src/a.txt to "TWO".');
    expect(sliceTwo).not.toContain("alpha.txt");
    const handBack = log.prompts.find((p) => p.includes("could not be merged"))!;
    expect(handBack).toContain(`I have merged main into your branch ${res.slices[2]!.branch!} in your worktree; these files conflict: src/a.txt.`);
    expect(log.conflicted[0]).toMatch(/^one\n<<<<<<< HEAD\ntwo, please\n=======\nTWO\n>>>>>>> main\nthree\n$/);
    // The slice landed as a merge of main into its branch, then onto main: both lines of history are kept.
    expect(sh(root, "log", "--format=%s", "main")).toContain("slice 3");
    expect(sh(root, "log", "--format=%s", "main")).toContain("slice 2");
    // The history names the conflict's resolution, not "work left by" (#13).
    expect(sh(root, "log", "--format=%s", "main")).toMatch(/^Merge main into aegis\/[a-z]+-[a-z]+ \(slice 3 — .*\): conflicts resolved by [a-z]+-[a-z]+$/m);
    expect(sh(root, "log", "--format=%s", "main")).not.toContain("work left by");
  });

  test("a conflict the agent leaves unresolved fails the run naming the slice; the earlier slices stay merged (#13)", async () => {
    const root = planRepo();
    const log = newLog();
    await using r = rig({ root, agents: { builder: builder(log, false) } });
    const out = await r.run(await builtin("execute-plan"), { plan: "PLAN.md", mergeRetries: 2 });
    expect(out.status).toBe("failed");
    expect(out.error).toMatchObject({ code: "E_WORKFLOW", message: expect.stringContaining("1 of 3 slices did not land in main: slice 3 conflict") });
    const slices = (out.error as { data: { slices: { status: string; resolveRounds?: number }[] } }).data.slices;
    expect(slices.map((s) => s.status)).toEqual(["merged", "merged", "conflict"]);
    expect(slices[2]!.resolveRounds).toBe(2);
    // The second hand-back told the agent which files still had conflicts; main never got conflict markers.
    const handBacks = log.prompts.filter((p) => p.includes("could not be merged") || p.includes("still have conflict markers"));
    expect(handBacks).toHaveLength(2);
    expect(handBacks[1]).toContain("\nThese files still have conflict markers: src/a.txt. Finish resolving them.");
    expect(sh(root, "show", "main:src/a.txt")).toBe("one\nTWO\nthree");
    expect(sh(root, "status", "--porcelain")).toBe("");
  });

  test("a run stopped while a conflict is handed back resumes there: no slice built twice, no merge repeated (#13)", async () => {
    const root = planRepo();
    using dir = tempDir("execute-plan-resume");
    const log = newLog();
    const stop = new AbortController();
    const inner = builder(log, true);
    let handBacks = 0;
    const agent: ScriptedOptions = {
      reply: async (prompt, ctx) => {
        // The first hand-back stops the run before the agent resolves anything.
        if (prompt.includes("could not be merged") && ++handBacks === 1) {
          stop.abort(new Error("stopped"));
          return "stopping";
        }
        return inner.reply(prompt, ctx);
      },
    };
    await using r = rig({ root, storePath: dir.join("state.db"), agents: { builder: agent } });
    const wf = await builtin("execute-plan");
    const first = await r.run(wf, { plan: "PLAN.md" }, { signal: stop.signal });
    expect(first.status).not.toBe("done");
    const mainAfterStop = sh(root, "rev-parse", "main");
    const second = await r.resume(wf, first.runId);
    expect(second.error).toBeUndefined();
    expect((second.result as { slices: { status: string }[] }).slices.map((x) => x.status)).toEqual(["merged", "merged", "merged"]);
    // Each slice was built by exactly one paid turn; slices 1 and 2 were merged once (main moved on from there).
    for (const n of [1, 2, 3]) expect(log.prompts.filter((p) => p.includes(`implementing slice ${n}`))).toHaveLength(1);
    expect(sh(root, "merge-base", "--is-ancestor", mainAfterStop, "main")).toBe("");
    expect(sh(root, "log", "--format=%s", `${mainAfterStop}..main`).split("\n").filter((l) => /^slice [12]$/.test(l))).toEqual([]);
    expect(sh(root, "show", "main:src/a.txt")).toBe("one\nTWO, please\nthree");
    expect(second.steps.replayed).toBeGreaterThan(5);
  });

  test("a plan without slices, or a missing plan file, is a usage error (#13)", async () => {
    const root = planRepo();
    writeFileSync(join(root, "EMPTY.md"), "# Nothing here\n\n## Notes\n");
    await using r = rig({ root, agents: { builder: { reply: () => "x" } } });
    const wf = await builtin("execute-plan");
    const empty = await r.run(wf, { plan: "EMPTY.md" });
    expect(empty.error).toMatchObject({ code: "E_USAGE", message: "execute-plan: EMPTY.md has no slices", hint: expect.stringContaining("## Slice 1 — ") });
    const missing = await r.run(wf, { plan: "NOPE.md" });
    expect(missing.error).toMatchObject({ code: "E_USAGE", message: expect.stringContaining("cannot read the plan NOPE.md") });
  });
});

describe("parsePlan (#13)", () => {
  test("em dash, en dash, hyphen and colon headings; bodies end at the next level-1 or -2 heading; fenced code is skipped (#13)", () => {
    const plan = parsePlan([
      "Intro.", "## Slice 2 – second", "B body", "### detail stays", "```", "## Slice 9 — not a slice, inside a fence", "```",
      "## Slice 1: first", "A body", "## Appendix", "ignored", "## Slice 3 - third", "C body",
    ].join("\n"), "p.md");
    expect(plan.context).toBe("Intro.");
    expect(plan.slices.map((s) => [s.n, s.title])).toEqual([[1, "first"], [2, "second"], [3, "third"]]);
    expect(plan.slices[1]!.body).toBe("B body\n### detail stays\n```\n## Slice 9 — not a slice, inside a fence\n```");
    expect(plan.slices[0]!.body).toBe("A body");
  });

  test("two slices with one number are refused, naming both (#13)", () => {
    expect(() => parsePlan("## Slice 1 — a\n## Slice 1 — b\n", "p.md")).toThrow('p.md has two slices numbered 1 ("a" and "b")');
  });
});
