// A SQLite process stopped in the middle of a write (#15): stopped where it is, it keeps the file's write lock and
// every other process's writes wait until it resumes (what made the fleet crash test flaky); `aegis work` stops on
// Ctrl-Z (SIGTSTP) only once its open write batches are committed, so the others go on and recover it.

import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../fixtures/helpers/temp-dir.ts";
import { waitFor } from "../fixtures/helpers/wait.ts";

const WRITER = join(import.meta.dir, "fixtures/suspend-writer.ts");

/** The kernel's state letter of `pid` (T: stopped). */
function stateOf(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
}

/** Whether another connection can take the write lock right now (never waiting for it), and the rows it sees. */
function probe(file: string): { writable: boolean; marks: string[] } {
  const db = new Database(file);
  try {
    db.run("PRAGMA busy_timeout = 0");
    const marks = db.query<{ v: string }, []>("SELECT v FROM marks").all().map((r) => r.v);
    try {
      db.run("BEGIN IMMEDIATE");
      db.run("ROLLBACK");
      return { writable: true, marks };
    } catch (err) {
      if ((err as { code?: string }).code !== "SQLITE_BUSY") throw err;
      return { writable: false, marks };
    }
  } finally {
    db.close();
  }
}

async function startWriter(file: string, mode: string[]): Promise<ReturnType<typeof Bun.spawn>> {
  const proc = Bun.spawn([process.execPath, WRITER, file, ...mode], { stdin: "ignore", stdout: "pipe", stderr: "inherit" });
  const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader();
  let out = "";
  while (!out.includes("holding")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the writer exited before holding its batch: ${out}`);
    out += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  return proc;
}

test("[sqlite] a process stopped inside its write batch keeps the write lock: nobody else can write (#15)", async () => {
  using dir = tempDir("suspend");
  const file = dir.join("state.db");
  const w = await startWriter(file, []);
  try {
    // SIGSTOP, not SIGTSTP: the kernel discards SIGTSTP sent to a process of an orphaned process group (a test
    // runner started from a script in the background), and SIGSTOP is what stops a process that has no say.
    w.kill("SIGSTOP");
    await waitFor(() => stateOf(w.pid) === "T", { timeoutMs: 10_000, what: "the writer to stop" });
    expect(probe(file)).toEqual({ writable: false, marks: [] });
  } finally {
    w.kill("SIGKILL");
    await w.exited;
  }
}, 30_000);

test("[sqlite] on Ctrl-Z a worker stops only once its open write batch is committed: the others can write (#15)", async () => {
  using dir = tempDir("suspend");
  const file = dir.join("state.db");
  const w = await startWriter(file, ["--outside-batches"]);
  try {
    w.kill("SIGTSTP");
    // Its transaction is still held: it goes on until that ends, then commits and stops.
    expect(stateOf(w.pid)).not.toBe("T");
    w.kill("SIGUSR1");
    await waitFor(() => stateOf(w.pid) === "T", { timeoutMs: 10_000, what: "the writer to stop" });
    expect(probe(file)).toEqual({ writable: true, marks: ["held"] });
    // Resumed, it is an ordinary process again (a second Ctrl-Z stops it as well).
    w.kill("SIGCONT");
    await waitFor(() => stateOf(w.pid) !== "T", { timeoutMs: 10_000, what: "the writer to resume" });
    w.kill("SIGTSTP");
    await waitFor(() => stateOf(w.pid) === "T", { timeoutMs: 10_000, what: "the writer to stop again" });
  } finally {
    w.kill("SIGKILL");
    await w.exited;
  }
});
