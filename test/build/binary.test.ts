// The compiled binary must load a user's .aegis.ts that imports from "aegis" with no node_modules anywhere.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileAegis } from "../../scripts/compile.ts";

const ROOT = join(import.meta.dir, "..", "..");
const dir = mkdtempSync(join(tmpdir(), "aegis-binary-"));
const bin = join(dir, "aegis");

beforeAll(async () => {
  await compileAegis(bin);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The quickstart's config and its workflows folder (config validation checks that workflow paths exist). */
function copyQuickstart(project: string): void {
  cpSync(join(ROOT, "examples", "quickstart", ".aegis.ts"), join(project, ".aegis.ts"));
  cpSync(join(ROOT, "examples", "quickstart", "workflows"), join(project, "workflows"), { recursive: true });
}

async function run(args: string[], cwd: string) {
  const p = Bun.spawn([bin, ...args], { cwd, stdout: "pipe", stderr: "pipe", env: { PATH: "/usr/bin:/bin", HOME: dir, NO_COLOR: "1" } });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout, stderr };
}

test("the binary validates a config importing from \"aegis\" in an empty folder", async () => {
  const project = join(dir, "project");
  copyQuickstart(project);
  writeFileSync(join(project, "extra.aegis.ts"), `import { defineConfig, ClaudeCode, Agent } from "aegis";
export default defineConfig({ agents: { impl: new Agent({ provider: new ClaudeCode({ model: "opus", effort: "max" }) }) } });
`);
  expect(existsSync(join(project, "node_modules"))).toBe(false);
  const ok = await run(["config", "validate"], project);
  expect(ok.stderr).toBe("");
  expect(ok.code).toBe(0);
  expect(ok.stdout).toContain("4 agents, 1 queue");
  const extra = await run(["config", "show", "--json", "--config", "extra.aegis.ts"], project);
  expect(extra.code).toBe(0);
  expect(JSON.parse(extra.stdout).agents.impl).toMatchObject({ harness: "claude-code", effort: "max", permission: "auto" });
});

test("the binary reports a bad config with exit 2 and the key path", async () => {
  const project = join(dir, "bad");
  cpSync(join(ROOT, "test", "fixtures", "configs", "bad", "effort-enum.aegis.ts"), join(project, ".aegis.ts"));
  const r = await run(["config", "validate"], project);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain("agents.reviewer.provider.effort");
});

test("the binary does not load .env from the folder it runs in", async () => {
  const project = join(dir, "dotenv");
  copyQuickstart(project);
  writeFileSync(join(project, ".env"), "AEGIS_CONFIG=/nonexistent/.aegis.ts\n");
  const r = await run(["config", "validate"], project);
  expect(r.code).toBe(0);
});
