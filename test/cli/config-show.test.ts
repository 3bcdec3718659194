// `aegis config show [--json]` prints each CLI agent's environment mode (inheritEnv) and never a secret value (#9).
import { expect, test } from "bun:test";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..", "..");
const CONFIG = join(ROOT, "test", "fixtures", "configs", "good", "inherit-env.aegis.ts");

async function aegis(args: string[]) {
  const p = Bun.spawn([process.execPath, join(ROOT, "src", "main.ts"), ...args, "--config", CONFIG], {
    cwd: ROOT, stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" },
  });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout, stderr };
}

test("config show prints which environment mode each agent uses (#9)", async () => {
  const r = await aegis(["config", "show"]);
  expect(r.code).toBe(0);
  const line = (name: string) => r.stdout.split("\n").find((l) => l.startsWith(`  ${name}:`)) ?? "";
  expect(line("everything")).toContain("inheritEnv=all");
  expect(line("hardened")).toContain("inheritEnv=[PATH,HOME,GEMINI_*]");
  expect(line("flat")).toContain("inheritEnv=[]");
  expect(line("plainAll")).toContain("inheritEnv=all");
  expect(line("demo")).not.toContain("inheritEnv");
  expect(r.stdout).not.toContain("ghp_not-a-real-token");
});

test("config show --json gives the mode as \"all\" or the list; scripted agents have none (#9)", async () => {
  const r = await aegis(["config", "show", "--json"]);
  expect(r.code).toBe(0);
  const agents = JSON.parse(r.stdout).agents as Record<string, { inheritEnv?: unknown; env?: Record<string, string> }>;
  expect(agents.everything!.inheritEnv).toBe("all");
  expect(agents.hardened!.inheritEnv).toEqual(["PATH", "HOME", "GEMINI_*"]);
  expect(agents.flat!.inheritEnv).toEqual([]);
  expect(agents.plainAll!.inheritEnv).toBe("all");
  expect(agents.demo!.inheritEnv).toBeUndefined();
  expect(agents.everything!.env).toEqual({ GH_TOKEN: "<redacted>" });
  expect(r.stdout).not.toContain("ghp_not-a-real-token");
});

test("config show prints replay.maxTokens, the default 24000 when unset (#9)", async () => {
  const r = await aegis(["config", "show"]);
  expect(r.stdout.split("\n")).toContain("replay: maxTokens=24000");
  expect(JSON.parse((await aegis(["config", "show", "--json"])).stdout).replay).toEqual({ maxTokens: 24_000 });
});

test("config show says an ACP agent without a model uses the agent's default, not an empty model= (#10)", async () => {
  const { mkdtempSync, rmSync, writeFileSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const dir = mkdtempSync(join(tmpdir(), "aegis-config-show-acp-"));
  try {
    const file = join(dir, ".aegis.ts");
    writeFileSync(file, 'export default { agents: { qw: { harness: "acp", command: ["qwen", "--acp"], permission: "write" } } };\n');
    const p = Bun.spawn([process.execPath, join(ROOT, "src", "main.ts"), "config", "show", "--config", file], {
      cwd: dir, stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" },
    });
    const [stdout, code] = await Promise.all([new Response(p.stdout).text(), p.exited]);
    expect(code).toBe(0);
    const line = stdout.split("\n").find((l) => l.startsWith("  qw:")) ?? "";
    expect(line).toContain("model=(the agent's default) permission=write");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
