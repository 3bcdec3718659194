#!/usr/bin/env bun
// Fleet throughput and wake-up latency (#15), each figure in the same run:
//   1. tasks/s with 1, 2 and 4 worker processes sharing one PostgreSQL database (a throwaway cluster, fsync off),
//      each a full aegis runtime (queue manager, worker sessions, transcript, fenced finish) with an in-process
//      instant agent; the scaling ratio against 1 process; next to it the same single process on SQLite.
//   2. claim latency (one claim transaction: counts row lock + SKIP LOCKED), median and p99, measured in the workers.
//   3. enqueue-to-pickup latency for a sleeping worker on PostgreSQL: the enqueue's commit to the task's claim, with
//      the safety poll at 60 s, so only NOTIFY can wake it. Goal: median <= 20 ms.
// The machine's cores are shared by every process (workers and the database server), so the ratio says as much about
// the box as about aegis: next to each rate it prints the commits per task (pg_stat_database) and the CPU the
// database server and the workers spent per task, which a loaded box does not blur as much.
// Usage: bun bench/fleet.ts [--quick] [--tasks 4000] [--samples 40] [--pool N (each process's connections; default
// store.pool's)]

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Scripted } from "../src/config/providers.ts";
import { validateConfig } from "../src/config/validate.ts";
import { createRuntime } from "../src/runtime.ts";
import type { Db } from "../src/store/api.ts";
import { openPgDb } from "../src/store/postgres/db.ts";
import { sqliteDb } from "../src/store/sqlite/db.ts";
import { openStore } from "../src/store/store.ts";
import { tempDir } from "../test/fixtures/helpers/temp-dir.ts";
import { numArg, report } from "./lib/report.ts";

const TASKS = numArg("tasks", 4000, 600);
const SAMPLES = numArg("samples", 40, 15);
const CONCURRENCY = 16;

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
};

/** Each process's PostgreSQL pool size (`--pool`); aegis's default when not given. */
const POOL = arg("pool") === undefined ? undefined : Number(arg("pool"));

async function openAt(location: string, pollMs: number): Promise<Db> {
  return location.startsWith("postgres")
    ? await openPgDb(location, { safetyPollMs: pollMs, ...(POOL ? { pool: POOL } : {}) })
    : sqliteDb(openStore(location), { safetyPollMs: pollMs });
}

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
};

/** A worker process: one aegis runtime serving queue q until it is drained (or, in "serve" mode, until stdin ends). */
async function child(location: string, mode: string): Promise<void> {
  const db = await openAt(location, 60_000);
  const claims: number[] = [];
  let cpu = process.cpuUsage();
  const timed: Db = Object.create(db, {
    tasks: {
      value: new Proxy(db.tasks, {
        get(t, k) {
          const fn = (t as unknown as Record<string | symbol, unknown>)[k];
          if (k !== "claimTasks" || typeof fn !== "function") return fn;
          return async (...a: unknown[]) => {
            const t0 = performance.now();
            try {
              return await (fn as (...x: unknown[]) => Promise<unknown>)(...a);
            } finally {
              claims.push(performance.now() - t0);
            }
          };
        },
      }),
    },
  });
  const dir = tempDir("bench-fleet-child");
  const config = validateConfig({ agents: { w: { provider: new Scripted({ reply: (p) => p }) } }, queues: { q: { agent: "w", maxParallel: 64 } } },
    join(dir.path, ".aegis.ts"), dir.path);
  const owner = await db.owners.registerOwner();
  const rt = createRuntime({ config, db: timed, owner, closeDb: true, plane: false, cwd: dir.path, queues: { serve: ["q"], pollMs: 1000, concurrency: CONCURRENCY } });
  const stdin = Bun.stdin.stream().getReader();
  process.stdout.write("ready\n");
  await stdin.read(); // "go"
  cpu = process.cpuUsage();
  if (mode === "drain") await rt.queues.drain();
  else {
    await rt.queues.start();
    while (!(await stdin.read()).done); // serve until the parent closes stdin
  }
  const used = process.cpuUsage(cpu);
  process.stdout.write(`${JSON.stringify({ claims, cpuMs: (used.user + used.system) / 1000 })}\n`);
  await rt.close();
  process.exit(0);
}

interface Child { proc: Bun.Subprocess<"pipe", "pipe", "inherit">; out: ReadableStreamDefaultReader<Uint8Array> }

