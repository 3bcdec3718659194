// The CLI of no-code workflow files (#13): `aegis workflow validate|plan|schema`, `aegis run <file.yaml>` with typed
// --key=value arguments and --help, and spec files found in the config's workflows folders.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import Ajv2020 from "ajv/dist/2020.js";
import { cli } from "../fixtures/helpers/aegis-cli.ts";
import { tempDir, type TempDir } from "../fixtures/helpers/temp-dir.ts";

const CONFIG = `import { defineConfig, Scripted } from "aegis";
export default defineConfig({
  defaultAgent: "writer",
  agents: {
    writer: { provider: new Scripted({ reply: (p) => "draft: " + p.split("\\n").pop() }) },
    reviewer: { provider: new Scripted({ reply: () => '{"items": ["a", "b"]}' }) },
  },
  workflows: ["workflows/"],
});
`;

const SHIP = `name: ship
description: Draft, list, fan out
args:
  topic: { type: string, default: cats, description: What to write about }
  rounds: { type: integer, default: 2 }
root:
  type: sequence
  id: main
  children:
    - { type: agent, id: draft, prompt: "write about {{ args.topic }}" }
    - type: agent
      id: list
      agent: reviewer
      prompt: "list parts of {{ draft }}"
      schema: { type: object, properties: { items: { type: array, maxItems: 4, items: { type: string } } }, required: [items] }
    - { type: map, id: each, over: list.items, concurrency: 2, body: { type: agent, id: one, prompt: "do {{ item }}" } }
    - { type: workflow, id: sub, workflow: helper, args: { word: "{{ draft }}" } }
`;
const HELPER = `{ "name": "helper", "args": { "word": { "type": "string" } }, "root": { "type": "bash", "id": "say", "run": "printf %s {{ args.word }}" } }`;
const FILES = `name: files
args: { files: { type: array }, mode: { type: string, enum: [fast, slow], default: fast } }
root: { type: map, id: m, over: args.files, body: { type: agent, id: a, prompt: "{{ item }}" } }
`;

let dir: TempDir;
let aegis: ReturnType<typeof cli>;

beforeAll(() => {
  dir = tempDir("spec-cli");
  mkdirSync(dir.join("workflows"));
  writeFileSync(dir.join(".aegis.ts"), CONFIG);
  writeFileSync(dir.join("workflows", "ship.yaml"), SHIP);
  writeFileSync(dir.join("workflows", "helper.json"), HELPER);
  writeFileSync(dir.join("workflows", "package.json"), `{ "name": "not-a-workflow" }`);
  writeFileSync(dir.join("files.yml"), FILES);
  writeFileSync(dir.join("bad.yaml"), `name: bad\nroot:\n  type: sequence\n  id: main\n  children:\n    - { type: agent, id: a, agent: revewer, prompt: hi }\n    - { type: workflow, id: w, workflow: nowhere }\n`);
  writeFileSync(dir.join("calls.yaml"), `name: calls\nroot: { type: workflow, id: w, workflow: nowhere }\n`);
  writeFileSync(dir.join("broken.yaml"), `name: broken\nroot: { type: bash, id: b, run: "ls\n`);
  aegis = cli(dir.path);
});
afterAll(() => dir.remove());

