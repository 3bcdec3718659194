import { expect, test } from "bun:test";
import { join } from "node:path";
import { hoistGlobalFlags } from "../../src/cli/parse.ts";
import { subCommands } from "../../src/cli/root.ts";
import { VERSION } from "../../src/version.ts";

const ROOT = join(import.meta.dir, "..", "..");
const QUICKSTART = join(ROOT, "examples", "quickstart");

async function aegis(args: string[], cwd = ROOT, env: Record<string, string> = {}) {
  const p = Bun.spawn([process.execPath, join(ROOT, "src", "main.ts"), ...args], {
    cwd, stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1", ...env },
  });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout, stderr };
}

test("--version prints the package version", async () => {
  const r = await aegis(["--version"]);
  expect(r.code).toBe(0);
  expect(r.stdout.trim()).toBe(VERSION);
});

test("--help documents every command", async () => {
  const r = await aegis(["--help"]);
  expect(r.code).toBe(0);
  for (const name of Object.keys(subCommands)) expect(r.stdout).toContain(name);
  expect(r.stdout).not.toContain("\x1b["); // plain when not a TTY
});

test("each command has its own --help", async () => {
  const r = await aegis(["config", "validate", "--help"]);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain("--config");
});

test("an unknown command exits 2 with a pointer to --help", async () => {
  const r = await aegis(["frobnicate"]);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain("frobnicate");
  expect(r.stderr).toContain("aegis --help");
});

test("an unknown subcommand names its parent command and points at its --help (#11)", async () => {
  const r = await aegis(["worktrees", "prnue"]);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('unknown subcommand of `aegis worktrees` "prnue"');
  expect(r.stderr).toContain('did you mean "prune"');
  expect(r.stderr).toContain("aegis worktrees --help");
});

test("global flags may come before the command", async () => {
  expect(hoistGlobalFlags(["--cwd", "x", "config", "validate"])).toEqual(["config", "validate", "--cwd", "x"]);
  expect(hoistGlobalFlags(["--config=a.ts", "run", "wf", "--k=v"])).toEqual(["run", "wf", "--config=a.ts", "--k=v"]);
  const r = await aegis(["--cwd", QUICKSTART, "config", "validate"]);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain(join(QUICKSTART, ".aegis.ts"));
});

test("config schema prints a JSON Schema naming the top-level keys", async () => {
  const r = await aegis(["config", "schema"]);
  expect(r.code).toBe(0);
  const schema = JSON.parse(r.stdout);
  expect(Object.keys(schema.properties).sort()).toEqual(["agents", "defaultAgent", "dynamicWorkflows", "queues", "replay", "schedules", "serve", "stateDir", "store", "webhooks", "workflows"]);
  expect(schema.additionalProperties).toBe(false);
});

test("config show redacts secret-looking environment values", async () => {
  const r = await aegis(["config", "show", "--json", "--config", join(ROOT, "test", "fixtures", "configs", "good", "secrets.aegis.ts")]);
  expect(r.code).toBe(0);
  const shown = JSON.parse(r.stdout);
  expect(shown.agents.impl.env).toEqual({ ANTHROPIC_API_KEY: "<redacted>", CLAUDE_CODE_MAX_RETRIES: "1" });
  expect(r.stdout).not.toContain("sk-secret");
});

test("secrets are recognised by name and by value (#2)", async () => {
  const { looksSecret } = await import("../../src/cli/config.ts");
  expect(looksSecret("GH_PAT", "x")).toBe(true);
  expect(looksSecret("MY_VAR", "ghp_abcdefghijklmnopqrstuvwxyz0123456789")).toBe(true);
  expect(looksSecret("ENDPOINT", "a3f9c2e1b7d84f6a9c0e2b4d6f8a1c3e5b7d9f0a")).toBe(true);
  expect(looksSecret("CLAUDE_CODE_MAX_RETRIES", "1")).toBe(false);
  expect(looksSecret("GOOGLE_GEMINI_BASE_URL", "http://127.0.0.1:8080")).toBe(false);
});
