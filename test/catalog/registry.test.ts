// The built-in catalog in the registry: beneath the project's workflows (a project workflow of the same name wins,
// registered before or after the catalog, with one notice), listed together, forgotten by clearRegistry; two project
// files with one name are still an error.
import { afterAll, afterEach, beforeEach, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { importWorkflowFile, loadBuiltinWorkflows } from "../../src/workflow/loader.ts";
import { allWorkflows, clearRegistry, getWorkflow, listWorkflows, workflow } from "../../src/workflow/registry.ts";
import { tempDir } from "../fixtures/helpers/temp-dir.ts";

const CATALOG = ["execute-plan", "fix-ci", "prompt", "review-branch", "tdd-cycle"];
const dir = tempDir("aegis-catalog-registry");
afterAll(() => dir.remove());
beforeEach(() => clearRegistry());
afterEach(() => clearRegistry());

/** A project workflow file registering `name` (a fresh path each time: imports are cached by path). */
let files = 0;
async function projectFile(name: string): Promise<{ file: string; wf: unknown }> {
  const file = dir.join(`wf-${++files}.ts`);
  writeFileSync(file, `import { workflow } from "aegis";\nexport default workflow(${JSON.stringify(name)}, async () => "mine");\n`);
  return { file, wf: await importWorkflowFile(file) };
}

/** Notices go to the logger (stderr): collect what it writes while `fn` runs. */
async function stderrOf(fn: () => Promise<void> | void): Promise<string> {
  const { logger } = await import("../../src/ui/log.ts");
  const log = logger();
  const lines: string[] = [];
  const original = log.info;
  log.info = ((m: unknown) => void lines.push(String(m))) as typeof log.info;
  try {
    await fn();
  } finally {
    log.info = original;
  }
  return lines.join("\n");
}

test("the catalog is registered as built-in beneath the project's workflows, each with usage and examples (#13)", async () => {
  workflow("mine", async () => 1);
  await loadBuiltinWorkflows();
  await loadBuiltinWorkflows(); // idempotent
  expect(listWorkflows()).toEqual([...CATALOG.slice(0, 2), "mine", ...CATALOG.slice(2)]);
  for (const name of CATALOG) {
    const wf = getWorkflow(name)!;
    expect(wf).toMatchObject({ name, builtin: true });
    expect(wf.file).toBeUndefined();
    expect(wf.usage!.length).toBeGreaterThan(100);
    expect(wf.examples!.length).toBeGreaterThan(0);
    expect(wf.args).toBeDefined();
  }
  expect(getWorkflow("mine")!.builtin).toBeUndefined();
  clearRegistry();
  expect(allWorkflows()).toEqual([]);
});

test("a project workflow overrides a built-in one whether it registers before or after the catalog, told once (#13)", async () => {
  const after = await stderrOf(async () => {
    await loadBuiltinWorkflows();
    const { file, wf: mine } = await projectFile("prompt");
    expect(getWorkflow("prompt")).toBe(mine as never);
    expect(getWorkflow("prompt")!.file).toBe(file);
    await loadBuiltinWorkflows(); // a later load (aegis serve reloads) keeps the project's and says nothing more
    expect(getWorkflow("prompt")).toBe(mine as never);
  });
  expect(after).toBe(`workflow "prompt" in ${dir.join(`wf-${files}.ts`)} overrides the built-in one (aegis workflow show prompt)`);
  clearRegistry();
  const before = await stderrOf(async () => {
    await projectFile("fix-ci");
    await loadBuiltinWorkflows();
  });
  expect(getWorkflow("fix-ci")!.builtin).toBeUndefined();
  expect(before).toBe(`workflow "fix-ci" in ${dir.join(`wf-${files}.ts`)} overrides the built-in one (aegis workflow show fix-ci)`);
});

test("two project files naming one workflow are still an error, also when the name is a built-in one's (#13)", async () => {
  await loadBuiltinWorkflows();
  let a = "";
  await stderrOf(async () => void (a = (await projectFile("prompt")).file));
  const b = dir.join(`wf-${files + 1}.ts`);
  await expect(projectFile("prompt")).rejects.toThrow(`two workflows are named "prompt": one in ${a}, one in ${b}`);
});