describe("aegis workflow validate / plan / schema (#13)", () => {
  test("validate: ok names the workflow and its node count (exit 0)", async () => {
    const r = await aegis.run("workflow", ["validate", "workflows/ship.yaml"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('ok: workflows/ship.yaml: workflow "ship", 6 nodes');
  });

  test("validate: a bad file exits 2 naming the file, node path and id, and the agents", async () => {
    const r = await aegis.run("workflow", ["validate", "bad.yaml"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('bad.yaml: root.children[0] (id "a"): unknown agent "revewer" (did you mean "reviewer"?); agents: writer, reviewer');
  });

  test("validate --json: the problems on stdout with path, id and message, exit 2; without a file, every workflow of the config", async () => {
    const r = await aegis.run("workflow", ["validate", "bad.yaml", "--json"]);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({ ok: false, file: "bad.yaml", problems: [
      { path: "root.children[0]", id: "a", message: 'unknown agent "revewer" (did you mean "reviewer"?); agents: writer, reviewer' },
    ] });
    const all = await aegis.run("workflow", ["validate"]);
    expect(all.code).toBe(0);
    expect(all.stdout.trim()).toBe("ok: 2 workflows of the config load (2 no-code)");
  });

  test("validate: a call to an unregistered workflow and a YAML syntax error exit 2", async () => {
    const calls = await aegis.run("workflow", ["validate", "calls.yaml"]);
    expect(calls.code).toBe(2);
    expect(calls.stderr).toContain('calls.yaml: root (id "w"): unknown workflow "nowhere"; workflows: ');
    const broken = await aegis.run("workflow", ["validate", "broken.yaml"]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain("broken.yaml:2: not valid YAML");
  });

  test("plan: agents and turns per node, an upper bound from the schema's maxItems, --json", async () => {
    const r = await aegis.run("workflow", ["plan", "workflows/ship.yaml"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("ship (workflows/ship.yaml): at most 6 agents, 7 turns (an upper bound: loops, maps, branches, schema retries)");
    expect(r.stdout).toMatch(/each\s+map over list\.items, ≤4 items\s+≤4 agents\s+≤4 turns/);
    const json = JSON.parse((await aegis.run("workflow", ["plan", "workflows/ship.yaml", "--json"])).stdout);
    expect(json).toMatchObject({ workflow: "ship", agents: 6, turns: 7, bound: "upper" });
  });

  test("plan and validate take a no-code workflow's name too; a TypeScript or unknown name exits 2 naming the no-code ones (#13)", async () => {
    const byName = await aegis.run("workflow", ["plan", "ship", "--json"]);
    expect(byName.code).toBe(0);
    expect(JSON.parse(byName.stdout)).toMatchObject({ workflow: "ship", source: "workflows/ship.yaml", agents: 6 });
    expect((await aegis.run("workflow", ["validate", "helper"])).stdout.trim()).toBe('ok: workflows/helper.json: workflow "helper", 1 node');
    const unknown = await aegis.run("workflow", ["plan", "shipp"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("shipp: neither a no-code workflow file (.yaml, .yml or .json) nor the name of one; no-code workflows of the config: helper, ship");
    const ts = await aegis.run("workflow", ["validate", "prompt"]);
    expect(ts.code).toBe(2);
    expect(ts.stderr).toContain('prompt: workflow "prompt" is written in TypeScript, not a no-code file');
  });

  test("plan: a map over an argument is exact with the argument given, unbounded without", async () => {
    const given = await aegis.run("workflow", ["plan", "files.yml", "--files=a", "--files=b", "--files=c", "--json"]);
    expect(JSON.parse(given.stdout)).toMatchObject({ agents: 3, turns: 3, bound: "exact" });
    const open = await aegis.run("workflow", ["plan", "files.yml"]);
    expect(open.stdout).toContain("files (files.yml): unbounded");
    expect(open.stdout).toContain("(no bound: give the list as an argument, or set maxItems)");
  });

  test("schema: a JSON Schema (draft 2020-12) that accepts the example files", async () => {
    const r = await aegis.run("workflow", ["schema"]);
    expect(r.code).toBe(0);
    const validate = new Ajv2020({ strict: false }).compile(JSON.parse(r.stdout));
    expect(validate(Bun.YAML.parse(SHIP))).toBe(true);
    expect(validate(JSON.parse(HELPER))).toBe(true);
    expect(validate({ name: "x", root: { type: "agent", id: "a" } })).toBe(false);
  });
});

describe("aegis run with a no-code workflow (#13)", () => {
  test("a spec in the config's workflows folder runs by name (package.json beside it is skipped); it calls another spec", async () => {
    const r = await aegis.run("run", ["ship", "--topic=dogs"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      draft: "draft: write about dogs", list: { items: ["a", "b"] }, each: ["draft: do a", "draft: do b"], sub: { exit: 0, stdout: "draft: write about dogs", stderr: "" },
    });
    const list = await aegis.run("workflow", ["list"]);
    expect(list.stdout).toMatch(/^ship +Draft, list, fan out$/m);
    expect(list.stdout).not.toContain("not-a-workflow");
  });

  test("a file runs by path with typed arguments; a bad argument exits 2; --help lists its arguments", async () => {
    const r = await aegis.run("run", ["./files.yml", "--files=x"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(["draft: x"]);
    const bad = await aegis.run("run", ["workflows/ship.yaml", "--rounds=many"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--rounds: ');
    const off = await aegis.run("run", ["./files.yml", "--files=x", "--mode=medium"]);
    expect(off.code).toBe(2);
    expect(off.stderr).toContain('--mode: Invalid option: expected one of "fast"|"slow" (got "medium")');
    const help = await aegis.run("run", ["workflows/ship.yaml", "--help"]);
    expect(help.stdout).toContain("WORKFLOW ship: Draft, list, fan out");
    expect(help.stdout).toMatch(/--topic <string>\s+What to write about \(default: "cats"\)/);
  });
});
