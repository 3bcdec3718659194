// `aegis doctor`: which provider CLIs are installed, their versions, and the install command for each missing one;
// with a config, also whether every configured agent's CLI (its `bin`, or the default on PATH) actually runs.
// Exit 1 when a configured agent's CLI is missing or broken.

import { isAbsolute, resolve } from "node:path";
import { defineCommand } from "citty";
import { resolveConfigFile } from "../config/load.ts";
import { spawnProcess } from "../proc/spawn.ts";
import { out } from "../ui/log.ts";
import { formatError } from "../util/errors.ts";
import { configArgs, jsonArg, loadConfigFromArgs, workDir } from "./context.ts";

export const PROVIDER_CLIS = {
  "claude-code": { bin: "claude", install: "npm i -g @anthropic-ai/claude-code" },
  gemini: { bin: "gemini", install: "npm i -g @google/gemini-cli" },
  opencode: { bin: "opencode", install: "npm i -g opencode-ai" },
} as const;
type Harness = keyof typeof PROVIDER_CLIS;

const VERSION_TIMEOUT_MS = 10_000;

export interface CliStatus {
  harness: string;
  bin: string;
  path: string | null;
  version: string | null;
  install: string;
  ok: boolean;
  error?: string;
  /** Configured agents that use this CLI. */
  agents?: string[];
}

async function versionOf(path: string): Promise<{ version: string | null; error?: string }> {
  const child = spawnProcess({ cmd: [path, "--version"], cwd: process.cwd(), timeoutMs: VERSION_TIMEOUT_MS });
  child.endStdin();
  let first: string | null = null;
  for await (const line of child.lines()) if (first === null && line.trim()) first = line.trim();
  const { code } = await child.exited;
  if (child.timedOut) return { version: first, error: `\`${path} --version\` did not answer within ${VERSION_TIMEOUT_MS / 1000}s` };
  if (code !== 0) return { version: first, error: `\`--version\` exited ${code}: ${child.stderrTail().trim().split("\n").pop() ?? ""}` };
  return { version: first };
}

async function check(harness: Harness, bin: string, agents?: string[]): Promise<CliStatus> {
  const { install } = PROVIDER_CLIS[harness];
  const path = bin.includes("/") ? (Bun.which(isAbsolute(bin) ? bin : resolve(bin)) ?? null) : Bun.which(bin);
  const base = { harness, bin, install, ...(agents ? { agents } : {}) };
  if (!path) return { ...base, path: null, version: null, ok: false };
  const v = await versionOf(path);
  return { ...base, path, ...v, ok: !v.error };
}

/** The three CLIs on PATH, plus every other `bin` the configured agents name. */
export async function checkClis(agentBins: { agent: string; harness: Harness; bin: string }[] = []): Promise<CliStatus[]> {
  const wanted = new Map<string, { harness: Harness; bin: string; agents: string[] }>();
  for (const [harness, c] of Object.entries(PROVIDER_CLIS) as [Harness, (typeof PROVIDER_CLIS)[Harness]][]) {
    wanted.set(`${harness}|${c.bin}`, { harness, bin: c.bin, agents: [] });
  }
  for (const a of agentBins) {
    const key = `${a.harness}|${a.bin}`;
    const entry = wanted.get(key) ?? { harness: a.harness, bin: a.bin, agents: [] };
    entry.agents.push(a.agent);
    wanted.set(key, entry);
  }
  return Promise.all([...wanted.values()].map((w) => check(w.harness, w.bin, w.agents.length ? w.agents : undefined)));
}

export default defineCommand({
  meta: { name: "doctor", description: "Check the provider CLIs (and each configured agent's CLI) and how to install missing ones" },
  args: { ...configArgs, ...jsonArg },
  async run({ args }) {
    const agentBins: { agent: string; harness: Harness; bin: string }[] = [];
    let configNote: string | undefined;
    let hasConfig = true;
    try {
      resolveConfigFile({ file: args.config, cwd: workDir(args) });
    } catch {
      hasConfig = false; // no config anywhere: only the CLIs on PATH are checked
    }
    if (hasConfig) {
      try {
        const config = await loadConfigFromArgs(args);
        for (const [name, agent] of Object.entries(config.agents)) {
          if (agent.provider.name === "scripted") continue;
          const harness = agent.provider.name as Harness;
          agentBins.push({ agent: name, harness, bin: (agent.provider as { bin?: string }).bin ?? PROVIDER_CLIS[harness].bin });
        }
      } catch (err) {
        configNote = `the config could not be loaded, so configured agents were not checked: ${formatError(err)}`;
      }
    }
    const clis = await checkClis(agentBins);
    const failing = clis.filter((c) => c.agents && !c.ok);
    const runtime = { aegis: (await import("../version.ts")).VERSION, bun: Bun.version, platform: `${process.platform}-${process.arch}` };
    if (args.json) {
      out(JSON.stringify({ ...runtime, clis, ...(configNote ? { configError: configNote } : {}) }, null, 2));
      return failing.length ? 1 : 0;
    }
    out(`aegis ${runtime.aegis} (bun ${runtime.bun}, ${runtime.platform})`);
    for (const c of clis) {
      const used = c.agents ? ` — used by ${c.agents.join(", ")}` : "";
      if (!c.path) out(`  ✗ ${c.harness}: \`${c.bin}\` not found${c.bin.includes("/") ? "" : " on PATH"}${used} — install: ${c.install}`);
      else if (c.error) out(`  ! ${c.harness}: ${c.path}${c.version ? ` ${c.version}` : ""}${used} (${c.error})`);
      else out(`  ✓ ${c.harness}: ${c.path}${c.version ? ` ${c.version}` : ""}${used}`);
    }
    if (configNote) out(`  ! ${configNote}`);
    const usable = clis.filter((c) => c.ok).length;
    if (failing.length) out(`${failing.length} configured CLI${failing.length === 1 ? " is" : "s are"} missing or broken (see above)`);
    else if (usable === 0) out("no provider CLI installed: the built-in Scripted agent still works (aegis init configures one)");
    else out(`${usable} of ${clis.length} provider CLIs usable`);
    return failing.length ? 1 : 0;
  },
});
