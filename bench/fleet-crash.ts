#!/usr/bin/env bun
// The fleet crash test (#15): 4 `aegis work` processes share one state database (SQLite file, or PostgreSQL with
// --pg) and work 2,000 tasks of an agent that journals every execution (start and end, with its pid). Workers are
// SIGKILLed at random and restarted at once (at least --kills times), and one is SIGSTOPped past its lease, then
// SIGCONTed. Then it checks: every task ended in exactly one terminal state, nothing is left pending or running, no
// task was executed twice, no task's work was completed twice, a done task's result is its worker's reply, and the
// paused worker noticed its lost lease (its late finishes were refused by the fence). On SQLite the worker is paused
// outside its write batch: stopped inside it, it would keep the file's write lock and hold up every writer until it
// resumes (see holdsWriteLock), which is not the lost-lease case tested here. Exits 1 on a violation. If the
// workers get through the tasks before the kills are done, more are enqueued (the figures give the total).
// Usage: bun bench/fleet-crash.ts [--quick] [--pg] [--tasks 2000] [--kills 50] [--workers 4] [--delay-ms 100] [--seed n]

import { Database } from "bun:sqlite";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../src/config/load.ts";
import type { Db } from "../src/store/api.ts";
import { openDb } from "../src/store/open.ts";
import { tempDir } from "../test/fixtures/helpers/temp-dir.ts";
import { seeded } from "../test/queue/fixtures/crash-harness.ts";
import { numArg, report } from "./lib/report.ts";

const PG = process.argv.includes("--pg");
// Quick runs still need enough work to outlast their kills (and a PostgreSQL restart catches up faster).
const TASKS = numArg("tasks", 2000, PG ? 800 : 300);
const KILLS = numArg("kills", 50, 12);
const WORKERS = numArg("workers", 4);
const DELAY_MS = numArg("delay-ms", 100, 60);
const LEASE_MS = 1_000;
const SEED = numArg("seed", Date.now() % 1_000_000);
const MAIN = join(import.meta.dir, "../src/main.ts");

const CONFIG = `import { appendFileSync } from "node:fs";
import { defineConfig, Scripted } from "aegis";

const journal = process.env.AEGIS_TEST_JOURNAL;
const delayMs = Number(process.env.AEGIS_TEST_DELAY_MS ?? 0);

export default defineConfig({
  agents: {
    w: {
      provider: new Scripted({
        reply: async (prompt, ctx) => {
          appendFileSync(journal, \`start\\t\${prompt}\\t\${process.pid}\\n\`);
          await new Promise((resolve, reject) => {
            const t = setTimeout(resolve, delayMs * Math.random());
            ctx.signal.addEventListener("abort", () => { clearTimeout(t); reject(new Error("aborted")); });
          });
          appendFileSync(journal, \`end\\t\${prompt}\\t\${process.pid}\\n\`);
          return \`done \${prompt}\`;
        },
      }),
    },
  },
  queues: { q: { agent: "w", maxParallel: 16 } },
  store: { leaseMs: ${LEASE_MS} },
});
`;

using dir = tempDir("bench-fleet-crash");
writeFileSync(join(dir.path, ".aegis.ts"), CONFIG);
const journal = dir.join("journal.log");
writeFileSync(journal, "");
const env: Record<string, string> = {
  ...process.env as Record<string, string>, AEGIS_STATE_DIR: dir.join("state"), AEGIS_TEST_JOURNAL: journal,
  AEGIS_TEST_DELAY_MS: String(DELAY_MS), NO_COLOR: "1", AEGIS_NO_SERVE: "1",
};
let stopPg: (() => Promise<void>) | undefined;
if (PG) {
  const { freshDatabase, startPostgres } = await import("../test/helpers/postgres.ts");
  const pg = await startPostgres();
  stopPg = () => pg.stop();
  env.AEGIS_DATABASE_URL = await freshDatabase(pg);
}
mkdirSync(env.AEGIS_STATE_DIR!, { recursive: true });
const config = await loadConfig({ cwd: dir.path });
const db: Db = await openDb({ config, env });
const rng = seeded(SEED);

