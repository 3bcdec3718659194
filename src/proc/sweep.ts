// Finding and killing what a process-group kill misses. The real CLIs start their shell-tool commands in new sessions
// of their own, so those escape `kill(-pgid)`; but every descendant inherits the child's environment, including its
// AEGIS_PROC_TAG. This file scans /proc/*/environ for a tag and kills by pid. It never touches aegis's own process.
// On systems without /proc (macOS) the scan finds nothing and the group kill is all there is.

import { readdirSync, readFileSync } from "node:fs";
import { TAG_VAR } from "./env.ts";

const PREFIX = Buffer.from(`${TAG_VAR}=`);
const NUL = 0;
const SLASH = 0x2f;

/**
 * True if an environ block (NUL-separated `KEY=value`) carries `tag`: the variable equals it, or is a nested tag that
 * starts with `tag/` (a process started by an aegis that itself ran under this tag).
 */
export function environHasTag(environ: Uint8Array, tag: string): boolean {
  const buf = Buffer.isBuffer(environ) ? environ : Buffer.from(environ.buffer, environ.byteOffset, environ.length);
  const needle = Buffer.concat([PREFIX, Buffer.from(tag)]);
  let from = 0;
  for (;;) {
    const at = buf.indexOf(needle, from);
    if (at === -1) return false;
    const after = buf[at + needle.length];
    const atEntryStart = at === 0 || buf[at - 1] === NUL;
    if (atEntryStart && (after === undefined || after === NUL || after === SLASH)) return true;
    from = at + 1;
  }
}

/** Pids of live processes (other than this one) whose environment carries `tag`. */
export function findTaggedPids(tag: string): number[] {
  return findPidsByEnviron((environ) => environHasTag(environ, tag));
}

/** Pids of live processes (other than this one) whose NUL-separated environ block satisfies `match`. */
export function findPidsByEnviron(match: (environ: Buffer) => boolean): number[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return []; // no /proc on this system: nothing to sweep
  }
  const found: number[] = [];
  for (const name of entries) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    let environ: Buffer;
    try {
      environ = readFileSync(`/proc/${name}/environ`);
    } catch {
      continue; // it exited while we scanned, or it is not ours to read (and so not ours to kill)
    }
    // A zombie's environ reads empty, so dead-but-unreaped processes are skipped here.
    if (environ.length > 0 && match(environ)) found.push(pid);
  }
  return found;
}

/** Sends `signal` to each pid, ignoring the ones already gone. Returns the pids signalled. */
export function signalPids(pids: readonly number[], signal: NodeJS.Signals): number[] {
  const hit: number[] = [];
  for (const pid of pids) if (trySignal(pid, signal)) hit.push(pid);
  return hit;
}

/** Signals a whole process group (`kill(-pgid)`); false if the group is gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  return pgid > 1 && trySignal(-pgid, signal);
}

function trySignal(target: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(target, signal);
    return true;
  } catch {
    return false; // ESRCH: already gone; EPERM: not ours. Either way there is nothing more to do for it.
  }
}

/** One synchronous pass: SIGKILL every process carrying `tag`. Safe inside a process 'exit' handler. */
export function sweepTagSync(tag: string): number[] {
  return signalPids(findTaggedPids(tag), "SIGKILL");
}

/**
 * SIGKILLs every process carrying `tag`, repeating until a scan finds none (a process may fork between the scan and
 * the kill). Returns every pid it signalled.
 */
export async function sweepTag(tag: string, opts: { rounds?: number } = {}): Promise<number[]> {
  const killed = new Set<number>();
  const rounds = opts.rounds ?? 20;
  for (let i = 0; i < rounds; i++) {
    const pids = findTaggedPids(tag);
    if (pids.length === 0) break;
    for (const pid of signalPids(pids, "SIGKILL")) killed.add(pid);
    // Give the kernel a moment to tear the processes down before the next scan.
    await Bun.sleep(Math.min(5 * (i + 1), 50));
  }
  return [...killed];
}
