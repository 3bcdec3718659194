#!/usr/bin/env bun
// First frame of the terminal UI (#14): from the exec of the aegis binary in a tmux pane to the dashboard's footer
// (`aegis ui`) or the chat's key line (`aegis chat`) appearing in what the pane received, read through tmux
// pipe-pane. The pane's shell waits on `read`, so the clock starts at the Enter that lets it exec. Baseline, measured
// the same way in the same run: a compiled Bun hello-world printing one line (the cost of exec + tmux + this probe).
// The project shows 20 sessions and 3 queues (written by bench/lib/tui-feed.ts). Goal: first frame ≤ 150 ms.
// Usage: bun bench/tui-first-frame.ts [--quick] [--runs 10] [--bin path/to/aegis]

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileHelloWorld } from "../scripts/compile.ts";
import { Tmux, TMUX_MISSING } from "../test/fixtures/helpers/tmux.ts";
import { aegisBinary, timing, type Timing } from "./lib/measure.ts";
import { numArg, report } from "./lib/report.ts";
import { fileSize, timeWhenShown, writeBenchProject } from "./lib/tui-term.ts";
import { startFeed } from "./lib/tui-feed-client.ts";

const RUNS = numArg("--runs", 10, 3);
if (TMUX_MISSING) throw new Error(TMUX_MISSING);
const tmp = mkdtempSync(join(tmpdir(), "aegis-bench-tui-first-"));

/** One exec of `argv` in a fresh pane: ms from the Enter that starts it to `marker` reaching the pane. */
async function once(argv: string[], cwd: string, marker: string, i: number): Promise<number> {
  const t = new Tmux();
  const log = join(tmp, `pane-${marker.replace(/\W/g, "")}-${i}.log`);
  try {
    await t.start(["sh", "-c", 'read _ && exec "$@"', "sh", ...argv], { cwd, env: { NO_COLOR: "1" } });
    await t.pipeTo(log);
    const from = fileSize(log);
    const t0 = performance.now();
    await t.send(["Enter"]);
    const shown = await timeWhenShown(log, marker, from);
    return shown - t0;
  } finally {
    await t.close();
  }
}

async function measure(argv: string[], cwd: string, marker: string): Promise<Timing> {
  const samples: number[] = [];
  for (let i = 0; i < RUNS + 1; i++) {
    const ms = await once(argv, cwd, marker, i);
    if (i > 0) samples.push(ms); // the first run also extracts OpenTUI's library into TMPDIR: a warm-up
  }
  return timing(samples);
}

const feed = { stop: async () => {} };
try {
  const aegis = await aegisBinary(tmp);
  const hello = await compileHelloWorld(tmp);
  const project = join(tmp, "project");
  writeBenchProject(project, ["alpha", "beta", "gamma"]);
  Object.assign(feed, await startFeed(project, ["--sessions", "20", "--queues", "alpha,beta,gamma"]));

  const base = await measure([hello], tmp, "hello");
  const ui = await measure([aegis, "ui"], project, "q quit");
  const chat = await measure([aegis, "chat"], project, "leave");
  const row = (name: string, m: Timing) => `${name.padEnd(34)} median ${m.median.toFixed(1).padStart(6)} ms   p90 ${m.p90.toFixed(1).padStart(6)} ms   ×${(m.median / base.median).toFixed(2)}`;
  console.log(`tui first frame (${RUNS} runs each after a warm-up, exec → text in the pane; ratios to the hello-world)`);
  console.log(row("compiled bun hello-world (baseline)", base));
  console.log(row("aegis ui, 20 sessions, 3 queues", ui));
  console.log(row("aegis chat", chat));
  const baseline = { label: "compiled bun hello-world printing a line", value: base.median };
  report("tui-first-frame", [
    { figure: "aegis ui first frame (20 sessions, 3 queues), median", value: ui.median, unit: "ms", baseline, goal: { on: "value", op: "<=", target: 150 } },
    { figure: "aegis chat first frame, median", value: chat.median, unit: "ms", baseline, goal: { on: "value", op: "<=", target: 150 } },
  ]);
} finally {
  await feed.stop();
  rmSync(tmp, { recursive: true, force: true });
}
