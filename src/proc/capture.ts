// Runs a short command to completion and returns its exit code and its full stdout and stderr, byte for byte (the
// line framer of spawn.ts skips empty lines, which a patch or a NUL-separated listing cannot lose). Output goes to
// temporary files, as engine.bash's does, so a grandchild holding a pipe cannot hold the call. For tools aegis drives
// itself (git); it must not interpret the output.

import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AegisError } from "../util/errors.ts";
import { newId } from "../util/ids.ts";
import { spawnProcess } from "./spawn.ts";

export interface CaptureOptions {
  cwd: string;
  /** Extra variables on top of the inherited environment. */
  env?: Record<string, string>;
  /** Stops the process tree when exceeded. Default 5 minutes. */
  timeoutMs?: number;
  /** Inherited variables the command must not see (names only: [A-Za-z_][A-Za-z0-9_]*). */
  unset?: readonly string[];
}

export interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

const SHIM = 'o=$1; e=$2; shift 2; exec "$@" >"$o" 2>"$e"';

/** Runs `cmd` (argv, no shell parsing) and waits for it. E_AGENT_MISSING if the shell cannot start. */
export async function capture(cmd: string[], opts: CaptureOptions): Promise<Captured> {
  const base = join(tmpdir(), `aegis-cap-${newId("out")}`);
  const out = `${base}.out`;
  const err = `${base}.err`;
  const child = spawnProcess({
    cmd: ["sh", "-c", unsetPrefix(opts.unset) + SHIM, "sh", out, err, ...cmd],
    cwd: opts.cwd,
    ...(opts.env ? { env: opts.env } : {}),
    timeoutMs: opts.timeoutMs ?? 300_000,
    ladder: { graceMs: 300 },
  });
  try {
    child.endStdin();
    const status = await child.exited;
    await child.stop({ graceMs: 300 });
    return { code: status.code ?? 128, stdout: readOrEmpty(out), stderr: readOrEmpty(err) + child.stderrTail() };
  } finally {
    rmSync(out, { force: true });
    rmSync(err, { force: true });
  }
}

function unsetPrefix(names: readonly string[] = []): string {
  const bad = names.find((n) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(n));
  if (bad !== undefined) throw new AegisError("E_INTERNAL", `capture: not a variable name: ${JSON.stringify(bad)}`);
  return names.length ? `unset ${names.join(" ")}; ` : "";
}

function readOrEmpty(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return ""; // never opened: the shell could not exec the command (its message is in the stderr tail)
  }
}
