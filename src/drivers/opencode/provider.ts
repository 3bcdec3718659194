// OpenCode's entry in the provider table, and the public OpenCode class. It is driven over ACP by
// ../acp/opencode-driver.ts, imported only when a session starts.

import { z } from "zod";
import { CliProvider, keepUnknownOptions, ProviderOptionsSchema } from "../../config/provider-options.ts";
import { defineProvider } from "../provider-spec.ts";

/** The CLI and how to install it (also in the driver's "not found" hint). */
export const OPENCODE_CLI = { bin: "opencode", install: "npm i -g opencode-ai" } as const;

export const OpenCodeOptionsSchema = z.strictObject({ ...ProviderOptionsSchema.shape });
/** The options of `new OpenCode({...})`. */
export type OpenCodeOptions = z.input<typeof OpenCodeOptionsSchema>;

/** The OpenCode CLI, driven over ACP (`opencode acp`). Models use opencode's `provider/model` form. */
export class OpenCode extends CliProvider {
  readonly name = "opencode" as const;
  constructor(o: OpenCodeOptions) {
    super(o, openCodeProvider.defaultPermission);
    keepUnknownOptions(this, o, Object.keys(OpenCodeOptionsSchema.shape));
  }
}

export const openCodeProvider = defineProvider({
  name: "opencode",
  label: "OpenCode",
  cls: OpenCode,
  className: "OpenCode",
  options: OpenCodeOptionsSchema,
  flat: true,
  defaultPermission: "full",
  permissions: {
    read: "top-level permission rules in OPENCODE_CONFIG_CONTENT deny all but read, glob, grep, list and aegis's tools",
    write: "permission rules allow edits and deny bash",
    full: "permission rules allow everything",
    auto: "permission rules ask for bash and edits; aegis answers each ask (a human on a TTY, refused without one)",
  },
  cli: OPENCODE_CLI,
  env: { vars: ["ANTHROPIC_API_KEY", "OPENAI_API_KEY", "OPENROUTER_API_KEY"], note: "the key of the model's provider, or `opencode auth login`" },
  driver: async () => (await import("../acp/opencode-driver.ts")).openCodeDriver,
  init: {
    agent: "opencode",
    comment: "OpenCode (over ACP). Models use opencode's provider/model form; `opencode models` lists them.",
    provider: `new OpenCode({ model: "opencode/gpt-5", permission: "write" })`,
  },
});
