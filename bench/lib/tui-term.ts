// Shared by the terminal UI benches (bench/tui-*.ts): a project folder for them, reading what a program wrote to its
// tmux pane (tmux pipe-pane into a file: text with the escape sequences stripped, and frames counted as OpenTUI's
// synchronized-output openings ESC[?2026h, one per frame it draws), and a process's CPU time from /proc. It must not
// print; the benches report through report.ts.

import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** A project for the benches: one Scripted agent and `queues` (names), nothing else. */
/** `url`: keep the project's state in that PostgreSQL database (store.url). */
export function writeBenchProject(dir: string, queues: string[] = [], url?: string): void {
  mkdirSync(dir, { recursive: true });
  const q = queues.map((n) => `${n}: { agent: "feed", maxParallel: 1 }`).join(", ");
  const store = url ? `, store: { url: ${JSON.stringify(url)} }` : "";
  writeFileSync(join(dir, ".aegis.ts"), `import { defineConfig, Scripted } from "aegis";
export default defineConfig({ agents: { feed: { provider: new Scripted({ reply: (p) => p }) } }, queues: { ${q} }${store} });
`);
}

// oxlint-disable-next-line no-control-regex -- ESC starts every sequence this strips
const ESCAPES = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|P[^\x1b]*\x1b\\|[@-Z\\-_])/g;

/** Terminal output with its escape sequences removed (what is left is the text drawn, in drawing order). */
export function stripEscapes(raw: string): string {
  return raw.replace(ESCAPES, "");
}

/** Bytes of `file` from `from` on ("" while it does not exist yet). */
export function readFrom(file: string, from = 0): string {
  if (!existsSync(file)) return "";
  const buf = readFileSync(file);
  return buf.subarray(Math.min(from, buf.length)).toString("utf8");
}

export function fileSize(file: string): number {
  return existsSync(file) ? statSync(file).size : 0;
}

/** Frames in pane output: OpenTUI wraps each frame it draws in synchronized output (ESC[?2026h … ESC[?2026l). */
export function countFrames(raw: string): number {
  let n = 0;
  for (let i = raw.indexOf("\x1b[?2026h"); i >= 0; i = raw.indexOf("\x1b[?2026h", i + 1)) n++;
  return n;
}

/**
 * Polls `file` (every ms) until its text from `from` on, escapes stripped, contains `marker`; returns
 * performance.now() at that moment. Throws after `timeoutMs` with what was seen.
 */
export async function timeWhenShown(file: string, marker: string, from: number, timeoutMs = 10_000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const now = performance.now();
    if (stripEscapes(readFrom(file, from)).includes(marker)) return now;
    if (now > deadline) throw new Error(`"${marker}" not drawn within ${timeoutMs} ms; the pane got:\n${stripEscapes(readFrom(file, from)).slice(-2000)}`);
    await Bun.sleep(1);
  }
}

/** The clock ticks per second /proc counts CPU time in (USER_HZ; 100 on Linux). */
export const CLK_TCK = (() => {
  const r = Bun.spawnSync(["getconf", "CLK_TCK"]);
  const n = Number(r.stdout.toString().trim());
  return Number.isFinite(n) && n > 0 ? n : 100;
})();

/** User + system CPU time of `pid` so far, in seconds (its own threads; not its children). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // After the command name: state is field 3, so utime (14) and stime (15) are at 11 and 12 here.
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** CPU use of `pid` over `seconds` of wall time, as % of one core. */
export async function cpuPercent(pid: number, seconds: number): Promise<number> {
  const c0 = cpuSeconds(pid);
  const t0 = performance.now();
  await Bun.sleep(seconds * 1000);
  return ((cpuSeconds(pid) - c0) / ((performance.now() - t0) / 1000)) * 100;
}
