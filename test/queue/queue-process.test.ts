// Queue workers as real processes (fake-claude speaking stream-json): cancel stops the whole process tree, and a
// worker that crashes, hangs or prints garbage affects only its own task. On both store backends (#15).

import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ClaudeCode } from "../../src/config/providers.ts";
import type { Runtime } from "../../src/runtime.ts";
import { tempDir, type TempDir } from "../fixtures/helpers/temp-dir.ts";
import { pidAlive, waitFor, waitForPidsGone, within } from "../fixtures/helpers/wait.ts";
import { describeRuntimes, type RuntimeBackend } from "../helpers/runtimes.ts";
import { testConfig } from "../session/fixtures.ts";

// The first PostgreSQL test of the file starts the throwaway cluster: seconds on a loaded machine.
setDefaultTimeout(30_000);

const FAKE_CLAUDE = join(import.meta.dir, "../fixtures/bin/fake-claude");
const dirs: TempDir[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.remove();
});

async function fakeRuntime(b: RuntimeBackend, maxParallel: number, idleTimeoutMs?: number): Promise<{ r: Runtime; log: string }> {
  const dir = tempDir("queue-proc");
  dirs.push(dir);
  const log = dir.join("turns.log");
  const provider = new ClaudeCode({
    model: "opus", permission: "full", bin: FAKE_CLAUDE,
    env: { FAKE_CLAUDE_STATE_DIR: dir.join("claude"), FAKE_CLI_LOG: log, IS_SANDBOX: "1" },
  });
  const config = testConfig({ worker: { provider } }, { q: { agent: "worker", maxParallel } }, dir.path);
  const r = await b.runtime(await b.fresh(), { config, cwd: dir.path, queues: { pollMs: 0 }, ...(idleTimeoutMs ? { idleTimeoutMs } : {}) });
  return { r, log };
}

/** Pids of processes whose command line is exactly `argv`. */
function pidsRunning(argv: string[]): number[] {
  const want = `${argv.join("\0")}\0`;
  const out: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, "utf8") === want) out.push(Number(name));
    } catch (err) {
      // ENOENT/ESRCH: the process exited while we looked, so it is not one of ours
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ESRCH") throw err;
    }
  }
  return out.filter(pidAlive);
}

describeRuntimes("queue workers as processes", (b) => {
  test("cancel of a running task stops the worker's whole process tree (verified by pid) and tells the producer", async () => {
    const { r } = await fakeRuntime(b, 1);
    await r.queues.start();
    const secs = String(400 + Math.floor(Math.random() * 500));
    const { taskId } = (await r.queues.enqueue("q", `RUN: sleep ${secs}`, { enqueuedBy: "agent:wait-here", callback: true }));
    const sleeper = await waitFor(() => pidsRunning(["sleep", secs])[0], { timeoutMs: 10_000, what: "the tool's sleep process" });
    const worker = r.sessions.list()[0]!;
    expect(worker.pid).toBeNumber();
    expect(pidAlive(worker.pid!)).toBe(true);
    expect(await within(r.queues.cancel(taskId), 10_000, "cancel")).toEqual({ taskId, status: "cancelled", was: "running" });
    await waitForPidsGone([worker.pid!, sleeper], 5000);
    expect((await r.queues.status(taskId))).toMatchObject({ status: "cancelled", error: "cancelled" });
    const [told] = await r.db.inbox.listInbox("wait-here");
    expect(told).toMatchObject({ status: "error", task_id: taskId });
    expect(told!.body).toStartWith("cancelled");
  }, 20_000);

  test("a worker that crashes, hangs or prints garbage fails (or survives) alone; the others finish", async () => {
    const { r, log } = await fakeRuntime(b, 2, 1000);
    await r.queues.start();
    const pids: number[] = [];
    r.sessions.on((e) => {
      if (e.type === "spawned") {
        const pid = r.sessions.get(e.handle)?.pid;
        if (pid) pids.push(pid);
      }
    });
    const payloads = ["first", "MODE:crash", "second", "MODE:hang", "MODE:garbage", "third"];
    const ids: string[] = [];
    for (const p of payloads) ids.push((await r.queues.enqueue("q", p)).taskId);
    await within(r.queues.drain(), 15_000, "drain");
    const t = await Promise.all(ids.map(async (id) => (await r.queues.status(id))!));
    expect(t.map((x) => x.status)).toEqual(["done", "failed", "done", "failed", "done", "done"]);
    expect(t[0]!.result).toBe("ECHO: first");
    expect(t[1]!.error).toContain("simulated crash");
    expect(t[3]!.error).toMatch(/timed out|timeout|no event/i);
    expect(t[4]!.result).toBe("GARBAGE SURVIVED");
    expect(t[5]!.result).toBe("ECHO: third");
    // Every worker process is gone, the hung one included.
    expect(pids).toHaveLength(6);
    await waitForPidsGone(pids, 5000);
    // Each payload ran exactly once.
    const turns = readFileSync(log, "utf8").trim().split("\n").map((l) => JSON.parse(l).prompt as string);
    expect(turns.sort()).toEqual([...payloads].sort());
  }, 30_000);
});
