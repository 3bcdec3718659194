// The benchmark runner (bench/run-all.ts, bench/lib/): it runs every bench/*.ts, so a new bench cannot be forgotten;
// each bench reports through the one result line; a bench that fails, reports nothing or hangs is a crash; a missed
// goal fails only with --strict. (#9)

import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { formatTable, toRow } from "../../bench/lib/report.ts";
import { BENCH_DIR, benchName, listBenches, runBench, summarize } from "../../bench/lib/runner.ts";

const FIXTURES = join(import.meta.dir, "..", "fixtures", "bench");
const quiet = { echo: () => {} };

describe("the bench runner (#9)", () => {
  test("lists every bench/*.ts file but itself, and each of them reports through lib/report.ts", () => {
    const onDisk = readdirSync(BENCH_DIR).filter((f) => f.endsWith(".ts") && f !== "run-all.ts").sort();
    expect(onDisk.length).toBeGreaterThanOrEqual(9);
    expect(listBenches().map((f) => `${benchName(f)}.ts`)).toEqual(onDisk);
    for (const file of listBenches()) {
      const src = readFileSync(file, "utf8");
      expect({ file, imports: src.includes('from "./lib/report.ts"') }).toEqual({ file, imports: true });
      expect({ file, reports: /\breport\(/.test(src) }).toEqual({ file, reports: true });
      expect({ file, usage: /Usage: bun bench\/\S+ \[--quick\]/.test(src) }).toEqual({ file, usage: true });
    }
  });

  test("reads a bench's rows, passes --quick, and keeps the result line out of what it shows", async () => {
    const shown: string[] = [];
    const run = await runBench(join(FIXTURES, "reports.ts"), { quick: true, timeoutMs: 30_000, echo: (t) => shown.push(t) });
    expect(run.crash).toBeUndefined();
    expect(run.result).toMatchObject({ bench: "reports", quick: true });
    expect(run.result!.rows).toEqual([
      { bench: "reports", figure: "time", value: 12, unit: "ms", baseline: { label: "nothing", value: 4 }, ratio: 3, goal: { on: "value", op: "<=", target: 10 }, met: false },
      { bench: "reports", figure: "rate", value: 300, unit: "MB/s", baseline: { label: "JSON.parse", value: 600 }, ratio: 0.5, goal: { on: "ratio", op: ">=", target: 0.4 }, met: true },
    ]);
    expect(shown.join("")).toBe("fixture bench, quick=true\n");
  });

  test("a bench that throws, exits 0 without a result or outlives its limit is a crash", async () => {
    const throws = await runBench(join(FIXTURES, "throws.ts"), { quick: true, timeoutMs: 30_000, ...quiet });
    expect(throws.crash).toBe("exited with 1");
    const silent = await runBench(join(FIXTURES, "silent.ts"), { quick: true, timeoutMs: 30_000, ...quiet });
    expect(silent.crash).toStartWith("exited 0 without a result line");
    const hangs = await runBench(join(FIXTURES, "hangs.ts"), { quick: true, timeoutMs: 500, ...quiet });
    expect(hangs.crash).toBe("no result within 0.5 s (killed)");
  });

  test("only a crash fails the run; a missed goal fails it with --strict", async () => {
    const ok = await runBench(join(FIXTURES, "reports.ts"), { quick: true, timeoutMs: 30_000, ...quiet });
    const crashed = { bench: "throws", seconds: 0.1, crash: "exited with 1" };
    expect(summarize([ok], { strict: false })).toMatchObject({ exitCode: 0, missed: [{ figure: "time" }] });
    expect(summarize([ok], { strict: true }).exitCode).toBe(1);
    expect(summarize([ok, crashed], { strict: false })).toMatchObject({ exitCode: 1, crashed: [crashed] });
  });

  test("prints one table with figure, value, baseline, ratio, goal and met", () => {
    const table = formatTable([
      toRow("startup", { figure: "aegis --version", value: 4.5, unit: "ms", baseline: { label: "hello", value: 3 }, goal: { on: "ratio", op: "<=", target: 3 } }),
      toRow("queue-crash", { figure: "trials", value: 4, unit: "trials" }),
    ]).split("\n");
    expect(table[0]).toMatch(/^bench\s+figure\s+value\s+baseline\s+ratio\s+goal\s+met$/);
    expect(table[2]).toMatch(/^startup\s+aegis --version\s+4\.50 ms\s+3 ms \(hello\)\s+×1\.50\s+ratio ≤ 3\s+yes$/);
    expect(table[3]).toMatch(/^queue-crash\s+trials\s+4 trials$/);
  });
});
