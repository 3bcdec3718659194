#!/usr/bin/env bun
// The crash test at CI scale: `aegis work --until-idle` in a child process, SIGKILLed at random moments (once or
// twice per trial) and restarted, for --trials trials (default 50). Every trial checks that each task ended in exactly
// one terminal state, done results are the worker's replies, and each callback task has exactly one callback message.
// Exits 1 on the first violation (printing the seed to replay it). Prints how often a kill hit work in flight.
// A correctness check more than a measurement: its figures have no baseline, and a violation is a crash (exit 1).
// Usage: bun bench/queue-crash.ts [--quick] [--trials 50] [--tasks 40] [--seed n]

import { tempDir } from "../test/fixtures/helpers/temp-dir.ts";
import { crashTrial, seeded } from "../test/queue/fixtures/crash-harness.ts";
import { writeProject } from "../test/queue/fixtures/project.ts";
import { numArg, report } from "./lib/report.ts";

const TRIALS = numArg("trials", 50, 4);
const TASKS = numArg("tasks", 40, 12);
const SEED = numArg("seed", Date.now() % 1_000_000);

using dir = tempDir("bench-crash");
const project = writeProject(dir.path, { delayMs: 30, maxParallel: 4 });
const rng = seeded(SEED);
const totals = { tasks: 0, kills: 0, done: 0, interrupted: 0, reruns: 0, trialsHit: 0 };
const t0 = performance.now();
for (let t = 0; t < TRIALS; t++) {
  try {
    const r = await crashTrial(project, dir.join(`trial-${t}`), { tasks: TASKS, maxKillMs: 700, rng });
    totals.tasks += r.tasks;
    totals.kills += r.kills;
    totals.done += r.done;
    totals.interrupted += r.interrupted;
    totals.reruns += r.reruns;
    if (r.interrupted > 0 || r.reruns > 0) totals.trialsHit++;
  } catch (err) {
    console.error(`trial ${t} FAILED (seed ${SEED}): ${(err as Error).message}`);
    process.exit(1);
  }
}
const s = ((performance.now() - t0) / 1000).toFixed(1);
console.log(`crash test: ${TRIALS} trials, ${totals.kills} SIGKILLs, ${totals.tasks} tasks in ${s} s (seed ${SEED})`);
console.log(`  every task ended exactly once: ${totals.done} done, ${totals.interrupted} failed as interrupted; no callback lost or doubled`);
console.log(`  kills that hit work in flight: ${totals.trialsHit} of ${TRIALS} trials; runs restarted after a kill: ${totals.reruns}`);
report("queue-crash", [
  { figure: "trials where every task ended exactly once", value: TRIALS, unit: "trials" },
  { figure: "SIGKILLs survived", value: totals.kills, unit: "kills" },
  { figure: "time per trial", value: Number(s) / TRIALS, unit: "s" },
]);
