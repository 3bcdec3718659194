#!/usr/bin/env bun
// `aegis ui` under load (#14): 100 live sessions each streaming 50 events/s (5,000 events/s in all, written into the
// state database by bench/lib/tui-feed.ts, one write batch per 20 ms tick) while the dashboard shows them, with one
// session's transcript open (the selection moves to another session half-way, so its backlog is read too).
// Figures: frames per second the pane receives (OpenTUI's synchronized-output frames, via tmux pipe-pane; goal ≥ 30),
// the UI's CPU while streaming, and events dropped from the open transcripts (goal 0): the dashboard runs from
// source under bench/lib/tui-probe.ts, which counts every row each transcript view folds, compared with the rows
// the database holds for that session afterwards. Baseline for the frame rate, in the same run: aegis's screen with
// one text changed every millisecond (bench/lib/opentui-ceiling.ts), i.e. what OpenTUI draws at most here.
// --pg: the project's state on PostgreSQL (a throwaway cluster; the feed writes through the store contract).
// Usage: bun bench/tui-stream.ts [--quick] [--pg] [--seconds 10] [--sessions 100] [--rate 50]

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openPgDb } from "../src/store/postgres/db.ts";
import { sqliteDb } from "../src/store/sqlite/db.ts";
import { openStore } from "../src/store/store.ts";
import { freshDatabase, startPostgres } from "../test/helpers/postgres.ts";
import { Tmux, TMUX_MISSING } from "../test/fixtures/helpers/tmux.ts";
import { numArg, report } from "./lib/report.ts";
import { startFeed } from "./lib/tui-feed-client.ts";
import { countFrames, cpuSeconds, fileSize, readFrom, writeBenchProject } from "./lib/tui-term.ts";

const SECONDS = numArg("seconds", 10, 3);
const SESSIONS = numArg("sessions", 100);
const RATE = numArg("rate", 50);
if (TMUX_MISSING) throw new Error(TMUX_MISSING);
const tmp = mkdtempSync(join(tmpdir(), "aegis-bench-tui-stream-"));
const cluster = process.argv.includes("--pg") ? await startPostgres() : undefined;
const on = cluster ? " (PostgreSQL)" : "";

interface Window { frames: number; seconds: number; cpuPct: number }

/** Counts the frames `t`'s pane receives and the CPU its program uses while `during` runs. */
async function window(t: Tmux, log: string, during: () => Promise<unknown>): Promise<Window> {
  const pid = await t.programPid();
  const from = fileSize(log);
  const t0 = performance.now();
  const c0 = cpuSeconds(pid);
  await during();
  const seconds = (performance.now() - t0) / 1000;
  return { frames: countFrames(readFrom(log, from)), seconds, cpuPct: ((cpuSeconds(pid) - c0) / seconds) * 100 };
}

async function ceiling(): Promise<Window> {
  const t = new Tmux();
  const log = join(tmp, "ceiling.log");
  try {
    await t.start([process.execPath, join(import.meta.dir, "lib", "opentui-ceiling.ts")], { cwd: tmp, env: { NO_COLOR: "1" } });
    await t.waitForText("frame source");
    await t.pipeTo(log);
    const w = await window(t, log, () => Bun.sleep(SECONDS * 1000));
    await t.send(["q"]);
    await t.exitCode();
    return w;
  } finally {
    await t.close();
  }
}