async function spawnChildren(location: string, n: number, mode: string): Promise<Child[]> {
  const kids = Array.from({ length: n }, () => {
    const proc = Bun.spawn([process.execPath, import.meta.path, "--child", location, "--mode", mode, ...(POOL ? ["--pool", String(POOL)] : [])], { stdin: "pipe", stdout: "pipe", stderr: "inherit" });
    return { proc, out: proc.stdout.getReader() } as Child;
  });
  for (const k of kids) if (!(await readLine(k)).startsWith("ready")) throw new Error("a worker did not start");
  return kids;
}

const decoder = new TextDecoder();
const buffers = new WeakMap<Child, string>();
async function readLine(k: Child): Promise<string> {
  let buf = buffers.get(k) ?? "";
  while (!buf.includes("\n")) {
    const { value, done } = await k.out.read();
    if (done) break;
    buf += decoder.decode(value);
  }
  const i = buf.indexOf("\n");
  buffers.set(k, i < 0 ? "" : buf.slice(i + 1));
  return i < 0 ? buf : buf.slice(0, i);
}

async function enqueueAll(db: Db, n: number): Promise<void> {
  for (let i = 0; i < n; i += 1000) {
    await db.tx(async (t) => {
      for (let j = i; j < Math.min(n, i + 1000); j++) await t.tasks.insertTask({ id: `task_${j}`, queue: "q", payload: `t${j}`, enqueuedBy: "user", callback: false, at: Date.now() });
    }, { durable: true });
  }
}

/** CPU ms (user + system) of a process, and with `children` of the children it has reaped, from /proc (Linux). */
function cpuMs(pid: number, children = false): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ").map(Number);
    const ticks = f[11]! + f[12]! + (children ? f[13]! + f[14]! : 0);
    return ticks * 10; // USER_HZ = 100 on Linux
  } catch {
    return NaN; // not Linux, or the process is gone: the figure is left out
  }
}

/** CPU ms the database server has spent so far: the postmaster, its reaped backends, and the live ones. */
function serverCpuMs(postmaster: number): number {
  let total = cpuMs(postmaster, true);
  for (const line of Bun.spawnSync(["pgrep", "-P", String(postmaster)]).stdout.toString().split("\n")) if (line.trim()) total += cpuMs(Number(line));
  return total;
}

async function commits(location: string): Promise<number> {
  const sql = new Bun.SQL({ url: location, max: 1 });
  try {
    const [r] = await sql`SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()`;
    return Number(r.xact_commit);
  } finally {
    await sql.close();
  }
}

interface Rate { perSec: number; claims: number[]; commitsPerTask?: number; serverCpuPerTask?: number; workerCpuPerTask: number }

/** Tasks/s of `n` worker processes draining TASKS tasks, their claim latencies, and what each task cost. */
async function rate(location: string, n: number, postmaster?: number): Promise<Rate> {
  const db = await openAt(location, 60_000);
  await enqueueAll(db, TASKS);
  const kids = await spawnChildren(location, n, "drain");
  const pg = postmaster !== undefined;
  const [commits0, server0] = pg ? [await commits(location), serverCpuMs(postmaster)] : [0, 0];
  const t0 = performance.now();
  for (const k of kids) void k.proc.stdin.write("go\n");
  const claims: number[] = [];
  let workersCpu = 0;
  for (const k of kids) {
    const r = JSON.parse(await readLine(k)) as { claims: number[]; cpuMs: number };
    claims.push(...r.claims);
    workersCpu += r.cpuMs;
  }
  const dt = (performance.now() - t0) / 1000;
  await Promise.all(kids.map((k) => k.proc.exited));
  // The workers' backends end with their pools: then their CPU is the postmaster's children's, and their commits counted.
  await Bun.sleep(pg ? 300 : 0);
  const serverCpuPerTask = pg ? (serverCpuMs(postmaster) - server0) / TASKS : undefined;
  const commitsPerTask = pg ? (await commits(location) - commits0 - 1) / TASKS : undefined;
  const workerCpuPerTask = workersCpu / TASKS;
  const c = await db.tasks.queueCounts("q");
  const done = (await db.tasks.listTasks({ status: "done" })).length;
  await db.close();
  if (c.pending || c.running || done !== TASKS) throw new Error(`${n} workers: ${done} done, ${c.pending} pending, ${c.running} running`);
  return { perSec: TASKS / dt, claims, workerCpuPerTask, ...(pg ? { commitsPerTask, serverCpuPerTask } : {}) };
}

