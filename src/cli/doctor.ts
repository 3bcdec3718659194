// `aegis doctor`: which provider CLIs are installed, their versions, and the install command for each missing one;
// with a config, also whether every configured agent's CLI (its `bin`, or the default on PATH) actually runs.
// Every CLI, its install command, probe and credential variables come from the provider table
// (src/drivers/providers.ts). Then the state database (cli/doctor-store.ts). Exit 1 when a configured agent's CLI is
// missing or broken, or the state database is unusable.

import { isAbsolute, resolve } from "node:path";
import { defineCommand } from "citty";
import { resolveConfigFile } from "../config/load.ts";
import type { ProbeResult, ProbeRunner, ProviderSpec } from "../drivers/provider-spec.ts";
import { findProvider, providerSpecs, type Provider } from "../drivers/providers.ts";
import { spawnProcess } from "../proc/spawn.ts";
import { out } from "../ui/log.ts";
import { formatError } from "../util/errors.ts";
import type { LoadedConfig } from "../config/validate.ts";
import { configArgs, jsonArg, loadConfigFromArgs, workDir } from "./context.ts";
import { checkState, describeStateCheck } from "./doctor-store.ts";

const VERSION_TIMEOUT_MS = 10_000;

export interface CliStatus {
  /** The provider's name in the table. */
  harness: string;
  bin: string;
  path: string | null;
  version: string | null;
  /** The command that installs it; absent for an agent started by the user's own command. */
  install?: string;
  ok: boolean;
  error?: string;
  /** Configured agents that use this CLI. */
  agents?: string[];
  /** Credential variables the CLI reads that are set here (names only), and what else works instead. */
  credentials?: { set: string[]; note: string };
}

/** Runs a probe command with a timeout: exit code, first output line, stderr tail. */
const runProbe: ProbeRunner = async (cmd) => {
  const child = spawnProcess({ cmd, cwd: process.cwd(), timeoutMs: VERSION_TIMEOUT_MS });
  child.endStdin();
  let firstLine: string | null = null;
  for await (const line of child.lines()) if (firstLine === null && line.trim()) firstLine = line.trim();
  const { code } = await child.exited;
  return { code, firstLine, stderrTail: child.stderrTail(), timedOut: child.timedOut };
};

/** The default probe: `<path> --version` answers and exits 0. */
export async function versionProbe(path: string, run: ProbeRunner): Promise<ProbeResult> {
  const r = await run([path, "--version"]);
  if (r.timedOut) return { version: r.firstLine, error: `\`${path} --version\` did not answer within ${VERSION_TIMEOUT_MS / 1000}s` };
  if (r.code !== 0) return { version: r.firstLine, error: `\`--version\` exited ${r.code}: ${r.stderrTail.trim().split("\n").pop() ?? ""}` };
  return { version: r.firstLine };
}

async function check(spec: ProviderSpec<Provider>, bin: string, agents?: string[]): Promise<CliStatus> {
  const path = bin.includes("/") ? (Bun.which(isAbsolute(bin) ? bin : resolve(bin)) ?? null) : Bun.which(bin);
  const set = spec.env ? spec.env.vars.filter((v) => process.env[v]) : undefined;
  const base = {
    harness: spec.name, bin, ...(spec.cli ? { install: spec.cli.install } : {}), ...(agents ? { agents } : {}),
    ...(spec.env && set ? { credentials: { set, note: spec.env.note } } : {}),
  };
  if (!path) return { ...base, path: null, version: null, ok: false };
  const v = await (spec.probe ?? versionProbe)(path, runProbe);
  return { ...base, path, ...v, ok: !v.error };
}

/** The executable a configured provider runs: the entry's own rule, else its `bin`, else the table's default. */
export function executableOf(provider: Provider): string | undefined {
  const spec = findProvider(provider.name);
  if (!spec) return undefined;
  if (spec.executable) return spec.executable(provider);
  return (provider as { bin?: string }).bin ?? spec.cli?.bin;
}

/** Every CLI of the provider table on PATH, plus every other executable the configured agents name. */
export async function checkClis(agentBins: { agent: string; harness: string; bin: string }[] = []): Promise<CliStatus[]> {
  const wanted = new Map<string, { spec: ProviderSpec<Provider>; bin: string; agents: string[] }>();
  for (const spec of providerSpecs()) {
    if (spec.cli) wanted.set(`${spec.name}|${spec.cli.bin}`, { spec, bin: spec.cli.bin, agents: [] });
  }
  for (const a of agentBins) {
    const spec = findProvider(a.harness);
    if (!spec) continue;
    const key = `${spec.name}|${a.bin}`;
    const entry = wanted.get(key) ?? { spec, bin: a.bin, agents: [] };
    entry.agents.push(a.agent);
    wanted.set(key, entry);
  }
  return Promise.all([...wanted.values()].map((w) => check(w.spec, w.bin, w.agents.length ? w.agents : undefined)));
}

