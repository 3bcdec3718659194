#!/usr/bin/env bun
// Statements per queue task on PostgreSQL (#15): one aegis runtime (queue manager, worker sessions, transcript, fenced
// finish) with an in-process instant agent drains N tasks on a private throwaway cluster that logs every statement
// (log_min_duration_statement = 0); the log is grouped by statement text and counted per task. What a task costs the
// database, free of the box's load (bench/fleet.ts has the rates, commits and CPU). Linux, as root or the postgres
// user's owner (the cluster's settings file is appended and the postmaster reloaded).
// Usage: bun bench/pg-statements.ts [--quick] [--tasks 500]

import { appendFileSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { Scripted } from "../src/config/providers.ts";
import { validateConfig } from "../src/config/validate.ts";
import { createRuntime } from "../src/runtime.ts";
import { openPgDb } from "../src/store/postgres/db.ts";
import { tempDir } from "../test/fixtures/helpers/temp-dir.ts";
import { freshDatabase, startPostgres } from "../test/helpers/postgres.ts";
import { numArg, report } from "./lib/report.ts";

const TASKS = numArg("tasks", 500, 200);

const pg = await startPostgres();
try {
  // The postmaster runs in its data folder with its log as stderr (test/helpers/postgres.ts).
  const log = readlinkSync(`/proc/${pg.pid}/fd/2`);
  appendFileSync(join(readlinkSync(`/proc/${pg.pid}/cwd`), "postgresql.auto.conf"), "\nlog_min_duration_statement = 0\n");
  process.kill(pg.pid, "SIGHUP");
  const db = await openPgDb(await freshDatabase(pg), { safetyPollMs: 60_000 });
  using dir = tempDir("bench-pg-statements");
  const config = validateConfig({ agents: { w: { provider: new Scripted({ reply: (p) => p }) } }, queues: { q: { agent: "w", maxParallel: 64 } } },
    join(dir.path, ".aegis.ts"), dir.path);
  await db.tx(async (t) => {
    for (let i = 0; i < TASKS; i++) await t.tasks.insertTask({ id: `task_${i}`, queue: "q", payload: `t${i}`, enqueuedBy: "user", callback: false, at: Date.now() });
  }, { durable: true });
  const owner = await db.owners.registerOwner();
  const rt = createRuntime({ config, db, owner, closeDb: true, plane: false, cwd: dir.path, queues: { serve: ["q"], pollMs: 1000, concurrency: 16 } });
  const from = readFileSync(log, "utf8").length;
  await rt.queues.drain();
  const text = readFileSync(log, "utf8").slice(from);
  await rt.close();
  const counts = new Map<string, number>();
  for (const m of text.matchAll(/(?:statement|execute [^:]*): ([^\n]{0,70})/g)) {
    const s = m[1]!.replace(/\$\d+/g, "?").replace(/\s+/g, " ").slice(0, 64);
    counts.set(s, (counts.get(s) ?? 0) + 1);
  }
  let total = 0;
  console.log(`PostgreSQL statements per task, ${TASKS} tasks, 1 worker process, --concurrency 16 (statements over 0.01 per task):`);
  for (const [s, n] of [...counts].sort((a, b) => b[1] - a[1])) {
    total += n;
    if (n / TASKS >= 0.01) console.log(`  ${(n / TASKS).toFixed(2).padStart(5)}  ${s}`);
  }
  console.log(`  ${(total / TASKS).toFixed(2).padStart(5)}  in all`);
  report("pg-statements", [{ figure: "PostgreSQL statements per queue task (1 process)", value: total / TASKS, unit: "statements" }]);
} finally {
  await pg.stop();
}
process.exit(0);
