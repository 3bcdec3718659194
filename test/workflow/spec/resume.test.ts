// Resuming a no-code run that failed on a check (#13): a `check: true` bash node or a loop whose shell `until` never
// held stop the run; once the cause is fixed, `aegis resume` runs that check again (as engine.bashPredicate's
// failures are) instead of replaying the recorded failure, and replays everything before it.
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { listSteps } from "../../../src/store/runs.ts";
import { tempDir } from "../../fixtures/helpers/temp-dir.ts";
import { rig } from "../helpers.ts";
import { yamlWorkflow } from "./helpers.ts";

describe("resuming a no-code run after a failed check (#13)", () => {
  test("a check: true bash node runs again on resume; the agent turn before it is replayed", async () => {
    using dir = tempDir("spec-resume");
    await using r = rig();
    const wf = yamlWorkflow(`
name: gate
args: { dir: { type: string } }
root:
  type: sequence
  id: s
  children:
    - { type: agent, id: draft, prompt: write }
    - { type: bash, id: tests, run: "test -f {{ args.dir }}/ok", check: true }
`);
    const first = await r.run(wf, { dir: dir.path });
    expect(first.status).toBe("failed");
    writeFileSync(dir.join("ok"), "");
    const again = await r.resume(wf, first.runId);
    expect(again.status).toBe("done");
    expect(again.result).toEqual({ draft: "w1: write", tests: { exit: 0, stdout: "", stderr: "" } });
    expect(again.steps).toMatchObject({ replayed: 2, live: 1 });
  });

  test("resuming after the file changed a node that already ran is refused with advice for a file, not for TypeScript (#13)", async () => {
    using dir = tempDir("spec-resume");
    await using r = rig();
    const spec = (prompt: string) => yamlWorkflow(`
name: gate
args: { dir: { type: string } }
root:
  type: sequence
  id: s
  children:
    - { type: agent, id: draft, prompt: ${prompt} }
    - { type: bash, id: tests, run: "test -f {{ args.dir }}/ok", check: true }
`);
    const first = await r.run(spec("write"), { dir: dir.path });
    expect(first.status).toBe("failed");
    const again = await r.resume(spec("rewrite"), first.runId);
    expect(again.error).toMatchObject({ code: "E_NONDETERMINISTIC", hint: "test.yaml changed since this run was recorded: undo the change to the nodes that already ran to resume it, or start it afresh with `aegis run`" });
  });

  test("a loop that ran out of rounds re-checks its until on resume, and ends when it holds", async () => {
    using dir = tempDir("spec-resume");
    await using r = rig();
    const wf = yamlWorkflow(`
name: retry
args: { dir: { type: string } }
root:
  type: loop
  id: fix
  maxRounds: 2
  body: { type: agent, id: attempt, prompt: try }
  until: { shell: "test -f {{ args.dir }}/ok" }
`);
    const first = await r.run(wf, { dir: dir.path });
    expect((first.error as Error).message).toBe('retry: root (id "fix"): until did not hold after 2 rounds (maxRounds)');
    writeFileSync(dir.join("ok"), "");
    const again = await r.resume(wf, first.runId);
    expect(again.error).toBeUndefined();
    expect(again.result).toEqual(["w1: try", "w1: try"]);
    // Two rounds of spawn, send and check, the first round's failed check replayed as a failure; only the last live.
    expect(again.steps).toMatchObject({ total: 6, live: 1 });
    expect(listSteps(r.rt.store, first.runId).filter((s) => s.kind === "send")).toHaveLength(2);
  });
});
