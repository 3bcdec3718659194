// aegis_run_dynamic_workflow over the MCP SDK's own client (#13): a spec within dynamicWorkflows.maxAgents starts and
// its result lands in the caller's inbox; above it (or unbounded) the plan comes back for approval and nothing runs;
// a bad spec is refused naming the node. The spec is stored under the state folder, where resume finds it.
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, utimesSync } from "node:fs";
import { UNRUN_KEEP_MS } from "../../src/mcp/dynamic-workflow.ts";
import { validateConfig } from "../../src/config/validate.ts";
import { Scripted } from "../../src/config/providers.ts";
import { listRuns } from "../../src/store/runs.ts";
import { importWorkflowFile, loadConfigWorkflows } from "../../src/workflow/loader.ts";
import { getWorkflow } from "../../src/workflow/registry.ts";
import { tempDir, type TempDir } from "../fixtures/helpers/temp-dir.ts";
import { waitFor } from "../fixtures/helpers/wait.ts";
import { call, callJson, planeHarness, type PlaneHarness } from "./helpers.ts";

let h: PlaneHarness | undefined;
let dir: TempDir | undefined;
afterEach(async () => {
  await h?.close();
  dir?.remove();
  h = undefined;
});

async function setup(extra: Record<string, unknown> = {}) {
  dir = tempDir("dyn-wf");
  const seen: string[] = [];
  const config = validateConfig({
    defaultAgent: "writer",
    agents: {
      caller: { provider: new Scripted({ reply: (p: string) => (seen.push(p), "thanks") }) },
      writer: { provider: new Scripted({ reply: (p: string) => `did ${p.split("\n").pop()}` }) },
    },
    ...extra,
  }, dir.join(".aegis.ts"), dir.path);
  h = planeHarness(config, { workflows: true });
  await h.sessions.spawn("caller", { handle: "alpha" });
  return { client: await h.clientAs("alpha"), seen, config };
}

const mapOf = (n: number | null) => ({
  name: "fan",
  args: { items: { type: "array", ...(n === null ? {} : { default: Array.from({ length: n }, (_, i) => `t${i}`) }) } },
  root: { type: "map", id: "each", over: "args.items", body: { type: "agent", id: "one", prompt: "{{ item }}" } },
});

