// The one-serve-per-project lock: a live holder is named in the refusal; a dead holder's lock is taken over.

import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { acquireServeLock, LOCK_FILE, livePid } from "../../src/serve/lock.ts";
import { tempDir, type TempDir } from "../fixtures/helpers/temp-dir.ts";

let dir: TempDir;
beforeEach(() => {
  dir = tempDir("serve-lock");
});
afterEach(() => dir.remove());

/** The pid of a process that has exited (and been reaped). */
async function deadPid(): Promise<number> {
  const p = Bun.spawn(["true"]);
  await p.exited;
  return p.pid;
}

describe("serve lock (#12)", () => {
  test("holds the pid; a second serve is refused naming the live holder; release removes the file (#12)", () => {
    const other = Bun.spawn(["sleep", "30"]);
    try {
      writeFileSync(join(dir.path, LOCK_FILE), `${other.pid}\n`);
      expect(livePid(dir.path)).toBe(other.pid);
      let err: unknown;
      try {
        acquireServeLock(dir.path);
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({ code: "E_STATE", data: { pid: other.pid } });
      expect((err as Error).message).toContain(`pid ${other.pid}`);
    } finally {
      other.kill("SIGKILL");
    }
    writeFileSync(join(dir.path, LOCK_FILE), "");
    const lock = acquireServeLock(dir.path);
    expect(readFileSync(join(dir.path, LOCK_FILE), "utf8").trim()).toBe(String(process.pid));
    expect(() => acquireServeLock(dir.path)).toThrow("in this process");
    lock.release();
    expect(existsSync(join(dir.path, LOCK_FILE))).toBe(false);
    expect(livePid(dir.path)).toBeUndefined();
  });

  test("a lock naming this very pid, not held here, is stale: pid reuse, as pid 1 in a restarted container (#12)", () => {
    writeFileSync(join(dir.path, LOCK_FILE), `${process.pid}\n`);
    acquireServeLock(dir.path).release();
  });

  test("a lock left by a dead process, or a garbled one, is taken over (#12)", async () => {
    writeFileSync(join(dir.path, LOCK_FILE), `${await deadPid()}\n`);
    const a = acquireServeLock(dir.path);
    expect(readFileSync(join(dir.path, LOCK_FILE), "utf8").trim()).toBe(String(process.pid));
    a.release();
    writeFileSync(join(dir.path, LOCK_FILE), "not a pid");
    acquireServeLock(dir.path).release();
  });

  test("release leaves a lock another serve has taken over (#12)", async () => {
    const a = acquireServeLock(dir.path);
    writeFileSync(join(dir.path, LOCK_FILE), `${await deadPid()}\n`);
    a.release();
    expect(existsSync(join(dir.path, LOCK_FILE))).toBe(true);
  });
});
