// The Claude Code command line and environment for one session: binary lookup, permission level → permission mode,
// MCP servers → --mcp-config, resume, system prompt. Pure except for the PATH lookup; spawning is src/proc's job.

import { accessSync, constants } from "node:fs";
import type { ClaudeCode, InheritEnv, Permission } from "../../config/providers.ts";
import { AegisError } from "../../util/errors.ts";
import type { McpServerSpec, StartOptions } from "../driver.ts";
import { CLAUDE_CLI } from "./provider.ts";

export const INSTALL_HINT = `install Claude Code with \`${CLAUDE_CLI.install}\`, or set \`bin\` on the provider`;

/** read → plan, write → acceptEdits, full → bypassPermissions, auto → default with aegis answering each ask. */
export const PERMISSION_MODES: Record<Permission, string> = {
  read: "plan",
  write: "acceptEdits",
  full: "bypassPermissions",
  auto: "default",
};

/** The MCP server whose tools every agent may call, whatever its permission level. */
export const AEGIS_MCP_SERVER = "aegis";

export interface ClaudeCommand {
  cmd: string[];
  /** Explicit variables: the provider's env, then StartOptions.env. */
  env: Record<string, string>;
  /** Which of aegis's variables the CLI inherits under them (the provider's `inheritEnv`). */
  inheritEnv: InheritEnv;
}

/** Finds the CLI: `provider.bin` (a path, or a name on PATH), else `claude` on PATH. Throws E_AGENT_MISSING. */
export function resolveClaudeBin(provider: ClaudeCode, path: string | undefined = process.env.PATH): string {
  const wanted = provider.bin ?? CLAUDE_CLI.bin;
  if (wanted.includes("/")) {
    try {
      accessSync(wanted, constants.X_OK);
      return wanted;
    } catch {
      throw missing(`Claude Code CLI not found or not executable at ${wanted}`, wanted);
    }
  }
  const found = Bun.which(wanted, path === undefined ? {} : { PATH: path });
  if (!found) throw missing(`Claude Code CLI \`${wanted}\` was not found on PATH`, wanted);
  return found;
}

function missing(message: string, bin: string): AegisError {
  return new AegisError("E_AGENT_MISSING", message, { hint: INSTALL_HINT, data: { provider: "claude-code", bin } });
}

export function buildClaudeCommand(bin: string, provider: ClaudeCode, opts: StartOptions): ClaudeCommand {
  const cmd = [bin, "-p", "--input-format", "stream-json", "--output-format", "stream-json", "--verbose"];
  cmd.push("--model", provider.model);
  if (provider.effort) cmd.push("--effort", provider.effort);
  cmd.push("--permission-mode", PERMISSION_MODES[provider.permission]);
  // Only `auto` routes asks to aegis: an allow over stdio overrides plan mode, so read must never get a prompt tool.
  if (provider.permission === "auto") cmd.push("--permission-prompt-tool", "stdio");
  const servers = opts.mcpServers ?? [];
  cmd.push("--mcp-config", mcpConfigJson(servers), "--strict-mcp-config");
  // In plan/acceptEdits modes an MCP call is an ask, and headless asks are refused: pre-approve aegis's own tools.
  if (servers.some((s) => s.name === AEGIS_MCP_SERVER)) cmd.push("--allowedTools", `mcp__${AEGIS_MCP_SERVER}`);
  if (opts.systemPrompt) cmd.push("--append-system-prompt", opts.systemPrompt);
  if (opts.resumeId) cmd.push("--resume", opts.resumeId);
  return { cmd, env: { ...provider.env, ...opts.env }, inheritEnv: provider.inheritEnv ?? "all" };
}

/** `{"mcpServers": {...}}` in the shape `--mcp-config` takes. */
export function mcpConfigJson(servers: readonly McpServerSpec[]): string {
  const mcpServers: Record<string, unknown> = {};
  for (const s of servers) {
    mcpServers[s.name] = s.type === "http"
      ? { type: "http", url: s.url, ...(s.headers ? { headers: s.headers } : {}) }
      : { type: "stdio", command: s.command, args: s.args ?? [], ...(s.env ? { env: s.env } : {}) };
  }
  return JSON.stringify({ mcpServers });
}
