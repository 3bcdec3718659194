// The built-in fix-ci workflow on a Scripted agent in a temporary git repository: a command that passes after two
// rounds of fixes, one that never does (the run gives up after --rounds), one that passes at once (no agent), and a
// run stopped mid-way then resumed without paying a finished round again.
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { listSteps } from "../../src/store/runs.ts";
import { makeRepo } from "../git/helpers.ts";
import { tempDir } from "../fixtures/helpers/temp-dir.ts";
import { rig } from "../workflow/helpers.ts";
import { builtin, removeRepo } from "./helpers.ts";

const repos: string[] = [];
afterEach(() => repos.splice(0).forEach(removeRepo));

/** A repository whose CI passes once `fixes` holds at least `need` lines. */
function ciRepo(need: number): string {
  const root = makeRepo({ "ci.sh": `n=$(wc -l < fixes 2>/dev/null || echo 0); [ "$n" -ge ${need} ] || { echo "only $n of ${need} fixes" >&2; exit 3; }\n` });
  repos.push(root);
  return root;
}

/** An agent that adds one line to `fixes` per turn. */
const fixer = (prompts: string[], onTurn?: (turn: number) => void) => ({
  reply: (p: string, ctx: { cwd: string; turn: number }) => {
    prompts.push(p);
    const f = join(ctx.cwd, "fixes");
    const had = existsSync(f) ? readFileSync(f, "utf8") : "";
    writeFileSync(f, `${had}fix ${ctx.turn}\n`);
    onTurn?.(ctx.turn);
    return `fixed ${ctx.turn}`;
  },
});

describe("fix-ci (#13)", () => {
  test("passes after two rounds: each failure's output goes to the same agent session (#13)", async () => {
    const root = ciRepo(2);
    const prompts: string[] = [];
    await using r = rig({ root, agents: { dev: fixer(prompts) } });
    const out = await r.run(await builtin("fix-ci"), { command: "bash ci.sh", rounds: 3 });
    expect(out.error).toBeUndefined();
    expect(out.result).toMatchObject({ passed: true, rounds: 2, command: "bash ci.sh", agent: "dev" });
    expect(prompts).toHaveLength(2);
    expect(prompts[0]).toContain("`bash ci.sh` fails (exit 3)");
    expect(prompts[0]).toContain("only 0 of 2 fixes");
    expect(prompts[1]).toContain("still fails (exit 3)");
    expect(prompts[1]).toContain("only 1 of 2 fixes");
    expect(listSteps(r.rt.store, out.runId).filter((s) => s.kind === "spawn")).toHaveLength(1);
  });

  test("gives up after --rounds with the last output in the error (#13)", async () => {
    const root = ciRepo(5);
    const prompts: string[] = [];
    await using r = rig({ root, agents: { dev: fixer(prompts) } });
    const out = await r.run(await builtin("fix-ci"), { command: "bash ci.sh", rounds: 2 });
    expect(out.status).toBe("failed");
    expect(out.error).toMatchObject({
      code: "E_WORKFLOW", message: "fix-ci: `bash ci.sh` still fails (exit 3) after 2 rounds of fixes",
      data: { rounds: 2, exitCode: 3, stderrTail: "only 2 of 5 fixes\n" },
    });
    expect(prompts).toHaveLength(2);
  });

  test("a command that passes at once starts no agent (#13)", async () => {
    const root = ciRepo(0);
    await using r = rig({ root, agents: { dev: { reply: () => "never" } } });
    const out = await r.run(await builtin("fix-ci"), { command: "bash ci.sh" });
    expect(out.result).toEqual({ passed: true, rounds: 0, command: "bash ci.sh" });
    expect(listSteps(r.rt.store, out.runId).map((s) => s.kind)).toEqual(["bash"]);
  });

  test("a run stopped in its second round resumes there without paying the first round again (#13)", async () => {
    const root = ciRepo(2);
    using dir = tempDir("fix-ci-resume");
    const prompts: string[] = [];
    const stop = new AbortController();
    await using r = rig({ root, storePath: dir.join("state.db"), agents: { dev: fixer(prompts, (turn) => turn === 2 && stop.abort(new Error("stopped"))) } });
    const wf = await builtin("fix-ci");
    const first = await r.run(wf, { command: "bash ci.sh", rounds: 3 }, { signal: stop.signal });
    expect(first.status).not.toBe("done");
    const paidBefore = prompts.length;
    const second = await r.resume(wf, first.runId);
    expect(second.error).toBeUndefined();
    expect(second.result).toMatchObject({ passed: true });
    // Round 1's turn is replayed from the journal, never sent again.
    expect(prompts.filter((p) => p.includes("only 0 of 2 fixes"))).toHaveLength(1);
    expect(paidBefore).toBe(2);
    expect(second.steps.replayed).toBeGreaterThan(0);
  });

  test("a command that outlives --command-timeout counts as a failing round, its output handed to the agent (#13)", async () => {
    const root = makeRepo({ "ci.sh": "[ -e fixes ] || { echo 'waiting for the lock'; sleep 30; }\n" });
    repos.push(root);
    const prompts: string[] = [];
    await using r = rig({ root, agents: { dev: fixer(prompts) } });
    const out = await r.run(await builtin("fix-ci"), { command: "bash ci.sh", commandTimeout: 0.5 });
    expect(out.error).toBeUndefined();
    expect(out.result).toMatchObject({ passed: true, rounds: 1 });
    expect(prompts[0]).toContain("fails (exit 124)");
    expect(prompts[0]).toContain("waiting for the lock");
    expect(prompts[0]).toContain("ran longer than 0.5 s");
  });
});
