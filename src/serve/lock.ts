// The one-serve-per-project lock: `<stateDir>/serve.lock`, created exclusively and holding the serve's pid. A second
// serve finds it and refuses, naming that pid; a lock left by a process that no longer exists (killed, crashed) is
// taken over. It must not start anything: it only owns the lock file.

import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { AegisError, errorMessage } from "../util/errors.ts";
import { ignoreError } from "../util/log-ignored.ts";

export const LOCK_FILE = "serve.lock";

/** Lock files this process holds: a lock naming our own pid is stale (pid reuse, e.g. pid 1 in a container) unless listed. */
const held = new Set<string>();

export interface ServeLock {
  readonly path: string;
  /** Removes the lock file if it is still ours. Idempotent. */
  release(): void;
}

/** The pid recorded in the state folder's serve lock, if that process is alive; else undefined. */
export function livePid(stateDir: string): number | undefined {
  const pid = readPid(join(stateDir, LOCK_FILE));
  return pid !== undefined && alive(pid) ? pid : undefined;
}

/** Takes the lock for this process, or throws E_STATE naming the serve that holds it. */
export function acquireServeLock(stateDir: string, pid = process.pid): ServeLock {
  const path = join(stateDir, LOCK_FILE);
  if (held.has(path)) {
    throw new AegisError("E_STATE", `aegis serve is already running for this project in this process (lock ${path})`, { data: { pid, path } });
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, "wx", 0o600);
    } catch (err) {
      if ((err as { code?: string }).code !== "EEXIST") throw new AegisError("E_STATE", `cannot create ${path}: ${errorMessage(err)}`, { cause: err });
      const other = readPid(path);
      if (other !== undefined && other !== pid && alive(other)) {
        throw new AegisError("E_STATE", `aegis serve is already running for this project (pid ${other}, lock ${path})`, {
          data: { pid: other, path },
          hint: `stop it first (kill ${other}), or talk to it: aegis runs, aegis enqueue and the other verbs use it`,
        });
      }
      // A stale lock (its process is gone, or an unreadable half-written file): take it over.
      try {
        unlinkSync(path);
      } catch (e) {
        if ((e as { code?: string }).code !== "ENOENT") throw new AegisError("E_STATE", `cannot remove the stale lock ${path}: ${errorMessage(e)}`, { cause: e });
      }
      continue;
    }
    try {
      writeSync(fd, `${pid}\n`);
    } finally {
      closeSync(fd);
    }
    let released = false;
    held.add(path);
    return {
      path,
      release() {
        if (released) return;
        released = true;
        held.delete(path);
        if (readPid(path) !== pid) return; // taken over by another serve meanwhile: not ours to remove
        try {
          unlinkSync(path);
        } catch (e) {
          if ((e as { code?: string }).code !== "ENOENT") throw e;
        }
      },
    };
  }
  throw new AegisError("E_STATE", `cannot take the serve lock ${path}: another serve keeps taking it`, { hint: "is another `aegis serve` starting right now?" });
}

function readPid(path: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as { code?: string }).code === "ENOENT") return undefined;
    throw new AegisError("E_STATE", `cannot read ${path}: ${errorMessage(err)}`, { cause: err });
  }
  const pid = Number(text.trim());
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as { code?: string }).code === "EPERM"; // exists, owned by another user
  }
  return !zombie(pid);
}

/** A zombie has exited and only waits to be reaped: it holds nothing. Known only where /proc exists (Linux). */
function zombie(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch (err) {
    ignoreError(`reading /proc/${pid}/stat (no /proc here, or the process just ended)`, err);
    return false;
  }
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  return state === "Z" || state === "X";
}
