// `engine.bash`: runs one shell command (`bash -c`) through src/proc/spawn.ts, in its own process group, and returns
// its exit code and full output. A timeout or an abort stops the whole process tree (the shutdown ladder plus the tag
// sweep) before the call returns. It must not journal or retry; the engine does.

import { readFileSync, rmSync } from "node:fs";
import { constants } from "node:os";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnProcess } from "../proc/spawn.ts";
import { AegisError } from "../util/errors.ts";
import { formatDuration } from "../util/format.ts";
import { newId } from "../util/ids.ts";
import { WorkflowError, type BashResult } from "./errors.ts";

export interface RunBashOptions {
  cwd: string;
  timeoutMs?: number;
  env?: Record<string, string>;
  signal?: AbortSignal;
  /** Called once the process has started (the durability tests' mid-step failpoint, progress). */
  onStart?: (pid: number) => void;
}

/** Output beyond this is cut (the head is dropped), so one chatty command cannot fill the journal. */
export const MAX_OUTPUT_BYTES = 4 * 1024 * 1024;

const STOP_GRACE_MS = 300;

export async function runBash(cmd: string, opts: RunBashOptions): Promise<BashResult> {
  const base = join(tmpdir(), `aegis-bash-${newId("out")}`);
  const outFile = `${base}.out`;
  const errFile = `${base}.err`;
  // Output goes to files rather than pipes: it is kept byte for byte (blank lines included) and a grandchild that
  // keeps a pipe open cannot hold the call after the command itself has exited.
  const script = `exec >${shellQuote(outFile)} 2>${shellQuote(errFile)}\n${cmd}`;
  const child = spawnProcess({
    // --norc/--noprofile: bash reads ~/.bashrc when its stdin is a socket (as our pipes are), which runs the user's
    // shell set-up (pyenv, nvm…) before every command; measured here: a stale pyenv lock then hangs each call.
    cmd: ["bash", "--norc", "--noprofile", "-c", script],
    cwd: opts.cwd,
    // The user's environment, aegis's internal variables removed (src/proc/env.ts): a workflow's `bun test` or
    // `make` must see the same variables it would in the user's shell.
    ...(opts.env ? { env: opts.env } : {}),
  });
  // A short ladder: a shell command gets no stdin to finish on, so waiting long for it to leave on its own is useless.
  let timedOut = false;
  const stop = () => void child.stop({ graceMs: STOP_GRACE_MS });
  const timer = opts.timeoutMs !== undefined && opts.timeoutMs > 0
    ? setTimeout(() => {
        timedOut = true;
        stop();
      }, opts.timeoutMs)
    : undefined;
  if (opts.signal?.aborted) stop();
  else opts.signal?.addEventListener("abort", stop, { once: true });
  try {
    child.endStdin();
    opts.onStart?.(child.pid);
    const status = await child.exited;
    // The ladder also sweeps whatever the command left running in the background.
    await child.stop({ graceMs: STOP_GRACE_MS });
    const result: BashResult = {
      exitCode: status.code ?? 128 + signalNumber(status.signal),
      stdout: readCapped(outFile),
      stderr: readCapped(errFile) + child.stderrTail(),
    };
    if (timedOut) {
      throw new WorkflowError(`bash timed out after ${formatDuration(opts.timeoutMs ?? 0)}: ${cmd}`, {
        data: { cmd, timeoutMs: opts.timeoutMs, stdoutTail: result.stdout.slice(-2000), stderrTail: result.stderr.slice(-2000) },
      });
    }
    if (opts.signal?.aborted) throw abortReason(opts.signal);
    return result;
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener("abort", stop);
    rmSync(outFile, { force: true });
    rmSync(errFile, { force: true });
  }
}

function readCapped(file: string): string {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch {
    return ""; // the shell never got to open it (killed at once, or the cwd vanished): no output
  }
  if (buf.length <= MAX_OUTPUT_BYTES) return buf.toString("utf8");
  return `[aegis: ${buf.length - MAX_OUTPUT_BYTES} bytes cut]\n${buf.subarray(buf.length - MAX_OUTPUT_BYTES).toString("utf8")}`;
}

function signalNumber(signal: string | null): number {
  if (!signal) return 0;
  return (constants.signals as Record<string, number>)[signal] ?? 0;
}

export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The error an aborted signal carries, as an AegisError (E_CANCELLED unless the reason says otherwise). */
export function abortReason(signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  if (r instanceof AegisError) return r;
  return new AegisError("E_CANCELLED", r instanceof Error ? r.message : "the run was stopped");
}