// Enqueue everything first (one transaction per 500), so the chaos works a known set.
let enqueued = 0;
const enqueue = async (n: number) => {
  for (let left = n; left > 0; left -= 500) {
    await db.tx(async (t) => {
      for (let i = 0; i < Math.min(500, left); i++) {
        const p = `t${enqueued + i}`;
        await t.tasks.insertTask({ id: `task_${p}`, queue: "q", payload: p, enqueuedBy: "user", callback: false, at: Date.now() });
      }
    }, { durable: true });
    enqueued += Math.min(500, left);
  }
};
await enqueue(TASKS);

interface Slot { proc: ReturnType<typeof Bun.spawn>; stderr: Promise<string>; paused: boolean }
const start = (): Slot => {
  const proc = Bun.spawn([process.execPath, MAIN, "work", "--poll-ms", "100", "--concurrency", "4"], { cwd: dir.path, env, stdin: "ignore", stdout: "ignore", stderr: "pipe" });
  return { proc, stderr: new Response(proc.stderr).text(), paused: false };
};
const slots: Slot[] = Array.from({ length: WORKERS }, start);
const stderrs: Promise<string>[] = [];
const counts = async () => ({ ...(await db.tasks.queueCounts("q")) });
const t0 = performance.now();
let kills = 0;
let pausedStderr: Promise<string> | undefined;
let pauseDone: Promise<void> | undefined;
let pausing = false;
let recovered = false;
/** Pauses that caught the worker inside its SQLite write batch (resumed at once, see holdsWriteLock). */
let pausedInWrite = 0;
// Chaos: a random worker SIGKILLed and restarted every 20-200 ms; after the 10th kill one worker is paused past its lease.
while (kills < KILLS) {
  await Bun.sleep(20 + rng() * 180);
  const c = await counts();
  // Fast workers (an idle machine) would run out of tasks before the kills are done: more keep the chaos going.
  if (c.pending < 100) await enqueue(Math.max(100, Math.floor(TASKS / 4)));
  const i = Math.floor(rng() * WORKERS);
  const s = slots[i]!;
  if (s.paused || pausing) continue;
  if (kills >= 10 && !pauseDone) {
    // Pause a worker that holds a lease and runs tasks, so there is something to recover and a lease to lose.
    const busy = (await db.owners.listWorkers()).filter((w) => w.leaseMs > 0 && w.running.length > 0).map((w) => w.pid);
    const j = slots.findIndex((x) => busy.includes(x.proc.pid));
    if (j < 0) continue;
    const s = slots[j]!;
    s.proc.kill("SIGSTOP");
    if (!PG && await holdsWriteLock(db.location)) {
      // Stopped inside its write batch, it keeps SQLite's write lock: every writer of the fleet waits until it resumes
      // (no process can take a file lock back; PostgreSQL ends such a transaction itself). That is not the lost-lease
      // case this test is about: it is resumed at once, and paused again at another moment.
      s.proc.kill("SIGCONT");
      pausedInWrite++;
      continue;
    }
    s.paused = true;
    pausing = true; // no kills meanwhile: the other workers live long enough to sweep and recover it
    pausedStderr = s.stderr;
    const pid = s.proc.pid;
    pauseDone = (async () => {
      // Past the lease, until another worker's sweep has recovered it (its owner row is gone).
      const until = Date.now() + 30_000;
      await Bun.sleep(LEASE_MS);
      while ((await db.owners.listWorkers()).some((w) => w.pid === pid) && Date.now() < until) await Bun.sleep(50);
      recovered = !(await db.owners.listWorkers()).some((w) => w.pid === pid);
      s.proc.kill("SIGCONT");
      await Bun.sleep(LEASE_MS); // left alone until its next heartbeat finds the lease lost
      s.paused = false;
      pausing = false;
    })();
    continue;
  }
  s.proc.kill("SIGKILL");
  await s.proc.exited;
  stderrs.push(s.stderr);
  kills++;
  slots[i] = start();
}
await pauseDone;
// Nothing may stay stuck: the survivors finish every task (a dead worker's tasks are recovered by a sweep).
const deadline = Date.now() + 120_000;
for (;;) {
  const c = await counts();
  if (c.pending === 0 && c.running === 0) break;
  if (Date.now() > deadline) fail(`stuck: ${c.pending} pending, ${c.running} running two minutes after the chaos`);
  await Bun.sleep(100);
}
const elapsed = (performance.now() - t0) / 1000;
for (const s of slots) s.proc.kill("SIGTERM");
for (const s of slots) {
  await s.proc.exited;
  stderrs.push(s.stderr);
}

