// Codex CLI's entry in the provider table, and the public Codex class: `new Codex({ model, permission, effort? })` or
// the flat shape `{ harness: "codex", … }`. It is driven over `codex app-server` by codex-driver.ts, imported only
// when a session starts.

import { z } from "zod";
import { CliProvider, keepUnknownOptions, ProviderOptionsSchema } from "../../config/provider-options.ts";
import { defineProvider } from "../provider-spec.ts";

export const CodexEffortSchema = z.enum(["none", "minimal", "low", "medium", "high", "xhigh", "max", "ultra"]);
/** Codex's reasoning effort (`model_reasoning_effort`); which levels a model supports varies by model. */
export type CodexEffort = z.infer<typeof CodexEffortSchema>;
export const CODEX_EFFORTS: readonly CodexEffort[] = CodexEffortSchema.options;

export const CODEX_INSTALL = "npm i -g @openai/codex";

export const CodexOptionsSchema = z.strictObject({
  ...ProviderOptionsSchema.shape,
  /** Codex's reasoning effort for every turn; default: the model's own. */
  effort: CodexEffortSchema.optional().describe("Codex's reasoning effort: none | minimal | low | medium | high | xhigh | max | ultra (per model)"),
});
/** The options of `new Codex({...})`. */
export type CodexOptions = z.input<typeof CodexOptionsSchema>;

/**
 * OpenAI's Codex CLI, driven over its app-server protocol (`codex app-server`). Permission maps to Codex's own
 * sandbox and approval policy, passed per thread. Default: write, as Codex itself runs in a trusted project. Auth and
 * settings stay the user's (`CODEX_HOME`, default ~/.codex); aegis never edits them.
 */
export class Codex extends CliProvider {
  readonly name = "codex" as const;
  readonly effort?: CodexEffort;
  constructor(o: CodexOptions) {
    super(o, codexProvider.defaultPermission);
    if (o?.effort !== undefined) this.effort = o.effort;
    keepUnknownOptions(this, o, Object.keys(CodexOptionsSchema.shape));
  }
}

export const codexProvider = defineProvider({
  name: "codex",
  label: "Codex CLI",
  cls: Codex,
  className: "Codex",
  options: CodexOptionsSchema,
  flat: true,
  defaultPermission: "write",
  permissions: {
    read: "sandbox read-only, approval policy never: Codex's sandbox refuses every write (aegis's own MCP tools excepted)",
    write: "sandbox workspace-write (the work dir and temp dirs, no network), approval policy never",
    full: "sandbox danger-full-access, approval policy never; every MCP tool pre-approved",
    auto: "sandbox workspace-write, approval policy untrusted: each approval request goes to aegis (a human on a TTY, refused without one)",
  },
  cli: { bin: "codex", install: CODEX_INSTALL },
  env: { vars: ["OPENAI_API_KEY", "CODEX_API_KEY"], note: "or a ChatGPT login made with `codex login` (kept in CODEX_HOME, default ~/.codex)" },
  driver: async () => (await import("./codex-driver.ts")).codexDriver,
  init: {
    agent: "codex",
    comment: "Codex CLI (over codex app-server). permission: read | write | full | auto; effort: Codex's reasoning effort.",
    provider: `new Codex({ model: "gpt-5.5", permission: "write" })`,
  },
});
