// Recovery while running: when a sibling aegis process dies, the survivor's watch tick fails the dead process's
// tasks as interrupted and, because that frees capacity, dispatches the next pending tasks at once (its own commits
// never show up in `PRAGMA data_version`, so waiting for a "change" would wait forever).

import { afterEach, expect, test } from "bun:test";
import { hostname } from "node:os";
import { createRuntime, type Runtime } from "../../src/runtime.ts";
import { procStart } from "../../src/store/owners.ts";
import { openStore } from "../../src/store/store.ts";
import { tempDir } from "../fixtures/helpers/temp-dir.ts";
import { within } from "../fixtures/helpers/wait.ts";
import { testConfig } from "../session/fixtures.ts";

const runtimes: Runtime[] = [];
afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((r) => r.close()));
});

/** Seeds `path` with a live sibling owner (a real process) running one task of `q`, and `pending` tasks behind it. */
function seedSibling(path: string, pid: number, pending: string[]): void {
  const seed = openStore(path);
  seed.db.query("INSERT INTO owners (id, pid, host, proc_start, started_at) VALUES ('own_sibling', ?, ?, ?, 0)").run(pid, hostname(), procStart(pid) ?? null);
  seed.db.run(`INSERT INTO tasks (id, queue, payload, enqueued_by, callback, status, owner, enqueued_at, started_at)
    VALUES ('task_run', 'q', 'p0', 'user', 0, 'running', 'own_sibling', 1, 2)`);
  pending.forEach((id, i) => seed.db.query(`INSERT INTO tasks (id, queue, payload, enqueued_by, callback, status, enqueued_at)
    VALUES (?, 'q', ?, 'user', 0, 'pending', ?)`).run(id, `p${i + 1}`, 3 + i));
  seed.close();
}

test("(#4) a sibling killed mid-task: the survivor fails its task and dispatches the pending ones; drain ends", async () => {
  using dir = tempDir("recovery");
  const path = dir.join("state.db");
  const sibling = Bun.spawn(["sleep", "600"], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
  try {
    seedSibling(path, sibling.pid, ["task_a", "task_b"]);
    const cfg = testConfig({ w: { reply: (p) => `done ${p}` } }, { q: { agent: "w", maxParallel: 1 } });
    const r = createRuntime({ config: cfg, store: openStore(path), plane: false, queues: { pollMs: 10 } });
    runtimes.push(r);
    const drained = r.queues.drain();
    // The sibling is alive and holds the queue's only slot: nothing may start.
    expect((await r.queues.status("task_a"))).toMatchObject({ status: "pending", position: 1 });
    sibling.kill("SIGKILL");
    await sibling.exited;
    await within(drained, 5000, "drain after the sibling died");
    expect((await r.queues.status("task_run"))).toMatchObject({ status: "failed", error: "interrupted: aegis stopped while this task ran" });
    expect((await r.queues.status("task_a"))).toMatchObject({ status: "done", result: "done p1" });
    expect((await r.queues.status("task_b"))).toMatchObject({ status: "done", result: "done p2" });
  } finally {
    sibling.kill("SIGKILL");
  }
}, 10_000);

test("(#4) cancelling a dead process's running task frees its slot: the next pending task starts", async () => {
  using dir = tempDir("recovery");
  const path = dir.join("state.db");
  const sibling = Bun.spawn(["sleep", "600"], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
  try {
    seedSibling(path, sibling.pid, ["task_a"]);
    const cfg = testConfig({ w: { reply: (p) => `done ${p}` } }, { q: { agent: "w", maxParallel: 1 } });
    // No periodic watch: only the cancel itself may set the next task going.
    const r = createRuntime({ config: cfg, store: openStore(path), plane: false, queues: { pollMs: 0 } });
    runtimes.push(r);
    await r.queues.start();
    expect((await r.queues.status("task_a"))?.status).toBe("pending");
    sibling.kill("SIGKILL");
    await sibling.exited;
    expect(await r.queues.cancel("task_run")).toEqual({ taskId: "task_run", status: "cancelled", was: "running" });
    expect((await within(r.queues.waitFor("task_a"), 5000, "task_a")).result).toBe("done p1");
  } finally {
    sibling.kill("SIGKILL");
  }
}, 10_000);
