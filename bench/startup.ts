#!/usr/bin/env bun
// Start-up cost of the aegis binary: `aegis --version` and `aegis config validate` on the quickstart example, each
// against a compiled Bun hello-world built and measured in the same run (ratios, since machines are noisy).
// Usage: bun bench/startup.ts [--runs 40]   (builds dist/aegis first if it is missing)

import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..");
const runsArg = process.argv.indexOf("--runs");
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 40;
const aegis = join(ROOT, "dist", "aegis");

async function sh(cmd: string[], cwd = ROOT): Promise<void> {
  const p = Bun.spawn(cmd, { cwd, stdout: "ignore", stderr: "inherit" });
  if ((await p.exited) !== 0) throw new Error(`failed: ${cmd.join(" ")}`);
}

/** Median and p90 wall time (ms) of running `cmd` to completion, after two warm-up runs. */
async function measure(cmd: string[], cwd: string): Promise<{ median: number; p90: number }> {
  const times: number[] = [];
  for (let i = 0; i < RUNS + 2; i++) {
    const t0 = performance.now();
    const p = Bun.spawn(cmd, { cwd, stdout: "ignore", stderr: "ignore" });
    const code = await p.exited;
    const dt = performance.now() - t0;
    if (code !== 0) throw new Error(`${cmd.join(" ")} exited ${code}`);
    if (i >= 2) times.push(dt);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)]!, p90: times[Math.floor(times.length * 0.9)]! };
}

if (!existsSync(aegis)) await sh([process.execPath, "scripts/build.ts"]);
const tmp = mkdtempSync(join(tmpdir(), "aegis-bench-"));
try {
  writeFileSync(join(tmp, "hello.ts"), 'console.log("hello");\n');
  await sh([process.execPath, "build", "hello.ts", "--compile", "--bytecode", "--format=esm", "--outfile", "hello"], tmp);
  const quickstart = join(ROOT, "examples", "quickstart");
  const hello = await measure([join(tmp, "hello")], tmp);
  const version = await measure([aegis, "--version"], tmp);
  const validate = await measure([aegis, "config", "validate"], quickstart);
  const row = (name: string, m: { median: number; p90: number }) =>
    `${name.padEnd(34)} median ${m.median.toFixed(1).padStart(6)} ms   p90 ${m.p90.toFixed(1).padStart(6)} ms   ×${(m.median / hello.median).toFixed(2)} of baseline`;
  console.log(`startup (${RUNS} runs each, after 2 warm-ups)`);
  console.log(row("bun hello-world (baseline)", hello));
  console.log(row("aegis --version", version));
  console.log(row("aegis config validate (quickstart)", validate));
  const ratio = version.median / hello.median;
  console.log(`aegis --version / baseline = ${ratio.toFixed(2)} (goal ≤ 3.00): ${ratio <= 3 ? "ok" : "OVER"}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