async function dashboard(): Promise<{ w: Window; dropped: number; checked: { handle: string; rows: number; inDb: number; outOfOrder: number }[]; written: number; feedSeconds: number }> {
  const project = join(tmp, "project");
  const url = cluster ? await freshDatabase(cluster) : undefined;
  writeBenchProject(project, [], url);
  const feed = await startFeed(project, ["--sessions", String(SESSIONS)], url);
  const t = new Tmux();
  const log = join(tmp, "dashboard.log");
  const stats = join(tmp, "probe.json");
  try {
    await t.start([process.execPath, join(import.meta.dir, "lib", "tui-probe.ts"), project, stats], { cwd: project, env: { NO_COLOR: "1" } });
    await t.waitForText(`${SESSIONS} live sessions`, 30_000);
    await t.waitForText("feed-000 · transcript");
    await t.pipeTo(log);
    let streamed: Awaited<ReturnType<typeof feed.stream>> | undefined;
    const w = await window(t, log, async () => {
      const half = setTimeout(() => void t.send(["Down"]), (SECONDS * 1000) / 2);
      streamed = await feed.stream(SECONDS, RATE);
      clearTimeout(half);
    });
    // Let the dashboard catch up with the last batch: the open transcript ends with the turn's usage line.
    await t.waitForText("feed-001 · transcript");
    await t.waitForText("turn 1:", 30_000);
    await t.send(["q"]);
    if ((await t.exitCode()) !== 0) throw new Error(`the dashboard exited non-zero: ${t.stderr()}`);
    const probe = JSON.parse(readFileSync(stats, "utf8")) as { sessions: Record<string, { rows: number; lastId: number; outOfOrder: number }> };
    const db = url ? await openPgDb(url) : sqliteDb(openStore(join(project, ".aegis", "state.db")));
    try {
      // feed-000 was open until the selection moved: every row up to the last it got must be there. feed-001 was
      // open from then to the end: all of its rows, the backlog included.
      const checked = await Promise.all(feed.sessions.slice(0, 2).map(async (id, i) => {
        const all = await db.events.listEvents(id, 0, 1_000_000);
        const seen = probe.sessions[id] ?? { rows: 0, lastId: 0, outOfOrder: 0 };
        const inDb = i === 0 ? all.filter((r) => r.id <= seen.lastId).length : all.length;
        return { handle: `feed-00${i}`, rows: seen.rows, inDb, outOfOrder: seen.outOfOrder };
      }));
      const written = Object.values(streamed!.events).reduce((a, b) => a + b, 0);
      const dropped = checked.reduce((n, c) => n + Math.max(0, c.inDb - c.rows) + c.outOfOrder, 0);
      return { w, dropped, checked, written, feedSeconds: streamed!.seconds };
    } finally {
      await db.close();
    }
  } finally {
    await t.close();
    await feed.stop();
  }
}

try {
  const base = await ceiling();
  const d = await dashboard();
  const fps = (w: Window) => w.frames / w.seconds;
  console.log(`tui stream${on}: ${SESSIONS} sessions × ${RATE} events/s for ${SECONDS}s (${d.written} events written in ${d.feedSeconds.toFixed(1)}s, ` +
    `${(d.written / d.feedSeconds).toFixed(0)}/s)`);
  console.log(`  dashboard: ${fps(d.w).toFixed(1)} frames/s, CPU ${d.w.cpuPct.toFixed(1)}% of a core`);
  console.log(`  OpenTUI ceiling (one text changed every ms): ${fps(base).toFixed(1)} frames/s, CPU ${base.cpuPct.toFixed(1)}%`);
  for (const c of d.checked) console.log(`  ${c.handle}: ${c.rows} rows folded by its transcript view, ${c.inDb} in the database while it was open, ${c.outOfOrder} out of order`);
  report("tui-stream", [
    { figure: `aegis ui${on}, ${SESSIONS} sessions × ${RATE} events/s, frames/s`, value: fps(d.w), unit: "fps", baseline: { label: "OpenTUI ceiling, aegis screen", value: fps(base) }, goal: { on: "value", op: ">=", target: 30 } },
    { figure: `aegis ui${on}, ${SESSIONS} sessions × ${RATE} events/s, CPU`, value: d.w.cpuPct, unit: "% core", baseline: { label: "OpenTUI ceiling, aegis screen", value: base.cpuPct } },
    { figure: `events dropped from the open transcripts${on}`, value: d.dropped, unit: "events", goal: { on: "value", op: "<=", target: 0 } },
  ]);
  if (d.dropped > 0) throw new Error(`${d.dropped} events dropped from the open transcripts: ${JSON.stringify(d.checked)}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
  await cluster?.stop();
}
