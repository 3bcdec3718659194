import { afterAll, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const ROOT = join(import.meta.dir, "..", "..");
const base = mkdtempSync(join(tmpdir(), "aegis-init-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));

async function aegis(args: string[], opts: { cwd: string; path?: string }) {
  const p = Bun.spawn([process.execPath, join(ROOT, "src", "main.ts"), ...args], {
    cwd: opts.cwd, stdout: "pipe", stderr: "pipe",
    env: { ...process.env, NO_COLOR: "1", HOME: base, PATH: opts.path ?? `${dirname(process.execPath)}:/usr/bin:/bin` },
  });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout, stderr };
}

function fakeBin(dir: string, name: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), "#!/bin/sh\necho 1.0.0\n");
  chmodSync(join(dir, name), 0o755);
}

test("init with no provider CLI writes a config that validates, using the Scripted demo agent", async () => {
  const dir = join(base, "plain");
  mkdirSync(dir);
  const r = await aegis(["init"], { cwd: dir });
  expect(r.code).toBe(0);
  const cfg = readFileSync(join(dir, ".aegis.ts"), "utf8");
  expect(cfg).toContain('defaultAgent: "demo"');
  expect(cfg).not.toContain("ClaudeCode");
  expect(readFileSync(join(dir, "workflows", "hello.ts"), "utf8")).toContain('workflow("hello"');
  const v = await aegis(["config", "validate", "--json"], { cwd: dir });
  expect(v.code).toBe(0);
  expect(JSON.parse(v.stdout)).toMatchObject({ ok: true, agents: ["demo"], queues: ["tasks"] });
});

test("init configures the provider CLIs found on PATH", async () => {
  const dir = join(base, "detect");
  const bin = join(base, "bin");
  fakeBin(bin, "claude");
  fakeBin(bin, "opencode");
  mkdirSync(dir);
  const path = `${bin}:${dirname(process.execPath)}:/usr/bin:/bin`;
  const r = await aegis(["init", "--json"], { cwd: dir, path });
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout).providers).toEqual(["claude-code", "opencode"]);
  const v = await aegis(["config", "show", "--json"], { cwd: dir, path });
  expect(v.code).toBe(0);
  const shown = JSON.parse(v.stdout);
  expect(shown.defaultAgent).toBe("claude");
  expect(Object.keys(shown.agents).sort()).toEqual(["claude", "demo", "opencode"]);
  expect(shown.agents.claude.harness).toBe("claude-code");
});

test("init refuses to overwrite without --force (exit 2) and overwrites with it", async () => {
  const dir = join(base, "again");
  mkdirSync(dir);
  writeFileSync(join(dir, ".aegis.ts"), "// mine\n");
  const r = await aegis(["init"], { cwd: dir });
  expect(r.code).toBe(2);
  expect(r.stderr).toContain("refusing to overwrite");
  expect(r.stderr).toContain("--force");
  expect(readFileSync(join(dir, ".aegis.ts"), "utf8")).toBe("// mine\n");
  const f = await aegis(["init", "--force"], { cwd: dir });
  expect(f.code).toBe(0);
  expect(readFileSync(join(dir, ".aegis.ts"), "utf8")).toContain("defineConfig");
});

test("(#9) init writes the public types and a tsconfig.json mapping \"aegis\" to them", async () => {
  const dir = join(base, "types");
  mkdirSync(dir);
  const r = await aegis(["init", "--json"], { cwd: dir });
  expect(r.code).toBe(0);
  const shown = JSON.parse(r.stdout);
  expect(shown.files).toContain(join(dir, ".aegis", "types", "aegis.d.ts"));
  expect(shown.tsconfig).toBe("wrote");
  expect(readFileSync(join(dir, ".aegis", "types", "aegis.d.ts"), "utf8")).toContain("export interface WorkflowEngine");
  expect(JSON.parse(readFileSync(join(dir, "tsconfig.json"), "utf8")).compilerOptions.paths.aegis).toEqual(["./.aegis/types/aegis.d.ts"]);
});

test("(#9) init --script sets a folder up for `bun aegis.ts`: the aegis-harness alias, a tsconfig, an example, what to run", async () => {
  const dir = join(base, "script");
  mkdirSync(dir);
  const r = await aegis(["init", "--script"], { cwd: dir });
  expect(r.code).toBe(0);
  expect(r.stdout).toContain("next: npm install (or bun install), then bun aegis.ts");
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  expect(pkg.dependencies).toEqual({ aegis: expect.stringMatching(/^npm:aegis-harness@\^\d+\.\d+\.\d+$/) });
  expect(JSON.parse(readFileSync(join(dir, "tsconfig.json"), "utf8")).compilerOptions.paths).toBeUndefined();
  const script = readFileSync(join(dir, "aegis.ts"), "utf8");
  expect(script).toContain('import { run, workflow, z } from "aegis";');
  expect(script).toContain('engine.spawn("demo")');
  // The example's agent is the config's Scripted demo agent.
  const v = await aegis(["config", "validate", "--json"], { cwd: dir });
  expect(JSON.parse(v.stdout)).toMatchObject({ ok: true, agents: ["demo"] });

  const again = await aegis(["init", "--script"], { cwd: dir });
  expect(again.code).toBe(2);
  expect(again.stderr).toContain(join(dir, "aegis.ts"));
});
