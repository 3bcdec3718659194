// `aegis workers` end to end (#15): a running `aegis work --concurrency 3 --host-label gpu` is listed with its host,
// pid, labels, queues, concurrency, heartbeat and running task, as a table and as JSON.

import { Database } from "bun:sqlite";
import { afterAll, beforeAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { tempDir, type TempDir } from "../fixtures/helpers/temp-dir.ts";
import { within } from "../fixtures/helpers/wait.ts";
import { workerJson, workerLine } from "../../src/cli/workers.ts";
import type { WorkerRow } from "../../src/store/owners.ts";

const MAIN = join(import.meta.dir, "..", "..", "src", "main.ts");
let dir: TempDir;

const CONFIG = `import { defineConfig, Scripted } from "aegis";
export default defineConfig({
  agents: { slow: { provider: new Scripted({ reply: (p) => p, delayMs: 60_000 }) } },
  queues: { q: { agent: "slow", maxParallel: 2 } },
});
`;

const env = () => ({ ...process.env, NO_COLOR: "1", AEGIS_STATE_DIR: "", AEGIS_NO_SERVE: "1", AEGIS_HOST_ID: "" });

async function aegis(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const p = Bun.spawn([process.execPath, MAIN, ...args, "--cwd", dir.path], { cwd: dir.path, stdin: "ignore", stdout: "pipe", stderr: "pipe", env: env() });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout, stderr };
}

beforeAll(() => {
  dir = tempDir("cli-workers");
  writeFileSync(join(dir.path, ".aegis.ts"), CONFIG);
});
afterAll(() => dir[Symbol.dispose]());

test("aegis workers lists a running worker with its labels, queues, concurrency and running task (#15)", async () => {
  const { stdout: enq } = await aegis(["enqueue", "q", "render it", "--json"]);
  const taskId = (JSON.parse(enq) as { taskId: string }).taskId;
  const worker = Bun.spawn([process.execPath, MAIN, "work", "--concurrency", "3", "--host-label", "gpu,big", "--cwd", dir.path],
    { cwd: dir.path, stdin: "ignore", stdout: "ignore", stderr: "ignore", env: env() });
  try {
    type W = { pid: number; host: string; labels: string[]; queues: string[]; concurrency: number; leaseMs: number; running: string[]; heartbeatAgeMs: number };
    let mine: W | undefined;
    await within((async () => {
      for (;;) {
        const r = await aegis(["workers", "--json"]);
        mine = (JSON.parse(r.stdout) as W[]).find((w) => w.pid === worker.pid && w.running.length > 0);
        if (mine) return;
        await Bun.sleep(50);
      }
    })(), 15_000, "the worker to claim its task");
    expect(mine).toMatchObject({ host: hostname(), labels: ["gpu", "big"], queues: ["q"], concurrency: 3, leaseMs: 30_000, running: [taskId] });
    expect(mine!.heartbeatAgeMs).toBeGreaterThanOrEqual(0);
    expect(mine).not.toHaveProperty("leaseAgeMs");
    const table = await aegis(["workers"]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^ID\s+HOST\s+PID\s+LABELS\s+QUEUES\s+CONC\s+HEARTBEAT\s+RUNNING/);
    expect(table.stdout).toContain(`${worker.pid}  `);
    expect(table.stdout).toContain(taskId);
    expect(table.stdout).toContain("gpu,big");
  } finally {
    worker.kill("SIGTERM");
    await worker.exited;
  }
});

test("aegis workers shows a worker without --concurrency as unlimited: null in JSON, \"unlimited\" in the table (#15)", () => {
  const now = 1_000_000;
  const w: WorkerRow = {
    id: "own_w", host: "h", pid: 7, labels: [], queues: ["q"], concurrency: 0, leaseMs: 30_000,
    startedAt: now - 5_000, heartbeatAt: now - 1_500, leaseExpiresAt: now + 28_500, now, running: [],
  };
  expect(workerJson(w)).toMatchObject({ concurrency: null, heartbeatAgeMs: 1_500, silentMs: null });
  expect(workerLine(w)[5]).toBe("unlimited");
  expect(workerJson({ ...w, concurrency: 4 }).concurrency).toBe(4);
  expect(workerLine({ ...w, concurrency: 4 })[5]).toBe("4");
  // A process without a lease (aegis run) is no worker: no concurrency at all.
  const run = { ...w, leaseMs: 0, leaseExpiresAt: null };
  expect(workerJson(run).concurrency).toBeNull();
  expect(workerLine(run)[5]).toBe("-");
});

test("an aegis run of another machine silent past store.leaseMs: aegis workers marks it, aegis runs names its host silent (#15)", async () => {
  expect((await aegis(["runs"])).code).toBe(0); // the state database exists
  const db = new Database(join(dir.path, ".aegis", "state.db"));
  try {
    // Registered and last heard from two minutes ago (default lease 30 s), on a machine that is not this one.
    const beat = Date.now() - 120_000;
    db.run(`INSERT INTO owners (id, pid, host, started_at, heartbeat_at) VALUES ('own_far', 4242, 'machine-far', ${beat}, ${beat})`);
    db.run(`INSERT INTO runs (id, workflow, args, status, owner, created_at, started_at, host) VALUES ('run_far', 'wf', '{}', 'running', 'own_far', ${beat}, ${beat}, 'machine-far')`);
  } finally {
    db.close();
  }
  const workers = JSON.parse((await aegis(["workers", "--json"])).stdout) as { id: string; silentMs: number | null }[];
  expect(workers.find((w) => w.id === "own_far")!.silentMs).toBeGreaterThan(30_000);
  expect((await aegis(["workers"])).stdout).toMatch(/own_far\s+machine-far\s+4242\s+-\s+-\s+-\s+silent 2m/);
  const runs = JSON.parse((await aegis(["runs", "--json"])).stdout) as { runId: string; status: string; silent?: { host: string; forMs: number } }[];
  expect(runs.find((r) => r.runId === "run_far")).toMatchObject({ status: "running", silent: { host: "machine-far" } });
  expect((await aegis(["runs"])).stdout).toMatch(/run_far\s+machine-far\s+wf\s+running \(host machine-far silent for 2m/);
});
