// `aegis doctor`: which provider CLIs are installed, their versions, and the install command for each missing one.

import { defineCommand } from "citty";
import { spawnProcess } from "../proc/spawn.ts";
import { out } from "../ui/log.ts";
import { jsonArg } from "./context.ts";

export const PROVIDER_CLIS = [
  { harness: "claude-code", bin: "claude", install: "npm i -g @anthropic-ai/claude-code" },
  { harness: "gemini", bin: "gemini", install: "npm i -g @google/gemini-cli" },
  { harness: "opencode", bin: "opencode", install: "npm i -g opencode-ai" },
] as const;

export interface CliStatus { harness: string; bin: string; path: string | null; version: string | null; install: string; error?: string }

async function versionOf(path: string): Promise<{ version: string | null; error?: string }> {
  const child = spawnProcess({ cmd: [path, "--version"], cwd: process.cwd(), timeoutMs: 15_000 });
  child.endStdin();
  let first: string | null = null;
  for await (const line of child.lines()) if (first === null && line.trim()) first = line.trim();
  const { code } = await child.exited;
  if (code !== 0) return { version: first, error: `exited ${code}: ${child.stderrTail().trim().split("\n").pop() ?? ""}` };
  return { version: first };
}

export async function checkClis(): Promise<CliStatus[]> {
  return Promise.all(PROVIDER_CLIS.map(async (c) => {
    const path = Bun.which(c.bin);
    if (!path) return { harness: c.harness, bin: c.bin, path: null, version: null, install: c.install };
    return { harness: c.harness, bin: c.bin, path, install: c.install, ...(await versionOf(path)) };
  }));
}

export default defineCommand({
  meta: { name: "doctor", description: "Check which provider CLIs are installed and how to install the missing ones" },
  args: { ...jsonArg },
  async run({ args }) {
    const clis = await checkClis();
    const runtime = { aegis: (await import("../version.ts")).VERSION, bun: Bun.version, platform: `${process.platform}-${process.arch}` };
    if (args.json) return void out(JSON.stringify({ ...runtime, clis }, null, 2));
    out(`aegis ${runtime.aegis} (bun ${runtime.bun}, ${runtime.platform})`);
    for (const c of clis) {
      if (!c.path) out(`  ✗ ${c.harness}: \`${c.bin}\` not found on PATH — install: ${c.install}`);
      else if (c.error) out(`  ! ${c.harness}: ${c.path} ${c.version ?? ""} (${c.error})`);
      else out(`  ✓ ${c.harness}: ${c.path} ${c.version ?? ""}`);
    }
    const missing = clis.filter((c) => !c.path).length;
    out(missing === clis.length
      ? "no provider CLI installed: the built-in Scripted agent still works (aegis init configures one)"
      : `${clis.length - missing} of ${clis.length} provider CLIs available`);
  },
});