describe("aegis_run_dynamic_workflow (#13)", () => {
  test("within the limit it starts; the result lands in the caller's inbox; the spec is stored for resume", async () => {
    const { client, seen, config } = await setup();
    const r = await callJson(client, "aegis_run_dynamic_workflow", { spec: mapOf(2) });
    expect(r).toMatchObject({ status: "started", callback: true, plan: { agents: 2, turns: 2, bound: "exact" } });
    expect(r.workflow).toMatch(/^fan\.dyn_/);
    expect(r.file).toMatch(/^\.aegis\/dynamic\/dyn_.*\.json$/);
    await waitFor(() => seen.length, { what: "the dynamic workflow's callback" });
    expect(seen[0]).toContain(`> from workflow:${r.workflow}`);
    expect(seen[0]).toEndWith(`run ${r.runId} done:\n[\n  "did t0",\n  "did t1"\n]`);
    const stored = JSON.parse(readFileSync(`${config.root}/${r.file}`, "utf8"));
    expect(stored.name).toBe(r.workflow);
    // As `aegis resume` does: the config's workflows first (which makes it the project the file is checked against).
    await loadConfigWorkflows(config);
    await importWorkflowFile(`${config.root}/${r.file}`);
    expect(getWorkflow(r.workflow)?.file).toBe(`${config.root}/${r.file}`);
  });

  test("YAML text is accepted, with arguments", async () => {
    const { client } = await setup();
    const yaml = "name: one\nargs: { what: { type: string } }\nroot: { type: agent, id: a, prompt: \"say {{ args.what }}\" }\n";
    const r = await callJson(client, "aegis_run_dynamic_workflow", { spec: yaml, args: { what: "hi" }, callback: false });
    expect(r).toMatchObject({ status: "started", callback: false });
    const done = await waitFor(async () => {
      const s = await callJson(client, "aegis_workflow_status", { runId: r.runId });
      return s.status === "done" ? s : undefined;
    }, { what: "the run to end" });
    expect(done.result).toBe("did say hi");
  });

  test("above dynamicWorkflows.maxAgents (default 5) it returns the plan for approval and starts nothing", async () => {
    const { client } = await setup();
    const r = await callJson(client, "aegis_run_dynamic_workflow", { spec: mapOf(6) });
    expect(r).toMatchObject({ status: "needs-approval", maxAgents: 5, plan: { agents: 6, turns: 6, bound: "exact" } });
    expect(r.plan.text).toContain("exactly 6 agents, 6 turns");
    expect(r.hint).toContain(`its plan projects 6 agents, above dynamicWorkflows.maxAgents (5): show the plan to a human; they can run it with \`aegis run ${r.file}\``);
    expect(existsSync(`${dir!.path}/${r.file}`)).toBe(true);
    expect(listRuns(h!.store)).toHaveLength(0);
  });

  test("an unbounded plan needs approval; a raised limit lets a larger spec run", async () => {
    const { client } = await setup();
    const open = await callJson(client, "aegis_run_dynamic_workflow", { spec: mapOf(null), args: { items: ["a"] } });
    expect(open).toMatchObject({ status: "started", plan: { agents: 1 } }); // the given list bounds it
    const unbounded = await callJson(client, "aegis_run_dynamic_workflow", {
      spec: { name: "u", root: { type: "sequence", id: "s", children: [{ type: "agent", id: "l", prompt: "list" }, { type: "map", id: "m", over: "l", body: { type: "agent", id: "x", prompt: "{{ item }}" } }] } },
    });
    expect(unbounded).toMatchObject({ status: "needs-approval", plan: { agents: null, bound: "unbounded" } });
    await h!.close();
    h = undefined;
    const raised = await setup({ dynamicWorkflows: { maxAgents: 10 } });
    expect(await callJson(raised.client, "aegis_run_dynamic_workflow", { spec: mapOf(6) })).toMatchObject({ status: "started" });
  });

  test("stored specs nobody can resume are pruned as new ones come in: a finished run's, an old unrun one; a failed run's stays (#13)", async () => {
    const { client, config } = await setup();
    const done = await callJson(client, "aegis_run_dynamic_workflow", { spec: mapOf(1), callback: false });
    await waitFor(async () => (await callJson(client, "aegis_workflow_status", { runId: done.runId })).status === "done" || undefined, { what: "the run to end" });
    const failing = { name: "f", root: { type: "bash", id: "b", run: "exit 3", check: true } };
    const failed = await callJson(client, "aegis_run_dynamic_workflow", { spec: failing, callback: false });
    await waitFor(async () => (await callJson(client, "aegis_workflow_status", { runId: failed.runId })).status === "failed" || undefined, { what: "the run to fail" });
    const oldUnrun = await callJson(client, "aegis_run_dynamic_workflow", { spec: mapOf(6) });
    const freshUnrun = await callJson(client, "aegis_run_dynamic_workflow", { spec: mapOf(7) });
    const path = (r: { file: string }) => `${config.root}/${r.file}`;
    const weekAgo = (Date.now() - UNRUN_KEEP_MS - 60_000) / 1000;
    utimesSync(path(oldUnrun), weekAgo, weekAgo);
    expect([done, failed, oldUnrun, freshUnrun].map((r) => existsSync(path(r)))).toEqual([false, true, true, true]); // the done one went at the next start
    const next = await callJson(client, "aegis_run_dynamic_workflow", { spec: mapOf(8) });
    expect([done, failed, oldUnrun, freshUnrun, next].map((r) => existsSync(path(r)))).toEqual([false, true, false, true, true]);
  });

  test("a bad spec is refused naming the node; a misspelt config key is refused naming the allowed one", async () => {
    const { client } = await setup();
    const bad = await call(client, "aegis_run_dynamic_workflow", { spec: { name: "b", root: { type: "agent", id: "a", agent: "writr", prompt: "x" } } });
    expect(bad.isError).toBe(true);
    expect(bad.text).toContain('E_CONFIG: (dynamic workflow): root (id "a"): unknown agent "writr" (did you mean "writer"?); agents: caller, writer');
    expect(() => validateConfig({ agents: { w: { provider: new Scripted({ reply: () => "" }) } }, dynamicWorkflows: { maxAgent: 3 } }, "/p/.aegis.ts", "/p"))
      .toThrow(/dynamicWorkflows.*maxAgent.*maxAgents/s);
  });
});
