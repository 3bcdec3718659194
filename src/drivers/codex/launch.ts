// What a Codex session is started with: the command line (`codex app-server`), its environment, and the parameters of
// `thread/start` / `thread/resume` that carry everything per thread — model, sandbox and approval policy for the
// permission level, the MCP servers (aegis's plane with its bearer header), the primer as developer instructions,
// the reasoning effort. Nothing goes into the user's Codex config: Codex would write project trust into it when a
// writable thread starts in an untrusted git repo, so the thread is told the project's trust unless the user's own
// config already decides it. Pure except for the PATH lookup and reading that config; it never spawns.

import { readFileSync, realpathSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import type { Permission } from "../../config/provider-options.ts";
import { inheritedEnv } from "../../proc/env.ts";
import { resolveBin } from "../acp/launch.ts";
import type { McpServerSpec, StartOptions } from "../driver.ts";
import { type Codex, CODEX_INSTALL } from "./provider.ts";
import type { ApprovalPolicy, SandboxMode } from "./wire.ts";

/** The MCP server whose tools every agent may call, whatever its permission level. */
export const AEGIS_MCP_SERVER = "aegis";

/** Codex's own enforcement of each permission level: its sandbox, and whether it asks before acting. */
export const PERMISSION_POLICY: Record<Permission, { sandbox: SandboxMode; approvalPolicy: ApprovalPolicy }> = {
  read: { sandbox: "read-only", approvalPolicy: "never" },
  write: { sandbox: "workspace-write", approvalPolicy: "never" },
  full: { sandbox: "danger-full-access", approvalPolicy: "never" },
  auto: { sandbox: "workspace-write", approvalPolicy: "untrusted" },
};

export interface CodexLaunch {
  cmd: string[];
  /** Explicit variables: the provider's env, then StartOptions.env. */
  env: Record<string, string>;
  inheritEnv: Codex["inheritEnv"];
}

export function codexLaunch(provider: Codex, opts: StartOptions): CodexLaunch {
  const env = { ...provider.env, ...opts.env };
  const path = env.PATH ?? inheritedEnv(provider.inheritEnv).PATH;
  const bin = resolveBin({ bin: provider.bin, defaultName: "codex", label: "Codex CLI", install: CODEX_INSTALL, cwd: opts.cwd, path });
  return { cmd: [bin, "app-server"], env, inheritEnv: provider.inheritEnv };
}

/**
 * The parameters of `thread/start` (and, without the primer, `thread/resume`): everything aegis decides per thread.
 * `codexHome` is where the user's config lives, read only to see whether it already decides the project's trust.
 */
export function threadParams(provider: Codex, opts: StartOptions, codexHome: string, o: { resume: boolean }): Record<string, unknown> {
  const { sandbox, approvalPolicy } = PERMISSION_POLICY[provider.permission];
  const config: Record<string, unknown> = { mcp_servers: mcpServersConfig(opts.mcpServers ?? [], provider.permission) };
  if (provider.effort) config.model_reasoning_effort = provider.effort;
  if (sandbox !== "read-only" && !trustDecided(codexHome, opts.cwd)) {
    // Under the path as given and as resolved through symlinks (macOS's /tmp is /private/tmp), whichever Codex uses.
    const trusted = { trust_level: "trusted" };
    config.projects = { [resolve(opts.cwd)]: trusted, [realPath(opts.cwd)]: trusted };
  }
  const params: Record<string, unknown> = { cwd: opts.cwd, model: provider.model, approvalPolicy, sandbox, config };
  if (o.resume) {
    // A resumed thread holds its developer instructions already. (thread/resume takes no experimentalRawEvents.)
    params.excludeTurns = true;
  } else {
    // Raw Responses items stand in for the tool items Codex sometimes leaves out (event-mapper.ts).
    params.experimentalRawEvents = true;
    if (opts.systemPrompt?.trim()) params.developerInstructions = opts.systemPrompt;
  }
  return params;
}

/**
 * `mcp_servers` for the thread's config. aegis's own tools are pre-approved at every level; other servers' tools at
 * `full` only. Elsewhere Codex asks (auto: aegis answers by policy) or, with approval policy `never`, refuses them.
 */
export function mcpServersConfig(specs: readonly McpServerSpec[], permission: Permission): Record<string, unknown> {
  const servers: Record<string, unknown> = {};
  for (const s of specs) {
    const approve = s.name === AEGIS_MCP_SERVER || permission === "full";
    const mode = { default_tools_approval_mode: approve ? "approve" : "prompt" };
    servers[s.name] = s.type === "http"
      ? { url: s.url, ...(s.headers ? { http_headers: s.headers } : {}), ...mode }
      : { command: s.command, args: s.args ?? [], ...(s.env ? { env: s.env } : {}), ...mode };
  }
  return servers;
}

/** Where Codex keeps the user's config and auth: CODEX_HOME from the session's environment, else ~/.codex. */
export function codexHomeOf(launch: CodexLaunch): string {
  const fromEnv = launch.env.CODEX_HOME ?? inheritedEnv(launch.inheritEnv).CODEX_HOME;
  if (fromEnv) return fromEnv;
  const home = launch.env.HOME ?? inheritedEnv(launch.inheritEnv).HOME ?? homedir();
  return join(home, ".codex");
}

function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path); // not there (yet): Codex will fail on the cwd itself and say so
  }
}

/** Whether the user's config.toml has a trust entry for `cwd` or a folder above it (Codex then writes nothing). */
export function trustDecided(codexHome: string, cwd: string): boolean {
  let text: string;
  try {
    text = readFileSync(join(codexHome, "config.toml"), "utf8");
  } catch {
    return false; // no config yet: nothing decides the trust, and Codex would create the file to record it
  }
  let projects: unknown;
  try {
    projects = (Bun.TOML.parse(text) as { projects?: unknown }).projects;
  } catch {
    // Codex itself refuses a config it cannot parse; telling the thread the trust writes nothing either way.
    return false;
  }
  if (typeof projects !== "object" || projects === null) return false;
  const entries = projects as Record<string, { trust_level?: unknown } | undefined>;
  for (const start of new Set([resolve(cwd), realPath(cwd)])) {
    for (let dir = start; ; dir = dirname(dir)) {
      if (typeof entries[dir]?.trust_level === "string") return true;
      if (dirname(dir) === dir) break;
    }
  }
  return false;
}
