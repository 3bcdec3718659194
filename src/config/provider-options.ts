// What every provider shares: permission and effort levels, the environment options, the zod fields a CLI-backed
// provider accepts, and the base of the provider classes. zod is the source: each type here is inferred from its
// schema. Provider-specific options live with the provider (src/drivers/<name>/provider.ts). Nothing runs here but
// building schemas; it must not import a driver.

import { z } from "zod";

export const PermissionSchema = z.enum(["read", "write", "full", "auto"]);
/** What the agent may do: read (look only), write (edit files), full (anything), auto (ask a human on a TTY). */
export type Permission = z.infer<typeof PermissionSchema>;
export const PERMISSIONS: readonly Permission[] = PermissionSchema.options;

export const EffortSchema = z.enum(["low", "medium", "high", "max"]);
/** How hard Claude Code thinks. */
export type Effort = z.infer<typeof EffortSchema>;
export const EFFORTS: readonly Effort[] = EffortSchema.options;

export const InheritEnvSchema = z.union([
  z.literal("all"),
  z.array(z.string().regex(/^[A-Za-z0-9_.*?-]+$/, {
    message: 'each inheritEnv entry must be a variable name or glob (letters, digits, _ . - and the wildcards * ?), e.g. "PATH" or "ANTHROPIC_*"',
  })),
], { error: 'inheritEnv must be "all" or a list of variable names and globs, e.g. ["PATH", "HOME", "ANTHROPIC_*"]' });
/**
 * Which of aegis's own environment variables a CLI (and every tool it runs) inherits: `"all"` (the default: the
 * user's PATH, tokens, cloud credentials and CI variables reach the agent), or only the variables named in a list,
 * where `*` matches any run of characters and `?` one: `["PATH", "HOME", "ANTHROPIC_*"]` for a hardened setup.
 * aegis's internal variables (its process tag) are never inherited; `env` is added on top either way.
 */
export type InheritEnv = z.infer<typeof InheritEnvSchema>;

export const EnvSchema = z.record(z.string(), z.string());

/**
 * The options every CLI-backed provider accepts; a provider's own schema spreads `.shape` and adds its extras. Each
 * `.describe()` text is the field's documentation: in `aegis config schema` and in the public types' doc comments.
 */
export const ProviderOptionsSchema = z.strictObject({
  model: z.string().min(1).describe("The model name, passed to the CLI as-is (e.g. `opus`, `gemini-3-flash-preview`, `opencode/gpt-5`)."),
  permission: PermissionSchema.optional()
    .describe("What the agent may do: read (look only), write (edit files), full (anything), auto (ask on a TTY)."),
  bin: z.string().min(1).optional().describe("Path to the CLI executable; default: found on PATH."),
  env: EnvSchema.optional().describe("Extra environment variables for the CLI process, on top of the inherited ones (these win)."),
  inheritEnv: InheritEnvSchema.optional()
    .describe('Which of aegis\'s environment variables the CLI inherits: "all" (default) or a list of names/globs, e.g. ["PATH", "HOME", "ANTHROPIC_*"].'),
});
/** Options every CLI-backed provider accepts. */
export type ProviderOptions = z.input<typeof ProviderOptionsSchema>;

/**
 * The base of the CLI-backed provider classes. Constructors never throw: they record what the user wrote (defaults
 * applied) so that validation can report every mistake with its key path in the config file.
 */
export abstract class CliProvider {
  abstract readonly name: string;
  readonly model: string;
  readonly permission: Permission;
  readonly bin?: string;
  readonly env?: Record<string, string>;
  readonly inheritEnv: InheritEnv;
  /** `defaultPermission` is the provider table entry's (pass `<entry>.defaultPermission`, so it is stated once). */
  constructor(o: ProviderOptions, defaultPermission: Permission) {
    this.model = o?.model;
    this.permission = o?.permission ?? defaultPermission;
    if (o?.bin !== undefined) this.bin = o.bin;
    if (o?.env !== undefined) this.env = o.env;
    this.inheritEnv = o?.inheritEnv ?? "all";
  }
}

/**
 * Keeps options the class does not know, so that validation can name them ("unknown key 'efort', did you mean
 * 'effort'?"). Call it last in a constructor, with the keys the class itself sets.
 */
export function keepUnknownOptions(target: object, source: unknown, known: readonly string[]): void {
  if (typeof source !== "object" || source === null) return;
  for (const [k, v] of Object.entries(source)) {
    if (!known.includes(k) && k !== "name") Object.defineProperty(target, k, { value: v, enumerable: true });
  }
}
