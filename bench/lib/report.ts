// The one format every benchmark reports in, and its reading: a bench prints its own human lines, then calls
// `report(bench, figures)` once, which prints one final line `aegis-bench-result {json}` on stdout. The runner
// (bench/run-all.ts) reads that line, so adding a figure never means parsing prose. Ratios and whether a goal is met
// are computed here, in one place, from the figure, its baseline (measured in the same run) and its goal.
// It must not measure anything.

export const RESULT_PREFIX = "aegis-bench-result ";

/** A goal on the figure itself (`value`, e.g. ≤ 60 ms) or on its ratio to the baseline (`ratio`, e.g. ≤ 1.10). */
export interface Goal {
  on: "value" | "ratio";
  op: "<=" | ">=";
  target: number;
}

export interface Figure {
  /** What was measured, e.g. "aegis --version, median". */
  figure: string;
  value: number;
  /** "ms", "µs", "MB/s", "tasks/s", "MiB", "trials", … */
  unit: string;
  /** The same quantity measured in the same run without aegis (or with less of it); same unit as `value`. */
  baseline?: { label: string; value: number };
  goal?: Goal;
}

export interface Row extends Figure {
  bench: string;
  /** value / baseline, when there is a baseline. */
  ratio?: number;
  /** Whether the goal is met; undefined when the figure has no goal. */
  met?: boolean;
}

export interface BenchResult {
  bench: string;
  quick: boolean;
  rows: Row[];
}

/** The process's command-line flag `--quick`: small iteration counts, for CI and for checking a bench still runs. */
export const quick = process.argv.includes("--quick");

/** A numeric `--name value` argument; in quick mode `quickValue` unless the flag is given. */
export function numArg(name: string, full: number, quickValue: number = full): number {
  const i = process.argv.indexOf(name.startsWith("--") ? name : `--${name}`);
  if (i < 0) return quick ? quickValue : full;
  const n = Number(process.argv[i + 1]);
  if (!Number.isFinite(n)) throw new Error(`${name} needs a number, got "${process.argv[i + 1] ?? ""}"`);
  return n;
}

/** A string `--name value` argument, or undefined. */
export function strArg(name: string): string | undefined {
  const i = process.argv.indexOf(name.startsWith("--") ? name : `--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

export function toRow(bench: string, f: Figure): Row {
  const ratio = f.baseline && f.baseline.value !== 0 ? f.value / f.baseline.value : undefined;
  const row: Row = { bench, ...f, ...(ratio !== undefined ? { ratio } : {}) };
  if (f.goal) {
    const x = f.goal.on === "ratio" ? ratio : f.value;
    row.met = x !== undefined && Number.isFinite(x) && (f.goal.op === "<=" ? x <= f.goal.target : x >= f.goal.target);
  }
  return row;
}

/** Prints the bench's result line (the last thing a bench prints on stdout). */
export function report(bench: string, figures: Figure[]): void {
  const result: BenchResult = { bench, quick, rows: figures.map((f) => toRow(bench, f)) };
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
}

/** The result line in a bench's stdout, or undefined if it printed none (it crashed or forgot to report). */
export function parseResult(stdout: string): BenchResult | undefined {
  const line = stdout.split("\n").reverse().find((l) => l.startsWith(RESULT_PREFIX));
  if (line === undefined) return undefined;
  const r = JSON.parse(line.slice(RESULT_PREFIX.length)) as BenchResult;
  if (typeof r.bench !== "string" || !Array.isArray(r.rows)) throw new Error(`malformed bench result: ${line.slice(0, 200)}`);
  return r;
}

export function goalText(g: Goal | undefined, unit: string): string {
  if (!g) return "";
  const op = g.op === "<=" ? "≤" : "≥";
  return g.on === "ratio" ? `ratio ${op} ${g.target}` : `${op} ${g.target} ${unit}`;
}

/** A number with about three significant digits. */
export function fmtNum(n: number): string {
  const a = Math.abs(n);
  if (Number.isInteger(n) || a >= 1000) return n.toLocaleString("en-US", { maximumFractionDigits: 0 });
  if (a >= 100) return n.toFixed(0);
  if (a >= 10) return n.toFixed(1);
  if (a >= 1) return n.toFixed(2);
  return n.toPrecision(3);
}

/** The one table: bench, figure, value, baseline, ratio, goal, met. */
export function formatTable(rows: Row[]): string {
  const head = ["bench", "figure", "value", "baseline", "ratio", "goal", "met"];
  const body = rows.map((r) => [
    r.bench, r.figure, `${fmtNum(r.value)} ${r.unit}`,
    r.baseline ? `${fmtNum(r.baseline.value)} ${r.unit} (${r.baseline.label})` : "",
    r.ratio !== undefined ? `×${r.ratio.toFixed(2)}` : "",
    goalText(r.goal, r.unit), r.met === undefined ? "" : r.met ? "yes" : "NO",
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 2 || i === 4 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ").trimEnd();
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}
