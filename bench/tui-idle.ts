#!/usr/bin/env bun
// An idle `aegis ui` (#14): the compiled binary in a tmux pane showing 20 live sessions and 3 queues with tasks
// (written by bench/lib/tui-feed.ts, which then writes nothing), measured from /proc/<pid>/stat: CPU time over
// --idle seconds of wall time (default 20; 3 in --quick), as % of one core (goal ≤ 1%), and its RSS. Baseline,
// measured the same way in the same run: the dashboard of an empty project with the same queues configured.
// --pg: the projects' state on PostgreSQL (a throwaway cluster; the UI then waits for the database's notifications).
// Usage: bun bench/tui-idle.ts [--quick] [--pg] [--idle 20] [--bin path/to/aegis]

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Tmux, TMUX_MISSING } from "../test/fixtures/helpers/tmux.ts";
import { aegisBinary } from "./lib/measure.ts";
import { numArg, report } from "./lib/report.ts";
import { startFeed, type Feed } from "./lib/tui-feed-client.ts";
import { cpuPercent, writeBenchProject } from "./lib/tui-term.ts";
import { freshDatabase, startPostgres } from "../test/helpers/postgres.ts";

const IDLE_S = numArg("idle", 20, 3);
const SETTLE_S = 2;
if (TMUX_MISSING) throw new Error(TMUX_MISSING);
const tmp = mkdtempSync(join(tmpdir(), "aegis-bench-tui-idle-"));
const QUEUES = ["alpha", "beta", "gamma"];
const cluster = process.argv.includes("--pg") ? await startPostgres() : undefined;
const on = cluster ? " (PostgreSQL)" : "";

function rssMiB(pid: number): number {
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  return Number(kb) / 1024;
}

async function idle(aegis: string, name: string, sessions: number): Promise<{ cpu: number; rss: number }> {
  const project = join(tmp, name);
  const url = cluster ? await freshDatabase(cluster) : undefined;
  writeBenchProject(project, QUEUES, url);
  let feed: Feed | undefined;
  const t = new Tmux();
  try {
    if (sessions > 0) feed = await startFeed(project, ["--sessions", String(sessions), "--queues", QUEUES.join(","), "--tasks", "6"], url);
    await t.start([aegis, "ui"], { cwd: project, env: { NO_COLOR: "1" } });
    await t.waitForText("q quit");
    await t.waitForText(`${sessions} live sessions`);
    if (sessions > 0) await t.waitForText("feed-000");
    await Bun.sleep(SETTLE_S * 1000); // start-up work (first queries, the serve check) is not idle time
    const pid = await t.programPid();
    const cpu = await cpuPercent(pid, IDLE_S);
    const rss = rssMiB(pid);
    await t.send(["q"]);
    if ((await t.exitCode()) !== 0) throw new Error(`aegis ui exited non-zero: ${t.stderr()}`);
    return { cpu, rss };
  } finally {
    await t.close();
    await feed?.stop();
  }
}

try {
  const aegis = await aegisBinary(tmp);
  const empty = await idle(aegis, "empty", 0);
  const busy = await idle(aegis, "busy", 20);
  console.log(`idle aegis ui${on} over ${IDLE_S}s: 20 sessions + 3 queues ${busy.cpu.toFixed(2)}% of a core, RSS ${busy.rss.toFixed(1)} MiB; ` +
    `empty project ${empty.cpu.toFixed(2)}%, RSS ${empty.rss.toFixed(1)} MiB`);
  const baseline = (value: number) => ({ label: `aegis ui, empty project${on}`, value });
  report("tui-idle", [
    { figure: `idle aegis ui${on}, 20 sessions + 3 queues, CPU over ${IDLE_S}s`, value: busy.cpu, unit: "% core", baseline: baseline(empty.cpu), goal: { on: "value", op: "<=", target: 1 } },
    { figure: `idle aegis ui${on}, 20 sessions + 3 queues, RSS`, value: busy.rss, unit: "MiB", baseline: baseline(empty.rss) },
  ]);
} finally {
  rmSync(tmp, { recursive: true, force: true });
  await cluster?.stop();
}
