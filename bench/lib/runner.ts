// Runs benchmarks for bench/run-all.ts: finds every bench/*.ts, runs each in a process of its own (the bun running
// this, not whatever `bun` is on PATH), passes `--quick` through, shows the bench's own lines as they come (on
// stderr) and reads its result line (lib/report.ts). A bench that exits non-zero, prints no result line or outlives
// its time limit has crashed. It must not decide what a failure means for the exit code (run-all.ts does).

import { readdirSync } from "node:fs";
import { basename, join } from "node:path";
import { parseResult, RESULT_PREFIX, type BenchResult, type Row } from "./report.ts";

export const BENCH_DIR = join(import.meta.dir, "..");
/** Files in bench/ that are not benchmarks. */
const NOT_BENCHES = new Set(["run-all.ts"]);

/** Every benchmark in `dir` (its *.ts files but the runner), by path, sorted. */
export function listBenches(dir = BENCH_DIR): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts") && !NOT_BENCHES.has(e.name))
    .map((e) => join(dir, e.name))
    .sort();
}

export const benchName = (file: string) => basename(file, ".ts");

export interface BenchRun {
  bench: string;
  seconds: number;
  result?: BenchResult;
  /** Why the bench counts as crashed; undefined when it reported. */
  crash?: string;
}

export interface RunOptions {
  quick: boolean;
  timeoutMs: number;
  /** Where the bench's own output goes (default stderr, so stdout keeps only the table). */
  echo?: (text: string) => void;
  /** Extra arguments for every bench. */
  args?: string[];
}

export async function runBench(file: string, opts: RunOptions): Promise<BenchRun> {
  const bench = benchName(file);
  const echo = opts.echo ?? ((t: string) => void process.stderr.write(t));
  const t0 = performance.now();
  const p = Bun.spawn([process.execPath, file, ...(opts.quick ? ["--quick"] : []), ...(opts.args ?? [])], {
    cwd: BENCH_DIR, stdin: "ignore", stdout: "pipe", stderr: "pipe",
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    p.kill("SIGKILL");
  }, opts.timeoutMs);
  // Line by line, so the result line is never shown however the output is chunked.
  const pump = async (stream: ReadableStream<Uint8Array>, keep: boolean): Promise<string> => {
    let all = "";
    let partial = "";
    const decoder = new TextDecoder();
    const show = (line: string) => {
      if (!line.startsWith(RESULT_PREFIX)) echo(`${line}\n`);
    };
    for await (const chunk of stream) {
      const text = decoder.decode(chunk, { stream: true });
      if (keep) all += text;
      const lines = (partial + text).split("\n");
      partial = lines.pop()!;
      lines.forEach(show);
    }
    if (partial) show(partial);
    return all;
  };
  const [stdout, , code] = await Promise.all([pump(p.stdout, true), pump(p.stderr, false), p.exited]);
  clearTimeout(timer);
  const seconds = (performance.now() - t0) / 1000;
  if (timedOut) return { bench, seconds, crash: `no result within ${opts.timeoutMs / 1000} s (killed)` };
  if (code !== 0) return { bench, seconds, crash: `exited with ${p.signalCode ?? code}` };
  try {
    const result = parseResult(stdout);
    if (!result) return { bench, seconds, crash: "exited 0 without a result line (it must call report() from bench/lib/report.ts)" };
    return { bench, seconds, result };
  } catch (err) {
    return { bench, seconds, crash: (err as Error).message };
  }
}

export interface Summary {
  rows: Row[];
  crashed: BenchRun[];
  /** Rows whose goal is not met. */
  missed: Row[];
  /** 1 when a bench crashed, or (strict) when a goal is not met; else 0. */
  exitCode: 0 | 1;
}

/** What a set of runs comes to: a crash always fails; a missed goal only with `strict` (machines here are noisy). */
export function summarize(runs: BenchRun[], opts: { strict: boolean }): Summary {
  const rows = runs.flatMap((r) => r.result?.rows ?? []);
  const crashed = runs.filter((r) => r.crash !== undefined);
  const missed = rows.filter((r) => r.met === false);
  return { rows, crashed, missed, exitCode: crashed.length > 0 || (opts.strict && missed.length > 0) ? 1 : 0 };
}
