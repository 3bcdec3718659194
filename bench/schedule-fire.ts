#!/usr/bin/env bun
// Schedules under `aegis serve` (#12), in this process (startServe, the real clock and store):
//   1. fire latency: an every-second schedule's workflow starts with a bash step; the time from the fire's scheduled
//      time to that step's start, per fire (goal: median ≤ 50 ms). Baseline: the same workflow started directly
//      through the serve's startRun, from the call to its first step.
//   2. idle cost: a serve holding 100 schedules (none due during the window) for --idle seconds: CPU time per second
//      of wall time, as % of one core (goal ≤ 0.5%), and RSS. Baseline: the same serve with no schedules.
// Usage: bun bench/schedule-fire.ts [--quick] [--fires 20] [--idle 60]

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../src/config/load.ts";
import { startServe } from "../src/serve/daemon.ts";
import { listSteps } from "../src/store/runs.ts";
import { listFires } from "../src/store/schedules.ts";
import { timing } from "./lib/measure.ts";
import { numArg, report } from "./lib/report.ts";

const FIRES = numArg("--fires", 20, 3);
const IDLE_S = numArg("--idle", 60, 5);
const tmp = mkdtempSync(join(tmpdir(), "aegis-bench-schedules-"));

function project(name: string, schedules: string): string {
  const dir = join(tmp, name);
  mkdirSync(join(dir, "wf"), { recursive: true });
  writeFileSync(join(dir, ".aegis.ts"), `import { defineConfig, Scripted } from "aegis";
export default defineConfig({ agents: { w: { provider: new Scripted({ reply: (p) => p }) } }, workflows: ["wf/"], schedules: ${schedules} });
`);
  writeFileSync(join(dir, "wf", "tick.ts"), `import { workflow } from "aegis";
workflow("bench-tick-${name}", async (e) => (await e.bash("true")).exitCode);
`);
  return dir;
}

async function until<T>(fn: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(5);
  }
}

/** ms from `from` to the start of the run's first step. */
async function firstStepAfter(store: Parameters<typeof listSteps>[0], runId: string, from: number): Promise<number> {
  const step = await until(() => listSteps(store, runId)[0], 10_000, `run ${runId}'s first step`);
  return step.started_at - from;
}

async function fireLatency(): Promise<{ fires: number[]; direct: number[] }> {
  const config = await loadConfig({ cwd: project("latency", `{ tick: { cron: "* * * * * *", workflow: "bench-tick-latency", overlap: "allow", catchUp: "none" } }`) });
  const serve = await startServe({ config, graceMs: 5000, log: () => {} });
  try {
    const fires: number[] = [];
    while (fires.length < FIRES) {
      const fire = await until(() => listFires(serve.rt.store, "tick").filter((f) => f.run_id)[fires.length + 1], 5000, "the next fire");
      fires.push(await firstStepAfter(serve.rt.store, fire.run_id!, fire.scheduled_at));
    }
    const direct: number[] = [];
    for (let i = 0; i < FIRES; i++) {
      const t0 = Date.now();
      const runId = await serve.ctx.startRun("bench-tick-latency", {});
      direct.push(await firstStepAfter(serve.rt.store, runId, t0));
    }
    return { fires, direct };
  } finally {
    await serve.stop("bench over");
  }
}

async function idle(schedules: number): Promise<{ cpuPct: number; rssMiB: number }> {
  // Daily at 03:00 on a day-of-month that is not today, so nothing fires during the window.
  const day = ((new Date().getUTCDate() + 14) % 28) + 1;
  const entries = Array.from({ length: schedules }, (_, i) => `s${i}: { cron: "${i % 60} 3 ${day} * *", workflow: "bench-tick-idle-${schedules}", tz: "UTC" }`);
  const config = await loadConfig({ cwd: project(`idle-${schedules}`, `{ ${entries.join(", ")} }`) });
  const serve = await startServe({ config, graceMs: 5000, log: () => {} });
  try {
    await Bun.sleep(500); // let start-up work settle before measuring
    Bun.gc(true);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await Bun.sleep(IDLE_S * 1000);
    const cpu = process.cpuUsage(cpu0);
    const wallMs = performance.now() - t0;
    return { cpuPct: ((cpu.user + cpu.system) / 1000 / wallMs) * 100, rssMiB: process.memoryUsage().rss / 2 ** 20 };
  } finally {
    await serve.stop("bench over");
  }
}

try {
  const { fires, direct } = await fireLatency();
  const f = timing(fires);
  const d = timing(direct);
  console.error(`fire latency over ${FIRES} fires: median ${f.median.toFixed(1)} ms, p90 ${f.p90.toFixed(1)} ms; direct start: median ${d.median.toFixed(1)} ms`);
  const none = await idle(0);
  const many = await idle(100);
  console.error(`idle ${IDLE_S}s: 100 schedules ${many.cpuPct.toFixed(3)}% of a core, RSS ${many.rssMiB.toFixed(1)} MiB; no schedules ${none.cpuPct.toFixed(3)}%, RSS ${none.rssMiB.toFixed(1)} MiB`);
  report("schedule-fire", [
    {
      figure: "schedule fire: scheduled time to the run's first step, median", value: f.median, unit: "ms",
      baseline: { label: "startRun to the first step", value: d.median }, goal: { on: "value", op: "<=", target: 50 },
    },
    {
      figure: `idle serve with 100 schedules, CPU over ${IDLE_S}s`, value: many.cpuPct, unit: "% core",
      baseline: { label: "idle serve, no schedules", value: none.cpuPct }, goal: { on: "value", op: "<=", target: 0.5 },
    },
    { figure: "idle serve with 100 schedules, RSS", value: many.rssMiB, unit: "MiB", baseline: { label: "idle serve, no schedules", value: none.rssMiB } },
  ]);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
