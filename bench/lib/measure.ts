// Shared pieces of the benchmarks that run whole commands: wall-time measurement after warm-ups, the aegis binary
// under test (`--bin`, else compiled fresh, never a stale dist/), and the environment a fake CLI needs. It must not
// print; the benches report through report.ts.

import { existsSync, mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { compileAegis } from "../../scripts/compile.ts";
import { strArg } from "./report.ts";

export interface Timing { median: number; p90: number }

/** Median and p90 wall time (ms) of running `cmd` to completion `runs` times, after two warm-up runs. */
export async function measureCommand(cmd: string[], cwd: string, runs: number): Promise<Timing> {
  const times: number[] = [];
  for (let i = 0; i < runs + 2; i++) {
    const t0 = performance.now();
    const p = Bun.spawn(cmd, { cwd, stdout: "ignore", stderr: "ignore" });
    const code = await p.exited;
    const dt = performance.now() - t0;
    if (code !== 0) throw new Error(`${cmd.join(" ")} exited ${code}`);
    if (i >= 2) times.push(dt);
  }
  return timing(times);
}

/** Median and p90 of samples. */
export function timing(samples: number[]): Timing {
  const times = [...samples].sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)]!, p90: times[Math.min(times.length - 1, Math.floor(times.length * 0.9))]! };
}

/** One aligned result line: name, median, p90, and the ratio to a baseline median. */
export function timingRow(name: string, m: Timing, baseline: Timing, width = 36): string {
  return `${name.padEnd(width)} median ${m.median.toFixed(1).padStart(6)} ms   p90 ${m.p90.toFixed(1).padStart(6)} ms   ×${(m.median / baseline.median).toFixed(2)}`;
}

/** The aegis binary to measure: `--bin <path>`, else src/main.ts compiled now into `dir`. */
export async function aegisBinary(dir: string): Promise<string> {
  const given = strArg("--bin");
  if (given) return given;
  const out = join(dir, "aegis");
  await compileAegis(out);
  return out;
}

/**
 * `env` with the running bun first on PATH, as `bun`: the fake CLIs in test/fixtures/bin are `#!/usr/bin/env bun`
 * scripts, and a bench must not depend on a `bun` the user happens to have on PATH. The running executable may not be
 * called `bun` (npm's package installs `bun.exe`), so a `bun` symlink to it is made in `dir`.
 */
export function withBunOnPath(dir: string, env: Record<string, string> = {}): Record<string, string> {
  const bin = join(dir, "bun-on-path");
  mkdirSync(bin, { recursive: true });
  if (!existsSync(join(bin, "bun"))) symlinkSync(process.execPath, join(bin, "bun"));
  return { ...env, PATH: `${bin}:${env.PATH ?? process.env.PATH ?? "/usr/bin:/bin"}` };
}