/**
 * The provider table as doctor reports it: what each provider is and how it enforces each permission level.
 * `defaultPermission` is null for a provider whose options require `permission` (ACPAgent): there is no default.
 */
export function describeProviders() {
  return providerSpecs().map((p) => ({
    name: p.name, label: p.label, class: p.className, ...(p.aliases?.length ? { aliases: p.aliases } : {}),
    defaultPermission: permissionIsOptional(p.options) ? p.defaultPermission : null, permissions: p.permissions,
    ...(p.cli ? { bin: p.cli.bin, install: p.cli.install } : {}),
  }));
}

export default defineCommand({
  meta: { name: "doctor", description: "Check the provider CLIs (and each configured agent's CLI), how to install missing ones, and the state database" },
  args: { ...configArgs, ...jsonArg },
  async run({ args }) {
    const agentBins: { agent: string; harness: string; bin: string }[] = [];
    let configNote: string | undefined;
    let hasConfig = true;
    let loaded: LoadedConfig | undefined;
    try {
      resolveConfigFile({ file: args.config, cwd: workDir(args) });
    } catch {
      hasConfig = false; // no config anywhere: only the CLIs on PATH are checked
    }
    if (hasConfig) {
      try {
        const config = (loaded = await loadConfigFromArgs(args));
        for (const [name, agent] of Object.entries(config.agents)) {
          const bin = executableOf(agent.provider);
          // A provider with a label of its own (an ACPAgent's `name`) is shown with it: "qwen (Qwen Code)".
          const label = (agent.provider as { label?: unknown }).label;
          if (bin) agentBins.push({ agent: typeof label === "string" && label ? `${name} (${label})` : name, harness: agent.provider.name, bin });
        }
      } catch (err) {
        configNote = `the config could not be loaded, so configured agents were not checked: ${formatError(err)}`;
      }
    }
    const clis = await checkClis(agentBins);
    const failing = clis.filter((c) => c.agents && !c.ok);
    const state = await checkState(loaded); // the state database (#15); undefined outside a project
    const code = failing.length || state?.ok === false ? 1 : 0;
    const runtime = { aegis: (await import("../version.ts")).VERSION, bun: Bun.version, platform: `${process.platform}-${process.arch}` };
    if (args.json) {
      out(JSON.stringify({ ...runtime, clis, providers: describeProviders(), ...(state ? { store: state } : {}), ...(configNote ? { configError: configNote } : {}) }, null, 2));
      return code;
    }
    out(`aegis ${runtime.aegis} (bun ${runtime.bun}, ${runtime.platform})`);
    for (const c of clis) {
      const used = c.agents ? ` — used by ${c.agents.join(", ")}` : "";
      if (!c.path) out(`  ✗ ${c.harness}: \`${c.bin}\` not found${c.bin.includes("/") ? "" : " on PATH"}${used}${c.install ? ` — install: ${c.install}` : ""}`);
      else if (c.error) out(`  ! ${c.harness}: ${c.path}${c.version ? ` ${c.version}` : ""}${used} (${c.error})`);
      else out(`  ✓ ${c.harness}: ${c.path}${c.version ? ` ${c.version}` : ""}${used}`);
      if (c.path && c.credentials && c.credentials.set.length === 0) {
        const vars = findProvider(c.harness)?.env?.vars ?? [];
        out(`    none of ${vars.join(", ")} is set; ${c.credentials.note}`);
      }
    }
    if (configNote) out(`  ! ${configNote}`);
    for (const line of state ? describeStateCheck(state) : []) out(line);
    const usable = clis.filter((c) => c.ok).length;
    if (failing.length) out(`${failing.length} configured CLI${failing.length === 1 ? " is" : "s are"} missing or broken (see above)`);
    else if (usable === 0) out("no provider CLI installed: the built-in Scripted agent still works (aegis init configures one)");
    else out(`${usable} of ${clis.length} provider CLIs usable`);
    if (state?.ok === false) out("the state database is not usable (see above)");
    return code;
  },
});

/** Whether a provider's options schema lets the user leave `permission` out (so its table default applies). */
function permissionIsOptional(options: { shape: Record<string, unknown> }): boolean {
  const permission = options.shape.permission as { isOptional(): boolean } | undefined;
  return permission?.isOptional() ?? true;
}
