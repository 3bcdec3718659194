// What an ACP driver needs before it spawns: the CLI's executable (or a clear E_AGENT_MISSING with the install
// command), and a private temporary folder for per-session files (Gemini's policy file) that close() removes.
// It never spawns and never touches the user's own configuration.

import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import type { InheritEnv } from "../../config/providers.ts";
import { AegisError } from "../../util/errors.ts";
import type { AcpClient } from "./acp-client.ts";
import type { SessionSetup } from "./wire.ts";

/** How a provider's CLI is started by an ACP session; built by each flavor's driver. */
export interface AcpLaunch {
  /** Name used in messages: "Gemini CLI", "OpenCode". */
  label: string;
  cmd: string[];
  /** Explicit variables (provider env, StartOptions.env, the driver's own), on top of the inherited ones. */
  env: Record<string, string>;
  /** Which of aegis's variables the CLI inherits (the provider's `inheritEnv`). */
  inheritEnv: InheritEnv;
  /** How long close() waits at each rung of the shutdown ladder. */
  closeGraceMs: number;
  /** The CLI forgets a prompt whose turn failed with an API error (Gemini CLI does, measured): resend its opening. */
  dropsFailedPrompt?: boolean;
  /** A private folder removed at close. */
  tempDir?: string;
  /**
   * Runs once the session exists (after session/new or session/load), before the first turn: a generic agent picks
   * its mode and model here. Throwing fails the start. Returns the model in effect, if known.
   */
  setup?: (s: SessionSetupContext) => Promise<{ model?: string }>;
}

export interface SessionSetupContext {
  client: AcpClient;
  sessionId: string;
  /** The modes and models the session/new or session/load result advertised. */
  result: SessionSetup;
  diag: (message: string) => void;
}

/** Finds the CLI: `bin` as given (a path, or a name on PATH), else `defaultName` on PATH. */
export function resolveBin(opts: { bin?: string; defaultName: string; label: string; install: string; cwd: string; path?: string; hint?: string }): string {
  const wanted = opts.bin ?? opts.defaultName;
  const missing = (detail: string) =>
    new AegisError("E_AGENT_MISSING", `${opts.label} not found: ${detail}`, {
      data: { bin: wanted },
      hint: opts.hint ?? (opts.bin ? `check the provider's bin path, or install it: ${opts.install}` : `install it: ${opts.install}`),
    });
  if (wanted.includes("/")) {
    const full = isAbsolute(wanted) ? wanted : resolve(opts.cwd, wanted);
    if (!existsSync(full) || !statSync(full).isFile()) throw missing(`${full} does not exist`);
    return full;
  }
  const found = Bun.which(wanted, { PATH: opts.path ?? process.env.PATH ?? "" });
  if (!found) throw missing(`no "${wanted}" on PATH`);
  return found;
}

/** A new folder only this user can read, for one session's files. */
export function makePrivateTempDir(prefix: string): string {
  // mkdtemp creates the folder with mode 0700.
  return mkdtempSync(join(tmpdir(), `aegis-${prefix}-`));
}

export function removeTempDir(dir: string | undefined): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/** Merges environments left to right; later keys win. */
export function mergeEnv(...parts: Array<Record<string, string> | undefined>): Record<string, string> {
  return Object.assign({}, ...parts.filter(Boolean)) as Record<string, string>;
}
