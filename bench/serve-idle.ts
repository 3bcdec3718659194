#!/usr/bin/env bun
// An idle `aegis serve` (#12), in this process (startServe, the real clock and store): 100 schedules (none due during
// the window) and 50 parked runs together (a third asleep for an hour, a third waiting for a signal, a third parked on
// a question nobody answers). For --idle seconds (default 60; 3 in --quick): CPU time per second of wall time, as % of
// one core (goal ≤ 0.5%), and RSS. Baseline: the same serve with no schedules and no runs, measured the same way.
// Usage: bun bench/serve-idle.ts [--quick] [--idle 60] [--schedules 100] [--parked 50]

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../src/config/load.ts";
import { startServe } from "../src/serve/daemon.ts";
import { listParks } from "../src/store/waits.ts";
import { numArg, report } from "./lib/report.ts";

const IDLE_S = numArg("idle", 60, 3);
const SCHEDULES = numArg("schedules", 100);
const PARKED = numArg("parked", 50);
const tmp = mkdtempSync(join(tmpdir(), "aegis-bench-serve-idle-"));

async function idle(name: string, schedules: number, parked: number): Promise<{ cpuPct: number; rssMiB: number; parks: number }> {
  const dir = join(tmp, name);
  mkdirSync(join(dir, "wf"), { recursive: true });
  // Daily at 03:00 on a day-of-month that is not today, so nothing fires during the window.
  const day = ((new Date().getUTCDate() + 14) % 28) + 1;
  const entries = Array.from({ length: schedules }, (_, i) => `s${i}: { cron: "${i % 60} 3 ${day} * *", workflow: "bench-park-${name}", tz: "UTC" }`);
  writeFileSync(join(dir, ".aegis.ts"), `import { defineConfig, Scripted } from "aegis";
export default defineConfig({ agents: { w: { provider: new Scripted({ reply: (p) => p }) } }, workflows: ["wf/"], schedules: { ${entries.join(", ")} } });
`);
  writeFileSync(join(dir, "wf", "park.ts"), `import { workflow } from "aegis";
workflow("bench-park-${name}", async (e, args) => {
  const kind = Number(args.kind ?? 2);
  if (kind === 0) return await e.sleep("1h");
  if (kind === 1) return await e.waitFor("go");
  return await e.askHuman("Ship it?", { key: "ship" });
});
`);
  const config = await loadConfig({ cwd: dir });
  const serve = await startServe({ config, graceMs: 5000, log: () => {} });
  try {
    for (let i = 0; i < parked; i++) await serve.ctx.startRun(`bench-park-${name}`, { kind: i % 3 });
    const deadline = performance.now() + 30_000;
    while (listParks(serve.rt.store).length < parked) {
      if (performance.now() > deadline) throw new Error(`only ${listParks(serve.rt.store).length} of ${parked} runs parked in 30 s`);
      await Bun.sleep(20);
    }
    await Bun.sleep(500); // let start-up work settle before measuring
    Bun.gc(true);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await Bun.sleep(IDLE_S * 1000);
    const cpu = process.cpuUsage(cpu0);
    const wallMs = performance.now() - t0;
    return { cpuPct: ((cpu.user + cpu.system) / 1000 / wallMs) * 100, rssMiB: process.memoryUsage().rss / 2 ** 20, parks: listParks(serve.rt.store).length };
  } finally {
    await serve.stop("bench over");
  }
}

try {
  const none = await idle("empty", 0, 0);
  const busy = await idle("busy", SCHEDULES, PARKED);
  console.error(`idle ${IDLE_S}s: ${SCHEDULES} schedules + ${busy.parks} parked runs ${busy.cpuPct.toFixed(3)}% of a core, RSS ${busy.rssMiB.toFixed(1)} MiB; ` +
    `empty serve ${none.cpuPct.toFixed(3)}%, RSS ${none.rssMiB.toFixed(1)} MiB`);
  if (busy.parks !== PARKED) throw new Error(`${PARKED - busy.parks} parked runs woke during the idle window`);
  report("serve-idle", [
    {
      figure: `idle serve, ${SCHEDULES} schedules + ${PARKED} parked runs, CPU over ${IDLE_S}s`, value: busy.cpuPct, unit: "% core",
      baseline: { label: "idle serve, nothing configured", value: none.cpuPct }, goal: { on: "value", op: "<=", target: 0.5 },
    },
    { figure: `idle serve, ${SCHEDULES} schedules + ${PARKED} parked runs, RSS`, value: busy.rssMiB, unit: "MiB", baseline: { label: "idle serve, nothing configured", value: none.rssMiB } },
  ]);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
