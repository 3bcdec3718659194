// No-code workflows on Scripted agents: every node type and both predicates, their outputs, templates and selectors
// (#13). Each runs through the real runner and engine, so every effect is a journaled step.
import { describe, expect, test } from "bun:test";
import { listSteps } from "../../../src/store/runs.ts";
import { clearRegistry, workflow } from "../../../src/workflow/registry.ts";
import { rig } from "../helpers.ts";
import { tempDir } from "../../fixtures/helpers/temp-dir.ts";
import { yamlWorkflow } from "./helpers.ts";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeRepo, sh } from "../../git/helpers.ts";

const writerEcho = { reply: (p: string) => `w: ${p.split("\n").pop()}` };

describe("no-code workflow nodes (#13)", () => {
  test("sequence of agent and bash: outputs by child id, templates see args and earlier nodes, shell values quoted", async () => {
    await using r = rig({ agents: { writer: writerEcho, reviewer: writerEcho } });
    const wf = yamlWorkflow(`
name: seq
args: { topic: { type: string, default: "cats; rm -rf /" } }
root:
  type: sequence
  id: main
  children:
    - { type: agent, id: draft, prompt: "write about {{ args.topic }}" }
    - { type: bash, id: echo, run: "printf '%s|' {{ draft }} {{ args.topic }}" }
`);
    const out = await r.run(wf, {});
    expect(out.error).toBeUndefined();
    expect(out.result).toEqual({
      draft: "w: write about cats; rm -rf /",
      echo: { exit: 0, stdout: "w: write about cats; rm -rf /|cats; rm -rf /|", stderr: "" },
    });
    expect(listSteps(r.rt.store, out.runId).map((s) => s.kind)).toEqual(["spawn", "send", "bash"]);
  });

  test("parallel runs every child, output by child id; a bash node keeps a non-zero exit as its result", async () => {
    await using r = rig();
    const wf = yamlWorkflow(`
name: par
root:
  type: parallel
  id: both
  children:
    - { type: agent, id: a, agent: writer, prompt: one }
    - { type: agent, id: b, agent: reviewer, prompt: two }
    - { type: bash, id: c, run: "echo err >&2; exit 3" }
`);
    const out = await r.run(wf);
    expect(out.result).toEqual({ a: "w1: one", b: "r1: two", c: { exit: 3, stdout: "", stderr: "err\n" } });
  });

  test("a bash node with check: true fails the run on a non-zero exit, naming the node, the exit and stderr", async () => {
    await using r = rig();
    const out = await r.run(yamlWorkflow(`
name: checked
root: { type: sequence, id: s, children: [{ type: bash, id: ok, run: "true", check: true }, { type: bash, id: tests, run: "echo 2 failed >&2; exit 1", check: true }] }
`));
    expect(out.status).toBe("failed");
    expect((out.error as Error).message).toBe('checked: root.children[1] (id "tests"): the command exited 1 (check: true): 2 failed');
  });

  test("map over a list: outputs in item order, item and index in templates, at most `concurrency` at once", async () => {
    let active = 0;
    let peak = 0;
    const slow = {
      reply: async (p: string) => {
        active++;
        peak = Math.max(peak, active);
        await new Promise((res) => setTimeout(res, 3)); // keeps a turn open so lanes overlap
        active--;
        return `did ${p.split("\n").pop()}`;
      },
    };
    await using r = rig({ agents: { writer: slow, reviewer: slow } });
    const wf = yamlWorkflow(`
name: map
args: { files: { type: array } }
root:
  type: map
  id: each
  over: args.files
  concurrency: 2
  body: { type: agent, id: one, prompt: "{{ index }}:{{ item.name }}" }
`);
    const files = ["a", "b", "c", "d", "e"].map((name) => ({ name }));
    const out = await r.run(wf, { files });
    expect(out.result).toEqual(["did 0:a", "did 1:b", "did 2:c", "did 3:d", "did 4:e"]);
    expect(peak).toBe(2);
  });

  test("map refuses a selector that is not a list, and a list longer than maxItems", async () => {
    await using r = rig();
    const notList = await r.run(yamlWorkflow(`
name: m1
args: { x: { type: string, default: "abc" } }
root: { type: map, id: each, over: args.x, body: { type: bash, id: b, run: "true" } }
`));
    expect(notList.status).toBe("failed");
    expect((notList.error as Error).message).toBe('m1: root (id "each"): over: args.x is not a list (it is string)');
    const tooMany = await r.run(yamlWorkflow(`
name: m2
args: { x: { type: array, default: [1, 2, 3] } }
root: { type: map, id: each, over: args.x, maxItems: 2, body: { type: bash, id: b, run: "true" } }
`));
    expect((tooMany.error as Error).message).toContain("over: args.x has 3 items, more than maxItems 2");
  });

  test("loop until a shell predicate holds: the list of rounds; until sees the round's nodes", async () => {
    using dir = tempDir("spec-loop");
    await using r = rig();
    const wf = yamlWorkflow(`
name: loop
args: { dir: { type: string } }
root:
  type: loop
  id: fix
  maxRounds: 5
  body: { type: bash, id: attempt, run: "echo x >> {{ args.dir }}/n; wc -l < {{ args.dir }}/n" }
  until: { shell: "test {{ attempt.stdout }} -ge 3" }
`);
    const out = await r.run(wf, { dir: dir.path });
    expect(out.error).toBeUndefined();
    expect((out.result as { stdout: string }[]).map((x) => x.stdout.trim())).toEqual(["1", "2", "3"]);
  });

  test("a loop whose until never holds fails naming maxRounds, or stops with its rounds when exhausted: stop", async () => {
    await using r = rig();
    const spec = (exhausted: string) => `
name: never${exhausted}
root:
  type: loop
  id: spin
  maxRounds: 2
  ${exhausted ? `exhausted: ${exhausted}` : ""}
  body: { type: bash, id: b, run: "echo hi" }
  until: { shell: "false" }
`;
    const failed = await r.run(yamlWorkflow(spec("")));
    expect(failed.status).toBe("failed");
    expect((failed.error as Error).message).toBe('never: root (id "spin"): until did not hold after 2 rounds (maxRounds)');
    const stopped = await r.run(yamlWorkflow(spec("stop")));
    expect(stopped.status).toBe("done");
    expect(stopped.result).toHaveLength(2);
  });

  test("a judge predicate: an agent answers {decision, reason}; the loop ends when it decides yes", async () => {
    let judged = 0;
    await using r = rig({
      agents: {
        writer: { reply: (p: string) => `draft: ${p.split("\n").pop()}` },
        reviewer: { reply: (p: string) => (p.includes("Decide whether") ? JSON.stringify({ decision: ++judged >= 2, reason: `look ${judged}` }) : "?") },
      },
    });
    const wf = yamlWorkflow(`
name: judged
root:
  type: loop
  id: polish
  maxRounds: 4
  body: { type: agent, id: d, agent: writer, prompt: improve }
  until: { judge: "the draft {{ d }} is polished", agent: reviewer }
`);
    const out = await r.run(wf);
    expect(out.error).toBeUndefined();
    expect(out.result).toEqual(["draft: improve", "draft: improve"]);
    expect(judged).toBe(2);
    const logs = r.events.filter((e) => e.type === "log").map((e) => (e as { message: string }).message);
    expect(logs).toContain("node polish: judge says yes: look 2");
  });

  test("agent nodes naming one session continue one conversation: a loop's rounds reach the same agent, spawned once", async () => {
    await using r = rig();
    const wf = yamlWorkflow(`
name: chat
root:
  type: sequence
  id: s
  children:
    - { type: agent, id: opening, agent: writer, session: pair, prompt: start }
    - type: loop
      id: more
      maxRounds: 2
      exhausted: stop
      body: { type: agent, id: step, agent: writer, session: pair, prompt: "after {{ opening }}" }
      until: { shell: "false" }
    - { type: agent, id: fresh, agent: writer, prompt: alone }
`);
    const out = await r.run(wf);
    expect(out.error).toBeUndefined();
    // Scripted numbers the turns of each session: the rounds are turns 2 and 3 of the first one.
    expect(out.result).toEqual({ opening: "w1: start", more: ["w2: after w1: start", "w3: after w1: start"], fresh: "w1: alone" });
    expect(listSteps(r.rt.store, out.runId).filter((s) => s.kind === "spawn")).toHaveLength(2);
  });

  test("if: then when the shell cond exits 0, else otherwise, null with no else", async () => {
    await using r = rig();
    const wf = (cond: string, withElse: boolean) => yamlWorkflow(`
name: if-${cond}-${withElse}
root:
  type: if
  id: check
  cond: { shell: "${cond}" }
  then: { type: bash, id: yes, run: "echo then" }
  ${withElse ? 'else: { type: bash, id: no, run: "echo else" }' : ""}
`);
    expect(((await r.run(wf("true", true))).result as { stdout: string }).stdout).toBe("then\n");
    expect(((await r.run(wf("false", true))).result as { stdout: string }).stdout).toBe("else\n");
    expect((await r.run(wf("false", false))).result).toBeNull();
  });

  test("human: the question and options are templates; the answer (--answer <id>=…) is the output", async () => {
    await using r = rig();
    const wf = yamlWorkflow(`
name: ask
root:
  type: sequence
  id: s
  children:
    - { type: agent, id: plan, prompt: plan it }
    - { type: human, id: approve, question: "Ship {{ plan }}?", options: ["yes", "no {{ plan }}"] }
`);
    const out = await r.run(wf, {}, { answers: { approve: "yes" } });
    expect(out.result).toEqual({ plan: "w1: plan it", approve: "yes" });
    const ask = r.events.find((e) => e.type === "ask") as unknown as { key: string; question: string; options: string[] };
    expect(ask).toMatchObject({ key: "approve", question: "Ship w1: plan it?", options: ["yes", "no w1: plan it"] });
  });

  test("human inside a map: each item asks its own question under <id>#<index> (nested maps: <id>#<i>.<j>) (#13)", async () => {
    await using r = rig();
    const wf = yamlWorkflow(`
name: keep
args: { files: { type: array, default: [a, b] } }
root:
  type: map
  id: each
  over: args.files
  concurrency: 1
  body: { type: human, id: keep, question: "Keep {{ item }}?", options: [yes, no] }
`);
    const out = await r.run(wf, {}, { answers: { "keep#0": "yes", "keep#1": "no" } });
    expect(out.error).toBeUndefined();
    expect(out.result).toEqual(["yes", "no"]);
    const asks = r.events.filter((e) => e.type === "ask") as unknown as { key: string; question: string }[];
    expect(asks.map((a) => [a.key, a.question])).toEqual([["keep#0", "Keep a?"], ["keep#1", "Keep b?"]]);
    // One answer for the bare id no longer answers every item: the run names the item's own key.
    const bare = await r.run(wf, {}, { answers: { keep: "yes" } });
    expect(bare.status).toBe("failed");
    expect((bare.error as { hint?: string }).hint).toContain("--answer keep#0=yes|no");

    const nested = yamlWorkflow(`
name: grid
root:
  type: map
  id: rows
  over: args.rows
  concurrency: 1
  body: { type: map, id: cols, over: item, concurrency: 1, body: { type: human, id: cell, question: "{{ item }}?" } }
args: { rows: { type: array, default: [[x, y], [z]] } }
`);
    const grid = await r.run(nested, {}, { answers: { "cell#0.0": "1", "cell#0.1": "2", "cell#1.0": "3" } });
    expect(grid.result).toEqual([["1", "2"], ["3"]]);

    // A spec called from a map item asks under that item's index too.
    clearRegistry();
    const { registerWorkflow } = await import("../../../src/workflow/registry.ts");
    registerWorkflow(yamlWorkflow(`
name: approve
args: { what: { type: string } }
root: { type: human, id: ok, question: "Approve {{ args.what }}?" }
`));
    const caller = yamlWorkflow(`
name: each
args: { xs: { type: array, default: [p, q] } }
root: { type: map, id: m, over: args.xs, concurrency: 1, body: { type: workflow, id: call, workflow: approve, args: { what: "{{ item }}" } } }
`);
    const called = await r.run(caller, {}, { answers: { "ok#0": "yes p", "ok#1": "yes q" } });
    expect(called.result).toEqual(["yes p", "yes q"]);
    clearRegistry();
  });

  test("workflow node: calls a TypeScript workflow with templated args (a whole {{ }} passes the value), in the same journal", async () => {
    clearRegistry();
    workflow("count", async (engine, args: Record<string, unknown>) => {
      const r = await engine.bash(`echo ${(args.items as unknown[]).length}`);
      return `${String(args.label)}: ${r.stdout.trim()}`;
    });
    await using r = rig();
    const wf = yamlWorkflow(`
name: caller
args: { items: { type: array, default: [1, 2, 3] } }
root:
  type: sequence
  id: s
  children:
    - { type: agent, id: name, prompt: label }
    - { type: workflow, id: sub, workflow: count, args: { items: "{{ args.items }}", label: "got {{ name }}" } }
`);
    const out = await r.run(wf);
    expect(out.error).toBeUndefined();
    expect(out.result).toEqual({ name: "w1: label", sub: "got w1: label: 3" });
    expect(listSteps(r.rt.store, out.runId).map((s) => s.kind)).toEqual(["spawn", "send", "bash"]);
    clearRegistry();
  });

  test("an agent node with isolation: worktree works on its own branch; the checkout stays untouched", async () => {
    const root = makeRepo();
    const ed = { reply: (_p: string, ctx: { cwd: string }) => (writeFileSync(join(ctx.cwd, "notes.txt"), "note\n"), `wrote in ${ctx.cwd}`) };
    await using r = rig({ root, agents: { writer: ed, reviewer: ed } });
    const out = await r.run(yamlWorkflow(`
name: iso
root: { type: agent, id: a, agent: writer, isolation: worktree, prompt: write a note }
`));
    expect(out.error).toBeUndefined();
    expect(out.result).toStartWith(`wrote in ${join(root, ".git", "aegis-worktrees")}/`);
    expect(existsSync(join(root, "notes.txt"))).toBe(false);
    expect(sh(root, "for-each-ref", "--format=%(refname:short)", "refs/heads/aegis").trim()).toMatch(/^aegis\/[a-z]+-[a-z]+$/);
    expect(listSteps(r.rt.store, out.runId)[0]!.label).toEndWith("in a worktree");
    // The output is the reply only: the run says where the changes stay (#13).
    const branch = sh(root, "for-each-ref", "--format=%(refname:short)", "refs/heads/aegis").trim();
    const handle = branch.slice("aegis/".length);
    expect(r.events.filter((e) => e.type === "log").map((e) => (e as { message: string }).message))
      .toContain(`node a: ${handle} works in its own worktree; what it changes stays on branch ${branch} (aegis merge ${handle} brings it in)`);
  });

  test("a workflow node whose arguments the called workflow refuses at run time fails naming the node (#13)", async () => {
    clearRegistry();
    const { z } = await import("zod");
    workflow("typed", async (_engine, args: { n: number }) => args.n, { args: z.object({ n: z.number() }) });
    await using r = rig();
    const out = await r.run(yamlWorkflow(`
name: caller
args: { n: { type: string, default: three } }
root: { type: workflow, id: call, workflow: typed, args: { n: "{{ args.n }}" } }
`));
    expect(out.status).toBe("failed");
    expect((out.error as Error).message).toStartWith('caller: root (id "call"): bad argument for workflow "typed": --n: ');
    expect((out.error as { hint?: string }).hint).toBe("see its arguments: aegis workflow show typed");
    clearRegistry();
  });

  test("a workflow node that calls itself fails with the cycle instead of recursing", async () => {
    clearRegistry();
    const { registerWorkflow } = await import("../../../src/workflow/registry.ts");
    const self = registerWorkflow(yamlWorkflow(`
name: again
root: { type: workflow, id: call, workflow: again }
`));
    await using r = rig();
    const out = await r.run(self);
    expect(out.status).toBe("failed");
    expect((out.error as Error).message).toBe('again: root (id "call"): workflow cycle: again → again');
    clearRegistry();
  });
});