/** Enqueue → claim for a sleeping worker, SAMPLES times, one task at a time. */
async function pickup(location: string): Promise<number[]> {
  const db = await openAt(location, 60_000);
  const [kid] = await spawnChildren(location, 1, "serve");
  void kid!.proc.stdin.write("go\n");
  await Bun.sleep(300);
  const out: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    await Bun.sleep(30 + Math.random() * 40); // the worker is idle, waiting on its subscription
    const id = `task_p${i}`;
    await db.tx((t) => t.tasks.insertTask({ id, queue: "q", payload: `p${i}`, enqueuedBy: "user", callback: false, at: Date.now() }), { durable: true });
    const committed = Date.now();
    for (;;) {
      const row = await db.tasks.getTask(id);
      if (row?.status === "done") {
        out.push(row.started_at! - committed);
        break;
      }
      await Bun.sleep(2);
    }
  }
  void kid!.proc.stdin.end();
  await kid!.proc.exited;
  await db.close();
  return out;
}

async function parent(): Promise<void> {
  const { freshDatabase, startPostgres } = await import("../test/helpers/postgres.ts");
  const pg = await startPostgres();
  using dir = tempDir("bench-fleet");
  try {
    const sqlite = await rate(dir.join("state.db"), 1);
    const pgRates: Record<number, Rate> = {};
    for (const n of [1, 2, 4]) pgRates[n] = await rate(await freshDatabase(pg), n, pg.pid);
    const lat = await pickup(await freshDatabase(pg));
    const r1 = pgRates[1]!.perSec;
    const fmt = (x: number) => x.toFixed(0);
    console.log(`tasks/s, ${TASKS} tasks, instant in-process agent, --concurrency ${CONCURRENCY} per worker, PostgreSQL pool ${POOL ?? "default"}:`);
    console.log(`  SQLite, 1 process:      ${fmt(sqlite.perSec)}`);
    for (const n of [1, 2, 4]) {
      const r = pgRates[n]!;
      console.log(`  PostgreSQL, ${n} process${n > 1 ? "es" : "  "}: ${fmt(r.perSec)} (x${(r.perSec / r1).toFixed(2)}); claim median ${percentile(r.claims, 0.5).toFixed(2)} ms, p99 ${percentile(r.claims, 0.99).toFixed(2)} ms`);
      console.log(`      per task: ${r.commitsPerTask!.toFixed(2)} commits, ${(r.claims.length / TASKS).toFixed(2)} claims, server CPU ${r.serverCpuPerTask!.toFixed(2)} ms, workers' CPU ${r.workerCpuPerTask.toFixed(2)} ms`);
    }
    console.log(`  (SQLite, 1 process: workers' CPU ${sqlite.workerCpuPerTask.toFixed(2)} ms per task)`);
    console.log(`enqueue -> pickup by a sleeping worker (PostgreSQL NOTIFY, safety poll 60 s): median ${percentile(lat, 0.5)} ms, p90 ${percentile(lat, 0.9)} ms, max ${Math.max(...lat)} ms`);
    report("fleet", [
      { figure: "SQLite, 1 process: tasks/s", value: sqlite.perSec, unit: "tasks/s" },
      ...[1, 2, 4].map((n) => ({ figure: `PostgreSQL, ${n} worker process(es): tasks/s`, value: pgRates[n]!.perSec, unit: "tasks/s" })),
      { figure: "PostgreSQL scaling, 4 processes vs 1", value: pgRates[4]!.perSec / r1, unit: "x" },
      { figure: "PostgreSQL, 4 processes: commits per task", value: pgRates[4]!.commitsPerTask!, unit: "commits" },
      { figure: "PostgreSQL, 4 processes: server + workers' CPU per task", value: pgRates[4]!.serverCpuPerTask! + pgRates[4]!.workerCpuPerTask, unit: "ms" },
      { figure: "PostgreSQL claim latency, 4 processes: median", value: percentile(pgRates[4]!.claims, 0.5), unit: "ms" },
      { figure: "PostgreSQL claim latency, 4 processes: p99", value: percentile(pgRates[4]!.claims, 0.99), unit: "ms" },
      { figure: "enqueue to pickup, sleeping worker (NOTIFY): median", value: percentile(lat, 0.5), unit: "ms", goal: { on: "value", op: "<=", target: 20 } },
    ]);
  } finally {
    await pg.stop();
  }
}

if (arg("child")) await child(arg("child")!, arg("mode") ?? "drain");
else await parent();
