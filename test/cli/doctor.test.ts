import { afterAll, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..", "..");
const base = mkdtempSync(join(tmpdir(), "aegis-doctor-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));

function script(path: string, body: string): string {
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

async function doctor(cwd: string, path: string) {
  const p = Bun.spawn([process.execPath, join(ROOT, "src", "main.ts"), "doctor", "--json"], {
    cwd, stdout: "pipe", stderr: "pipe", env: { ...process.env, PATH: path, HOME: base, NO_COLOR: "1" },
  });
  const [stdout, code] = await Promise.all([new Response(p.stdout).text(), p.exited]);
  return { code, report: JSON.parse(stdout) };
}

test("doctor checks each configured agent's own bin and fails when one is missing (#2)", async () => {
  const bin = join(base, "bin");
  mkdirSync(bin);
  script(join(bin, "claude"), "echo 2.1.197 '(Claude Code)'");
  const project = join(base, "proj");
  mkdirSync(project);
  writeFileSync(join(project, ".aegis.ts"), `import { defineConfig, ClaudeCode, GeminiCLI } from "aegis";
export default defineConfig({ agents: {
  impl: { provider: new ClaudeCode({ model: "opus" }) },
  review: { provider: new GeminiCLI({ model: "g", bin: "/nonexistent/gemini" }) },
} });
`);
  const { code, report } = await doctor(project, `${bin}:/usr/bin:/bin`);
  expect(code).toBe(1);
  const claude = report.clis.find((c: { bin: string }) => c.bin === "claude");
  expect(claude).toMatchObject({ ok: true, version: "2.1.197 (Claude Code)", agents: ["impl"] });
  const gemini = report.clis.find((c: { bin: string }) => c.bin === "/nonexistent/gemini");
  expect(gemini).toMatchObject({ ok: false, path: null, agents: ["review"], install: "npm i -g @google/gemini-cli" });
});

test("doctor without a config lists the CLIs on PATH with install commands and succeeds (#2)", async () => {
  const empty = join(base, "empty");
  mkdirSync(empty);
  const { code, report } = await doctor(empty, "/usr/bin:/bin");
  expect(code).toBe(0);
  // Every CLI of the provider table, in its order (#10).
  const { providerSpecs } = await import("../../src/drivers/providers.ts");
  expect(report.clis.map((c: { install: string }) => c.install)).toEqual(providerSpecs().flatMap((p) => (p.cli ? [p.cli.install] : [])));
  expect(report.clis.map((c: { install: string }) => c.install)).toContain("npm i -g @anthropic-ai/claude-code");
});

test("doctor --json reports no default permission for ACPAgent, whose config requires one (#10)", async () => {
  const { describeProviders } = await import("../../src/cli/doctor.ts");
  const providers = describeProviders();
  expect(providers.find((p) => p.name === "acp")?.defaultPermission).toBeNull();
  expect(providers.find((p) => p.name === "codex")?.defaultPermission).toBe("write");
  expect(providers.find((p) => p.name === "claude-code")?.defaultPermission).toBe("auto");
});

test("doctor --json does not claim a Scripted agent touches no file: its reply may write in its cwd (#11)", async () => {
  const { describeProviders } = await import("../../src/cli/doctor.ts");
  const scripted = describeProviders().find((p) => p.name === "scripted");
  for (const line of Object.values(scripted?.permissions ?? {})) {
    expect(line).toStartWith("not enforced");
    expect(line).not.toContain("touches no file");
  }
});
