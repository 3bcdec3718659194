// Wall-time measurement of whole commands for the start-up benchmarks: run to completion, after warm-ups.

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
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)]!, p90: times[Math.floor(times.length * 0.9)]! };
}

/** One aligned result line: name, median, p90, and the ratio to a baseline median. */
export function timingRow(name: string, m: Timing, baseline: Timing, width = 36): string {
  return `${name.padEnd(width)} median ${m.median.toFixed(1).padStart(6)} ms   p90 ${m.p90.toFixed(1).padStart(6)} ms   ×${(m.median / baseline.median).toFixed(2)}`;
}
