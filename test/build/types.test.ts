// Editor types with only the binary (#9): `aegis init` run by the compiled executable, in a folder with no
// node_modules anywhere above it, leaves a project that tsc checks: it passes, and a misspelled engine verb fails.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileAegis } from "../../scripts/compile.ts";
import { VERSION } from "../../src/version.ts";

const ROOT = join(import.meta.dir, "..", "..");
const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");
const dir = mkdtempSync(join(tmpdir(), "aegis-types-"));
const bin = join(dir, "aegis");

beforeAll(async () => {
  await compileAegis(bin);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function exec(cmd: string[], cwd: string) {
  const p = Bun.spawn(cmd, { cwd, stdout: "pipe", stderr: "pipe", env: { PATH: "/usr/bin:/bin", HOME: dir, NO_COLOR: "1" } });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout, stderr };
}

const tsc = (cwd: string) => exec([process.execPath, TSC, "--noEmit", "-p", "."], cwd);

async function initProject(name: string): Promise<string> {
  const project = join(dir, name);
  mkdirSync(project);
  const r = await exec([bin, "init"], project);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return project;
}

test("(#9) a folder made by the binary's aegis init type-checks with no node_modules; a misspelled engine verb does not", async () => {
  const project = await initProject("editor");
  const types = readFileSync(join(project, ".aegis", "types", "aegis.d.ts"), "utf8");
  expect(types).toContain(`// aegis-types: version ${VERSION},`);
  expect(types).not.toMatch(/from\s+["'](zod|bun|bun-types|@modelcontextprotocol\/sdk)["']/);
  expect(JSON.parse(readFileSync(join(project, "tsconfig.json"), "utf8")).compilerOptions.paths).toEqual({ aegis: ["./.aegis/types/aegis.d.ts"] });
  expect(existsSync(join(project, "node_modules"))).toBe(false);

  const ok = await tsc(project);
  expect(ok.stdout + ok.stderr).toBe("");
  expect(ok.code).toBe(0);

  writeFileSync(join(project, "workflows", "typo.ts"), `import { workflow } from "aegis";
export default workflow("typo", async (engine) => {
  const agent = await engine.spawn("demo");
  return engine.sendd(agent, "hello");
});
`);
  const bad = await tsc(project);
  expect(bad.code).not.toBe(0);
  expect(bad.stdout).toContain("workflows/typo.ts");
  expect(bad.stdout).toContain("Property 'sendd' does not exist on type 'WorkflowEngine'");
  // The binary itself still runs the project: the types are for the editor only.
  rmSync(join(project, "workflows", "typo.ts"));
  const run = await exec([bin, "run", "hello", "--who=Ada"], project);
  expect(run.code).toBe(0);
  expect(run.stdout).toContain("Say hello to Ada.");
}, 60_000);

test("(#9) the quickstart example's config and workflows type-check against the binary's types alone", async () => {
  const project = await initProject("quickstart");
  cpSync(join(ROOT, "examples", "quickstart", ".aegis.ts"), join(project, ".aegis.ts"));
  cpSync(join(ROOT, "examples", "quickstart", "workflows"), join(project, "workflows"), { recursive: true });
  const r = await tsc(project);
  expect(r.stdout + r.stderr).toBe("");
  expect(r.code).toBe(0);
}, 60_000);

test("(#9) the binary rewrites a project's types recorded for another version, and writes them back when missing", async () => {
  const project = await initProject("refresh");
  const file = join(project, ".aegis", "types", "aegis.d.ts");
  const fresh = readFileSync(file, "utf8");
  writeFileSync(file, fresh.replace(/^\/\/ aegis-types: version [^,]+,/m, "// aegis-types: version 0.0.1,"));
  const r = await exec([bin, "config", "validate"], project);
  expect(r.code).toBe(0);
  expect(r.stderr).toContain("updated .aegis/types/aegis.d.ts");
  expect(readFileSync(file, "utf8")).toBe(fresh);

  // A fresh clone: .aegis/ is not committed, tsconfig.json still maps "aegis" to the types.
  rmSync(join(project, ".aegis"), { recursive: true });
  const again = await exec([bin, "config", "validate"], project);
  expect(again.code).toBe(0);
  expect(readFileSync(file, "utf8")).toBe(fresh);

  // Up to date: nothing is written or said.
  const quiet = await exec([bin, "config", "validate"], project);
  expect(quiet.stderr).toBe("");
}, 60_000);

test("a project that never ran aegis init gets no types written", async () => {
  const project = join(dir, "plain");
  mkdirSync(project);
  writeFileSync(join(project, ".aegis.ts"), `import { defineConfig, Scripted } from "aegis";
export default defineConfig({ agents: { demo: { provider: new Scripted({ reply: (p) => p }) } } });
`);
  const r = await exec([bin, "config", "validate"], project);
  expect(r.code).toBe(0);
  expect(existsSync(join(project, ".aegis", "types"))).toBe(false);
});
