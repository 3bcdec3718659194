// No-code workflow files loaded with the TypeScript ones (#13): found in the config's workflows folders (JSON that is
// clearly something else is left alone), checked against the config's agents, and their `workflow` nodes' targets
// checked once the whole folder is loaded, so a file may call one that sorts after it; a spec calling a spec in a
// cycle fails its run naming the cycle.
import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { loadConfigWorkflows, workflowFiles } from "../../../src/workflow/loader.ts";
import { clearRegistry, getWorkflow } from "../../../src/workflow/registry.ts";
import { tempDir, type TempDir } from "../../fixtures/helpers/temp-dir.ts";
import { rig } from "../helpers.ts";

let dir: TempDir;
afterEach(() => {
  dir?.remove();
  clearRegistry();
});

function project(files: Record<string, string>) {
  dir = tempDir("spec-load");
  mkdirSync(dir.join("workflows", "nested"), { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(dir.join("workflows", name), text);
  return { workflows: [dir.join("workflows")], agents: { writer: {}, reviewer: {} } as never, defaultAgent: "writer", root: dir.path };
}

describe("loading no-code workflow files (#13)", () => {
  test("yaml, yml and json files are found, recursively; package.json, tsconfig.json and *.schema.json are not", () => {
    const cfg = project({ "a.yaml": "", "b.yml": "", "c.json": "", "package.json": "", "tsconfig.base.json": "", "workflow.schema.json": "", "nested/d.YAML": "" });
    expect(workflowFiles(cfg.workflows).map((f) => f.slice(dir.path.length + 1))).toEqual(["workflows/a.yaml", "workflows/b.yml", "workflows/c.json", "workflows/nested/d.YAML"]);
  });

  test("a file may call a workflow that sorts after it; the registered workflow carries its file", async () => {
    const cfg = project({
      "a.yaml": "name: first\nroot: { type: workflow, id: call, workflow: second }\n",
      "b.json": '{ "name": "second", "root": { "type": "bash", "id": "b", "run": "echo from second" } }',
    });
    await loadConfigWorkflows(cfg);
    expect(getWorkflow("first")?.file).toBe(dir.join("workflows", "a.yaml"));
    await using r = rig();
    const out = await r.run(getWorkflow("first")!);
    expect(out.result).toEqual({ exit: 0, stdout: "from second\n", stderr: "" });
  });

  test("a call to a workflow no file registers fails the load, naming file, node and the known workflows", async () => {
    const cfg = project({ "a.yaml": "name: first\nroot: { type: workflow, id: call, workflow: secnd }\n" });
    await expect(loadConfigWorkflows(cfg)).rejects.toThrow('workflows/a.yaml: root (id "call"): unknown workflow "secnd"; workflows: ');
  });

  test("an unknown workflow close to a registered name is suggested (#13)", async () => {
    const cfg = project({ "a.yaml": "name: first\nroot: { type: workflow, id: call, workflow: promt, args: { text: hi } }\n" });
    await expect(loadConfigWorkflows(cfg)).rejects.toThrow('workflows/a.yaml: root (id "call"): unknown workflow "promt" (did you mean "prompt"?); workflows: ');
  });

  test("a call passing an argument the workflow does not take, or leaving out a required one, fails the load naming the node (#13)", async () => {
    const cfg = project({
      "a.yaml": `name: first
root:
  type: sequence
  id: s
  children:
    - { type: workflow, id: ask, workflow: prompt, args: { prompt: "hi {{ args.x }}" } }
    - { type: workflow, id: sub, workflow: second, args: { topc: cats } }
`,
      "b.yaml": "name: second\nargs: { topic: { type: string } }\nroot: { type: bash, id: b, run: 'echo {{ args.topic }}' }\n",
    });
    const err = await loadConfigWorkflows(cfg).then(() => undefined, (e: unknown) => e as Error);
    expect(err?.message.split("\n").map((l) => l.trim())).toEqual([
      "workflows/a.yaml: 4 problems:",
      'workflows/a.yaml: root.children[0] (id "ask"): args.prompt: workflow "prompt" takes no argument "prompt"; its arguments: text, agent',
      'workflows/a.yaml: root.children[0] (id "ask"): args: workflow "prompt" requires "text", not given',
      'workflows/a.yaml: root.children[1] (id "sub"): args.topc: workflow "second" takes no argument "topc" (did you mean "topic"?); its arguments: topic',
      'workflows/a.yaml: root.children[1] (id "sub"): args: workflow "second" requires "topic", not given',
    ]);
  });

  test("an unknown agent fails the load of the folder, naming the file", async () => {
    const cfg = project({ "a.yaml": "name: first\nroot: { type: agent, id: x, agent: nobody, prompt: hi }\n" });
    await expect(loadConfigWorkflows(cfg)).rejects.toThrow('workflows/a.yaml: root (id "x"): unknown agent "nobody"; agents: writer, reviewer');
  });

  test("two specs calling each other fail the run with the cycle", async () => {
    const cfg = project({
      "a.yaml": "name: ping\nroot: { type: workflow, id: p, workflow: pong }\n",
      "b.yaml": "name: pong\nroot: { type: workflow, id: q, workflow: ping }\n",
    });
    await loadConfigWorkflows(cfg);
    await using r = rig();
    const out = await r.run(getWorkflow("ping")!);
    expect(out.status).toBe("failed");
    expect((out.error as Error).message).toBe('pong: root (id "q"): workflow cycle: ping → pong → ping');
  });

  test("two files with one name are refused naming both", async () => {
    const cfg = project({ "a.yaml": "name: same\nroot: { type: bash, id: b, run: ls }\n", "b.yaml": "name: same\nroot: { type: bash, id: b, run: ls }\n" });
    await expect(loadConfigWorkflows(cfg)).rejects.toThrow(`two workflows are named "same": one in ${dir.join("workflows", "a.yaml")}, one in ${dir.join("workflows", "b.yaml")}`);
  });
});
