// Claude Code's entry in the provider table, and the public ClaudeCode class. The driver (claude-driver.ts) is
// imported only when a session starts.

import { z } from "zod";
import { CliProvider, EffortSchema, keepUnknownOptions, ProviderOptionsSchema, type Effort } from "../../config/provider-options.ts";
import { defineProvider } from "../provider-spec.ts";

/** The CLI and how to install it (also in the driver's "not found" hint). */
export const CLAUDE_CLI = { bin: "claude", install: "npm i -g @anthropic-ai/claude-code" } as const;

export const ClaudeCodeOptionsSchema = z.strictObject({
  ...ProviderOptionsSchema.shape,
  effort: EffortSchema.optional().describe("How hard it thinks: low, medium, high (default) or max."),
});
/** The options of `new ClaudeCode({...})`. */
export type ClaudeCodeOptions = z.input<typeof ClaudeCodeOptionsSchema>;

/** Anthropic's Claude Code CLI, driven over stream-json. The only provider with `effort`. */
export class ClaudeCode extends CliProvider {
  readonly name = "claude-code" as const;
  readonly effort: Effort;
  constructor(o: ClaudeCodeOptions) {
    super(o, claudeCodeProvider.defaultPermission);
    this.effort = o?.effort ?? "high";
    keepUnknownOptions(this, o, Object.keys(ClaudeCodeOptionsSchema.shape));
  }
}

export const claudeCodeProvider = defineProvider({
  name: "claude-code",
  aliases: ["claude"],
  label: "Claude Code",
  cls: ClaudeCode,
  className: "ClaudeCode",
  options: ClaudeCodeOptionsSchema,
  flat: true,
  defaultPermission: "auto",
  permissions: {
    read: "--permission-mode plan; no tool is ever approved (aegis's own MCP tools excepted)",
    write: "--permission-mode acceptEdits; shell commands are refused",
    full: "--permission-mode bypassPermissions",
    auto: "--permission-mode default; each ask goes to aegis (a human on a TTY, refused without one)",
  },
  cli: CLAUDE_CLI,
  env: { vars: ["ANTHROPIC_API_KEY", "CLAUDE_CODE_OAUTH_TOKEN"], note: "or a login made with `claude` itself" },
  driver: async () => (await import("./claude-driver.ts")).claudeDriver,
  init: {
    agent: "claude",
    comment: "Claude Code. permission: read | write | full | auto; effort: low | medium | high | max.",
    provider: `new ClaudeCode({ model: "sonnet", effort: "high", permission: "write" })`,
  },
});
