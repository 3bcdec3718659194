#!/usr/bin/env bun
// Runs every benchmark in bench/ (or the ones named) one after another, each in its own process, and prints one table
// on stdout: bench, figure, value, baseline (measured in the same run), ratio, goal, met. Each bench's own lines go to
// stderr as it runs.
//   --quick   small iteration counts (every bench supports it): checks in seconds that each bench still runs; its
//             figures are rough.
//   --strict  a goal not met fails the run too. Without it only a crash fails (exit 1): these machines are shared
//             and noisy, so a missed goal is reported (met: NO), not fatal — in quick mode its figures mean little.
//   --json    print the rows as JSON instead of the table.
// A crash is a bench that exits non-zero, prints no result line (lib/report.ts) or runs past its time limit.
// Usage: bun bench/run-all.ts [--quick] [--strict] [--json] [bench-name ...]   (npm run bench -- --quick)

import { formatTable } from "./lib/report.ts";
import { benchName, listBenches, runBench, summarize, type BenchRun } from "./lib/runner.ts";

const argv = process.argv.slice(2);
const flags = new Set(argv.filter((a) => a.startsWith("--")));
const unknown = [...flags].filter((f) => !["--quick", "--strict", "--json"].includes(f));
const all = listBenches();
const names = argv.filter((a) => !a.startsWith("--"));
const missing = names.filter((n) => !all.some((f) => benchName(f) === n));
if (unknown.length > 0 || missing.length > 0) {
  console.error(`${unknown.length ? `unknown option ${unknown.join(", ")}` : `no bench ${missing.join(", ")}`}; ` +
    `usage: bun bench/run-all.ts [--quick] [--strict] [--json] [bench ...]; benches: ${all.map(benchName).join(", ")}`);
  process.exit(2);
}
const quick = flags.has("--quick");
const files = names.length ? all.filter((f) => names.includes(benchName(f))) : all;

const runs: BenchRun[] = [];
const t0 = performance.now();
for (const file of files) {
  console.error(`\n== ${benchName(file)}${quick ? " (quick)" : ""}`);
  const run = await runBench(file, { quick, timeoutMs: (quick ? 180 : 3600) * 1000 });
  if (run.crash) console.error(`!! ${run.bench} CRASHED: ${run.crash}`);
  runs.push(run);
}

const { rows, crashed, missed, exitCode } = summarize(runs, { strict: flags.has("--strict") });
if (flags.has("--json")) {
  console.log(JSON.stringify({ quick, rows, crashed: crashed.map((r) => ({ bench: r.bench, crash: r.crash })) }, null, 2));
} else {
  console.log(`\n${quick ? "quick run (small counts: rough figures) — " : ""}${files.length} benches in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  console.log(formatTable(rows));
  for (const r of crashed) console.log(`${r.bench}: CRASHED (${r.crash})`);
  if (missed.length) console.log(`${missed.length} goal(s) not met${flags.has("--strict") ? "" : " (reported, not fatal; --strict makes them fail)"}`);
}
process.exit(exitCode);
