// The shape of one entry of the provider table (src/drivers/providers.ts): everything aegis knows about a provider,
// described once. The config schema and validation, the flat `harness:` shape, the driver registry, `aegis doctor`,
// `aegis init` and `aegis config show|schema` are all derived from these entries. An entry must stay cheap to import:
// its driver is loaded by `driver()` only when a session starts.

import type { z } from "zod";
import type { Permission } from "../config/provider-options.ts";
import type { Driver } from "./driver.ts";

/** What `aegis doctor` found for one CLI. */
export interface ProbeResult {
  /** The CLI's version line, when it printed one. */
  version: string | null;
  /** Why the CLI is unusable (it exists but does not run); absent when it is fine. */
  error?: string;
}

/** Runs `cmd` with a timeout and returns its exit code, first output line and stderr tail (given to probes). */
export type ProbeRunner = (cmd: string[]) => Promise<{ code: number | null; firstLine: string | null; stderrTail: string; timedOut: boolean }>;

/** Any provider options schema (a strict zod object); an entry keeps its own, precisely typed. */
// biome-ignore lint/suspicious/noExplicitAny: the widest ZodObject, so that every entry's own schema type fits it.
export type AnyOptionsSchema = z.ZodObject<any, any>;

export interface ProviderSpec<
  P extends { readonly name: string } = { readonly name: string },
  O extends AnyOptionsSchema = AnyOptionsSchema,
  F extends boolean = boolean,
> {
  /** The provider's name: `provider.name`, the flat shape's `harness:` value, and the key of its conformance fixture. */
  readonly name: P["name"];
  /** Other names accepted for `harness:` (e.g. "claude" for "claude-code"). */
  readonly aliases?: readonly string[];
  /** How people call it, in messages: "Claude Code", "Gemini CLI". */
  readonly label: string;
  /** The public class users construct, exported by src/index.ts: `new ClaudeCode({...})`. */
  readonly cls: new (options: never) => P;
  /** The class's name as users write it (in errors, `aegis init` and `aegis config schema`). */
  readonly className: string;
  /**
   * The provider object's options, without `name` (a strict zod object). The config schema, validation messages and
   * JSON Schema are built from it.
   */
  readonly options: O;
  /** Whether the flat shape `{ harness: name, ...options, prompt? }` is accepted (Scripted's function reply is not). */
  readonly flat: F;
  /** The permission level when the user names none. */
  readonly defaultPermission: Permission;
  /** How each permission level is enforced by this provider, one line each (shown by `aegis doctor --json`). */
  readonly permissions: Readonly<Record<Permission, string>>;
  /** The CLI it drives; absent for in-process providers (Scripted). */
  readonly cli?: {
    /** Executable looked up on PATH when the provider has no `bin`. */
    readonly bin: string;
    /** The command that installs it, shown when it is missing. */
    readonly install: string;
  };
  /**
   * The executable a configured provider runs, for `aegis doctor`; default: its `bin`, else `cli.bin`. A provider
   * started by a user-given command (ACPAgent) returns that command's first word.
   */
  executable?(provider: P): string | undefined;
  /** Environment variables the CLI reads for its credentials, and what else works instead (doctor shows which are set). */
  readonly env?: { readonly vars: readonly string[]; readonly note: string };
  /** Loads the driver. Import it inside, so that loading the table loads no driver. */
  readonly driver: () => Promise<Driver>;
  /** `aegis doctor`'s check of an installed CLI at `path`; default: `<path> --version` must exit 0. */
  readonly probe?: (path: string, run: ProbeRunner) => Promise<ProbeResult>;
  /** What `aegis init` writes for it when its CLI is found on PATH (absent: never written). */
  readonly init?: {
    /** The agent's key in `agents`. */
    readonly agent: string;
    /** One comment line above it. */
    readonly comment: string;
    /** The provider expression, e.g. `new ClaudeCode({ model: "sonnet", permission: "write" })`. */
    readonly provider: string;
  };
}

/** Identity helper that checks an entry against ProviderSpec while keeping its provider, options and flat types. */
export function defineProvider<P extends { readonly name: string }, O extends AnyOptionsSchema, F extends boolean>(
  spec: ProviderSpec<P, O, F>,
): ProviderSpec<P, O, F> {
  return spec;
}