// The checks.
const rows = await db.tasks.listTasks({ queue: "q" });
if (rows.length !== enqueued) fail(`${rows.length} task rows, expected ${enqueued}`);
const starts = new Map<string, number>();
const ends = new Map<string, number>();
for (const line of readFileSync(journal, "utf8").split("\n")) {
  const [kind, p] = line.split("\t");
  if (!p) continue;
  const m = kind === "start" ? starts : ends;
  m.set(p, (m.get(p) ?? 0) + 1);
}
let done = 0;
let interrupted = 0;
for (const r of rows) {
  if (r.status === "done") {
    done++;
    if (r.result !== `done ${r.payload}`) fail(`${r.id} is done with result ${JSON.stringify(r.result)}`);
    if ((ends.get(r.payload) ?? 0) < 1) fail(`${r.id} is done but its agent never finished a run`);
  } else if (r.status === "failed") {
    interrupted++;
    if (!r.error?.startsWith("interrupted")) fail(`${r.id} failed: ${r.error}`);
  } else fail(`${r.id} ended ${r.status}`);
}
for (const [p, n] of starts) if (n > 1) fail(`task ${p} was executed ${n} times`);
for (const [p, n] of ends) if (n > 1) fail(`task ${p}'s work was completed ${n} times`);
const late = [...ends.keys()].filter((p) => rows.find((r) => r.payload === p)?.status === "failed").length;
const pausedLog = pausedStderr ? await pausedStderr : "";
if (pauseDone && !recovered) fail("no worker recovered the paused worker within 30 s of its lease expiring");
if (pauseDone && !pausedLog.includes("lease expired")) fail(`the paused worker never noticed its lost lease; its stderr:\n${pausedLog.slice(-2000)}`);
await db.close();
await stopPg?.();

const backend = PG ? "PostgreSQL" : "SQLite";
console.log(`fleet crash test on ${backend}: ${WORKERS} workers, ${enqueued} tasks, ${kills} SIGKILLs + 1 SIGSTOP past a ${LEASE_MS} ms lease, ${elapsed.toFixed(1)} s (seed ${SEED})`);
console.log(`  every task ended exactly once: ${done} done, ${interrupted} failed as interrupted; none executed or completed twice; nothing stuck`);
console.log(`  runs that finished after their task was recovered (fenced, not recorded): ${late}`);
if (!PG) console.log(`  pauses that caught the worker inside its write batch (resumed at once, paused again): ${pausedInWrite}`);
report(PG ? "fleet-crash-pg" : "fleet-crash-sqlite", [
  { figure: `${backend}: tasks that ended exactly once`, value: enqueued, unit: "tasks" },
  { figure: `${backend}: SIGKILLs survived`, value: kills, unit: "kills" },
  { figure: `${backend}: late finishes refused by the fence`, value: late, unit: "runs" },
]);

/**
 * Whether SQLite's write lock stays taken for a while (300 ms, against 50 ms at most for a running worker's batch):
 * then the worker just stopped holds it. Probed with a transaction that never waits for the lock.
 */
async function holdsWriteLock(path: string): Promise<boolean> {
  const probe = new Database(path);
  try {
    probe.run("PRAGMA busy_timeout = 0");
    for (const until = Date.now() + 300; Date.now() < until; await Bun.sleep(10)) {
      try {
        probe.run("BEGIN IMMEDIATE");
        probe.run("ROLLBACK");
        return false;
      } catch (err) {
        if ((err as { code?: string }).code !== "SQLITE_BUSY") throw err;
      }
    }
    return true;
  } finally {
    probe.close();
  }
}

function fail(msg: string): never {
  console.error(`FLEET CRASH TEST FAILED (seed ${SEED}): ${msg}`);
  for (const s of slots) s.proc.kill("SIGKILL");
  process.exit(1);
}

