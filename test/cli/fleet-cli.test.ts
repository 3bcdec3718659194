// The fleet commands as a user meets them (#15): a database that cannot be reached is named (password hidden) with
// what to check, by every command as by aegis doctor; `aegis workers` lists only the queues a worker may run (a
// queue's hosts against its --host-label); `aegis enqueue --wait` on such a queue says whether a labelled worker runs;
// `aegis logs --follow` of a task whose worker died ends saying the task failed as interrupted.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir, type TempDir } from "../fixtures/helpers/temp-dir.ts";
import { within } from "../fixtures/helpers/wait.ts";
import { pgAvailability, sharedPostgres } from "../helpers/postgres.ts";

const MAIN = join(import.meta.dir, "..", "..", "src", "main.ts");
const pg = pgAvailability();
let dir: TempDir;

const CONFIG = `import { defineConfig, Scripted } from "aegis";
export default defineConfig({
  agents: {
    w: { provider: new Scripted({ reply: (p) => \`ok \${p}\` }) },
    slow: { provider: new Scripted({ reply: (p) => p, delayMs: 60_000 }) },
  },
  queues: { q: { agent: "w", maxParallel: 2 }, gpu: { agent: "w", maxParallel: 1, hosts: ["gpu"] }, slowq: { agent: "slow", maxParallel: 1 } },
});
`;

const env = (extra: Record<string, string> = {}) => ({ ...process.env, NO_COLOR: "1", AEGIS_STATE_DIR: "", AEGIS_NO_SERVE: "1", AEGIS_HOST_ID: "", AEGIS_DATABASE_URL: "", ...extra });

function start(args: string[], extra: Record<string, string> = {}) {
  return Bun.spawn([process.execPath, MAIN, ...args, "--cwd", dir.path], { cwd: dir.path, stdin: "ignore", stdout: "pipe", stderr: "pipe", env: env(extra) });
}

async function aegis(args: string[], extra: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const p = start(args, extra);
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout, stderr };
}

/** Reads a child's stderr (or stdout) until it contains `text`; returns what was read. */
async function stderrUntil(p: ReturnType<typeof start>, text: string, stream: "stderr" | "stdout" = "stderr"): Promise<string> {
  const reader = p[stream].getReader();
  const dec = new TextDecoder();
  let seen = "";
  try {
    while (!seen.includes(text)) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += dec.decode(value, { stream: true });
    }
  } finally {
    reader.releaseLock();
  }
  return seen;
}

beforeAll(() => {
  dir = tempDir("cli-fleet");
  writeFileSync(join(dir.path, ".aegis.ts"), CONFIG);
});
afterAll(() => dir[Symbol.dispose]());

test("a command on an unreachable PostgreSQL says nothing accepts connections there, as doctor does, password hidden (#15)", async () => {
  const r = await aegis(["tasks"], { AEGIS_DATABASE_URL: "postgres://aegis:s3cret-pw@127.0.0.1:1/aegis" });
  expect(r.code).toBe(1);
  expect(r.stderr).toContain("cannot connect to the database postgres://aegis:***@127.0.0.1:1/aegis: nothing accepts connections there");
  expect(r.stderr).toContain("hint: check the URL (AEGIS_DATABASE_URL, store.url or --to)");
  expect(r.stderr + r.stdout).not.toContain("s3cret-pw");
});

test.skipIf(!pg.ok)("a command on a database that does not exist says to create it (#15)", async () => {
  const url = (await sharedPostgres()).url.replace(/\/aegis$/, "/no_such_db");
  const secret = decodeURIComponent(new URL(url).password);
  const r = await aegis(["tasks"], { AEGIS_DATABASE_URL: url });
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('/no_such_db: database "no_such_db" does not exist');
  expect(r.stderr).toContain("hint: create the database first (createdb <name>, or CREATE DATABASE <name>)");
  expect(r.stderr).not.toContain(secret);
}, 30_000);

