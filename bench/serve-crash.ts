#!/usr/bin/env bun
// The combined crash test of #12 at CI scale: `aegis serve` SIGKILLed at random moments (--kills, default 50) while a
// schedule fires every second, detached runs sleep, wait for signals and park on a question (answered by the test) and
// a queue is busy (test/serve/fixtures/crash-scenario.ts). After the last restart it checks every fire started exactly
// one run, every timer fired once, no signal or answer was lost, no completed step ran twice. Exits 1 on a violation.
// A correctness check more than a measurement: its figures have no baseline, and a violation is a crash (exit 1).
// Usage: bun bench/serve-crash.ts [--quick] [--kills 50]

import { tempDir } from "../test/fixtures/helpers/temp-dir.ts";
import { crashScenario } from "../test/serve/fixtures/crash-scenario.ts";
import { numArg, report } from "./lib/report.ts";

const KILLS = numArg("kills", 50, 4);

using dir = tempDir("bench-serve-crash");
const t0 = performance.now();
const { violations, figures: f } = await crashScenario(dir.path, KILLS);
const s = ((performance.now() - t0) / 1000).toFixed(1);
if (violations.length > 0) {
  console.error(`serve crash test FAILED after ${KILLS} kills:\n  ${violations.join("\n  ")}`);
  process.exit(1);
}
console.log(`serve crash test: ${f.kills} SIGKILLs of aegis serve in ${s} s; ${f.attempts} run attempts in all`);
console.log(`  every fire started exactly one run: ${f.fires} fires (${f.pendingFires} not yet started at the end), ${f.tickRuns} runs, each with its one queue task (${f.tasks})`);
console.log(`  every timer fired once: ${f.timers} sleeps, each done with its timer's one wake time`);
console.log(`  no signal or answer lost or taken twice: ${f.signals} sent to ${f.durableRuns} runs, each taken by its step in order`);
console.log(`  no completed step ran twice: ${f.bashSteps} bash steps; ${f.rerunCutOff} cut off by a kill before completing and run again`);
report("serve-crash", [
  { figure: "SIGKILLs survived with every check holding", value: f.kills, unit: "kills" },
  { figure: "schedule fires, each with exactly one run", value: f.fires, unit: "fires" },
  { figure: "time per kill", value: Number(s) / KILLS, unit: "s" },
]);
