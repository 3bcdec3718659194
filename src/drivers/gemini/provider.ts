// Gemini CLI's entry in the provider table, and the public GeminiCLI class. It is driven over ACP by
// ../acp/gemini-driver.ts, imported only when a session starts.

import { z } from "zod";
import { CliProvider, keepUnknownOptions, ProviderOptionsSchema } from "../../config/provider-options.ts";
import { defineProvider } from "../provider-spec.ts";

/** The CLI and how to install it (also in the driver's "not found" hint). */
export const GEMINI_CLI = { bin: "gemini", install: "npm i -g @google/gemini-cli" } as const;

export const GeminiCLIOptionsSchema = z.strictObject({ ...ProviderOptionsSchema.shape });
/** The options of `new GeminiCLI({...})`. */
export type GeminiCLIOptions = z.input<typeof GeminiCLIOptionsSchema>;

/** Google's Gemini CLI, driven over ACP (`gemini --acp`). Permission maps to its approval mode. */
export class GeminiCLI extends CliProvider {
  readonly name = "gemini" as const;
  constructor(o: GeminiCLIOptions) {
    super(o, geminiProvider.defaultPermission);
    keepUnknownOptions(this, o, Object.keys(GeminiCLIOptionsSchema.shape));
  }
}

export const geminiProvider = defineProvider({
  name: "gemini",
  label: "Gemini CLI",
  cls: GeminiCLI,
  className: "GeminiCLI",
  options: GeminiCLIOptionsSchema,
  flat: true,
  defaultPermission: "full",
  permissions: {
    read: "--approval-mode plan plus a --policy file denying the shell, write, replace and exit_plan_mode tools",
    write: "--approval-mode auto_edit; shell commands are refused by aegis's ACP permission policy",
    full: "--approval-mode yolo",
    auto: "--approval-mode default; each ACP permission request goes to aegis (a human on a TTY, refused without one)",
  },
  cli: GEMINI_CLI,
  env: { vars: ["GEMINI_API_KEY", "GOOGLE_API_KEY"], note: "or a Google login made with `gemini` itself" },
  driver: async () => (await import("../acp/gemini-driver.ts")).geminiDriver,
  init: {
    agent: "gemini",
    comment: "Gemini CLI (over ACP). permission maps to its approval mode (read = plan, full = yolo).",
    provider: `new GeminiCLI({ model: "gemini-2.5-flash", permission: "write" })`,
  },
});