test("aegis workers lists only the queues a worker may run; enqueue --wait on a hosts queue says whether a labelled worker runs (#15)", async () => {
  type W = { pid: number; labels: string[]; queues: string[]; leaseMs: number };
  // Listed once it holds its lease: a worker registers first and publishes its labels and queues with the lease.
  const listed = async (pid: number) => within((async () => {
    for (;;) {
      const w = (JSON.parse((await aegis(["workers", "--json"])).stdout) as W[]).find((x) => x.pid === pid && x.leaseMs > 0);
      if (w) return w;
      await Bun.sleep(50);
    }
  })(), 15_000, `worker ${pid} to be listed`);

  const plain = start(["work"]);
  const waiting = start(["enqueue", "gpu", "render", "--wait"]);
  try {
    expect(await listed(plain.pid)).toMatchObject({ labels: [], queues: ["q", "slowq"] });
    // Nobody here may run it: the wait says so instead of hanging silently.
    const said = await within(stderrUntil(waiting, "none is running"), 15_000, "the enqueue --wait warning");
    expect(said).toContain("queue gpu runs only on workers labelled gpu and none is running: the task waits until one starts (aegis work --host-label gpu)");

    const gpu = start(["work", "--host-label", "gpu"]);
    try {
      expect(await listed(gpu.pid)).toMatchObject({ labels: ["gpu"], queues: ["q", "gpu", "slowq"] });
      expect(await within(waiting.exited, 15_000, "the labelled worker to run the waited task")).toBe(0);
      expect(await new Response(waiting.stdout).text()).toBe("ok render\n");
      const again = await aegis(["enqueue", "gpu", "again", "--wait"]);
      expect(again.code).toBe(0);
      expect(again.stderr).toContain(`queue gpu runs only on workers labelled gpu: waiting for `);
      expect(again.stderr).toContain(`(pid ${gpu.pid})`);
      // A plain enqueue says nothing when a labelled worker runs (#15).
      const quiet = await aegis(["enqueue", "gpu", "quiet"]);
      expect([quiet.code, quiet.stderr]).toEqual([0, ""]);
    } finally {
      gpu.kill("SIGTERM");
      await gpu.exited;
    }
  } finally {
    waiting.kill("SIGTERM");
    plain.kill("SIGTERM");
    await Promise.all([waiting.exited, plain.exited]);
  }
}, 60_000);

test("aegis work --until-idle drains only the queues it may run, and refuses when it may run none of them (#15)", async () => {
  // No labelled worker runs now: a plain enqueue records the task and says so on stderr, exiting 0.
  const plain = await aegis(["enqueue", "gpu", "later", "--json"]);
  expect(plain.code).toBe(0);
  expect(plain.stderr).toContain("queue gpu runs only on workers labelled gpu and none is running: the task waits until one starts (aegis work --host-label gpu)");
  const gpuTask = JSON.parse(plain.stdout) as { taskId: string };
  const qTask = JSON.parse((await aegis(["enqueue", "q", "now", "--json"])).stdout) as { taskId: string };
  // The gpu task, pending for a labelled worker, does not keep this unlabelled drain from ending.
  const drained = await within(aegis(["work", "--until-idle"]), 30_000, "the drain to end");
  expect(drained.stderr).toContain("queue gpu runs only on workers labelled gpu; this one (no --host-label) leaves its tasks to them");
  expect(drained.code).toBe(0);
  expect(JSON.parse((await aegis(["task", qTask.taskId, "--json"])).stdout)).toMatchObject({ status: "done" });
  expect(JSON.parse((await aegis(["task", gpuTask.taskId, "--json"])).stdout)).toMatchObject({ status: "pending" });
  const none = await within(aegis(["work", "--until-idle", "--queue", "gpu"]), 30_000, "the refusal");
  expect(none.code).toBe(2);
  expect(none.stderr).toContain("--until-idle: this worker may run none of gpu (queues with hosts: [...] run only on workers with a matching --host-label), so it would wait forever");
}, 60_000);

test("aegis logs --follow of a task whose worker was killed ends saying the task failed as interrupted (#15)", async () => {
  const { taskId } = JSON.parse((await aegis(["enqueue", "slowq", "forever", "--json"])).stdout) as { taskId: string };
  const dying = start(["work", "--queue", "slowq"]);
  const follower = start(["logs", taskId, "--follow"]);
  let survivor: ReturnType<typeof start> | undefined;
  try {
    await within(stderrUntil(follower, "> forever", "stdout"), 15_000, "the follower to print the task's prompt");
    dying.kill("SIGKILL");
    await dying.exited;
    // Another worker on this host sees the dead pid at its next sweep and fails the task as interrupted.
    survivor = start(["work", "--queue", "slowq", "--poll-ms", "50"]);
    const said = await within(new Response(follower.stderr).text(), 20_000, "the follower to end");
    expect(await follower.exited).toBe(0);
    expect(said).toContain(`${taskId} failed: interrupted: aegis stopped while this task ran`);
  } finally {
    for (const p of [dying, follower, survivor]) p?.kill("SIGTERM");
    await Promise.all([dying.exited, follower.exited, survivor?.exited]);
  }
}, 60_000);
