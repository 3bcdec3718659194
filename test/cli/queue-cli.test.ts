// The queue commands end to end, each in its own process against a project with a Scripted agent:
// enqueue, tasks, task, cancel, work, logs.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir, type TempDir } from "../fixtures/helpers/temp-dir.ts";
import { within } from "../fixtures/helpers/wait.ts";

const MAIN = join(import.meta.dir, "..", "..", "src", "main.ts");
let dir: TempDir;

const CONFIG = `import { defineConfig, Scripted } from "aegis";
export default defineConfig({
  agents: {
    w: { provider: new Scripted({ reply: (p) => (p.includes("fail") ? { text: "nope", isError: true } : \`done: \${p}\`) }) },
    slow: { provider: new Scripted({ reply: (p) => \`slow \${p}\`, delayMs: 60_000 }) },
  },
  queues: { q: { agent: "w", maxParallel: 2 }, slowq: { agent: "slow", maxParallel: 1 } },
});
`;

interface Result { code: number; stdout: string; stderr: string }

function start(cmd: string, args: string[], stdin?: string) {
  return Bun.spawn([process.execPath, MAIN, cmd, ...args, "--cwd", dir.path], {
    cwd: dir.path, stdin: stdin === undefined ? "ignore" : new Blob([stdin]), stdout: "pipe", stderr: "pipe",
    env: { ...process.env, NO_COLOR: "1", AEGIS_STATE_DIR: "" },
  });
}

async function aegis(cmd: string, args: string[] = [], stdin?: string): Promise<Result> {
  const p = start(cmd, args, stdin);
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout, stderr };
}

/** Reads the child's stderr until it contains `text` (then keeps draining it in the background). */
async function untilStderr(p: ReturnType<typeof start>, text: string): Promise<void> {
  const reader = p.stderr.getReader();
  let seen = "";
  await within((async () => {
    while (!seen.includes(text)) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += new TextDecoder().decode(value);
    }
  })(), 10_000, text).catch((e) => {
    throw new Error(`${(e as Error).message}; stderr so far: ${seen}`);
  });
  void (async () => { while (!(await reader.read()).done); })();
}

beforeAll(() => {
  dir = tempDir("queue-cli");
  writeFileSync(dir.join(".aegis.ts"), CONFIG);
});
afterAll(() => dir.remove());

describe("queue commands", () => {
  let first = "";

  test("enqueue records a task (from an argument or stdin) without running it; tasks and task show it", async () => {
    const a = await aegis("enqueue", ["q", "hello there"]);
    expect(a).toMatchObject({ code: 0 });
    first = /^(task_\S+) enqueued on q/.exec(a.stdout)?.[1] ?? "";
    expect(first).toMatch(/^task_/);
    const b = await aegis("enqueue", ["q", "-", "--json"], "from stdin\n");
    expect(b.code).toBe(0);
    expect(JSON.parse(b.stdout)).toMatchObject({ taskId: expect.stringMatching(/^task_/), position: 2 });
    const list = await aegis("tasks", ["--json"]);
    const tasks = JSON.parse(list.stdout) as Record<string, unknown>[];
    expect(tasks.map((t) => [t.taskId === first, t.queue, t.status, t.payload, t.result, t.error, t.enqueuedBy])).toEqual([
      [true, "q", "pending", "hello there", null, null, "user"],
      [false, "q", "pending", "from stdin\n", null, null, "user"],
    ]);
    const one = await aegis("task", [first]);
    expect(one.stdout).toContain(`task:       ${first}`);
    expect(one.stdout).toContain("status:     pending");
  });

  test("work --until-idle drains the queue and exits 0; logs shows the worker's transcript", async () => {
    const w = await aegis("work", ["--until-idle", "--queue", "q"]);
    expect(w.code).toBe(0);
    expect(w.stderr).toContain("2 done, 0 failed");
    const t = JSON.parse((await aegis("task", [first, "--json"])).stdout);
    expect(t).toMatchObject({ status: "done", result: "done: hello there" });
    const logs = await aegis("logs", [first]);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain("#1 > hello there");
    expect(logs.stdout).toContain("#1 done: hello there");
    expect(logs.stdout).toContain("[turn end: end_turn");
    const byHandle = await aegis("logs", [t.workerHandle, "--json"]);
    const events = byHandle.stdout.trim().split("\n").map((l) => JSON.parse(l).event.type);
    expect(events).toEqual(["prompt", "init", "text", "usage", "turn_end"]);
    expect((await aegis("tasks", ["--status", "done"])).stdout.trim().split("\n")).toHaveLength(2);
  });

  test("enqueue --wait runs the task here and prints its result; a failed task exits 1", async () => {
    const ok = await aegis("enqueue", ["q", "quick", "--wait"]);
    expect(ok).toMatchObject({ code: 0, stdout: "done: quick\n" });
    const bad = await aegis("enqueue", ["q", "please fail", "--wait"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("failed: nope");
  });

  test("an idempotency key returns the existing task", async () => {
    const a = JSON.parse((await aegis("enqueue", ["q", "once", "--key", "k-1", "--json"])).stdout);
    const b = JSON.parse((await aegis("enqueue", ["q", "twice", "--key", "k-1", "--json"])).stdout);
    expect(b).toEqual({ ...a, existing: true });
  });

  test("cancel drops a pending task; unknown ids and queues are errors with the right exit codes", async () => {
    const id = JSON.parse((await aegis("enqueue", ["slowq", "never", "--json"])).stdout).taskId;
    const c = await aegis("cancel", [id]);
    expect(c).toMatchObject({ code: 0, stdout: `${id} cancelled (was pending)\n` });
    expect((await aegis("cancel", [id])).stdout).toContain("had already ended: cancelled");
    expect((await aegis("cancel", ["task_nope"])).code).toBe(2);
    const unknown = await aegis("enqueue", ["qq", "x"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown queue "qq"');
    expect((await aegis("tasks", ["--status", "weird"])).code).toBe(2);
  });

  test("cancel reaches a task running in another aegis process, which stops its worker", async () => {
    const id = JSON.parse((await aegis("enqueue", ["slowq", "to be cancelled", "--json"])).stdout).taskId;
    const p = start("work", ["--queue", "slowq", "--poll-ms", "50"]);
    await untilStderr(p, "started on slowq");
    const c = await aegis("cancel", [id]);
    expect(c).toMatchObject({ code: 0, stdout: `${id} cancelled (was running)\n` });
    expect(JSON.parse((await aegis("task", [id, "--json"])).stdout)).toMatchObject({ status: "cancelled", error: "cancelled" });
    p.kill("SIGTERM");
    expect(await within(p.exited, 10_000, "exit")).toBe(130);
  }, 20_000);

  test("work without --until-idle serves until SIGTERM, then fails its running task as interrupted and exits 130", async () => {
    const id = JSON.parse((await aegis("enqueue", ["slowq", "long one", "--json"])).stdout).taskId;
    const p = start("work", ["--queue", "slowq", "--poll-ms", "50"]);
    await untilStderr(p, "started on slowq");
    p.kill("SIGTERM");
    expect(await within(p.exited, 10_000, "exit")).toBe(130);
    const t = JSON.parse((await aegis("task", [id, "--json"])).stdout);
    expect(t).toMatchObject({ status: "failed", error: "interrupted: aegis stopped while this task ran" });
  }, 20_000);
});
