#!/usr/bin/env bun
// `aegis ui` from source with a counter on the transcript, for bench/tui-stream.ts: the real dashboard
// (src/tui/app.ts runDashboard) in this process, and every database row a transcript view folds counted per session
// (with a check that row ids only grow: none repeated, none out of order). When the dashboard quits, the counts go to <stats.json>.
// Usage (inside a terminal): bun bench/lib/tui-probe.ts <project dir> <stats.json>

import { writeFileSync } from "node:fs";
import { loadConfig } from "../../src/config/load.ts";
import type { TranscriptRow } from "../../src/tui/source/model.ts";
import { runDashboard } from "../../src/tui/app.ts";
import { TranscriptModel } from "../../src/tui/transcript-model.ts";

const [project, statsFile] = process.argv.slice(2);
if (!project || !statsFile) throw new Error("usage: bun bench/lib/tui-probe.ts <project dir> <stats.json>");

/** Per session: rows folded by any transcript view, the last id seen, and ids that came out of order. */
const seen: Record<string, { rows: number; lastId: number; outOfOrder: number }> = {};
// oxlint-disable-next-line unbound-method -- called with the model as `this` below
const apply = TranscriptModel.prototype.apply;
TranscriptModel.prototype.apply = function (this: TranscriptModel, rows: readonly TranscriptRow[]) {
  for (const r of rows) {
    // Database rows only: a streamed row (negative id, from a serve or this process) comes back from the database
    // too, and id 0 is the note a long transcript opens with.
    if (r.id <= 0) continue;
    const s = (seen[r.sessionId] ??= { rows: 0, lastId: 0, outOfOrder: 0 });
    s.rows++;
    if (r.id <= s.lastId) s.outOfOrder++;
    s.lastId = r.id;
  }
  return apply.call(this, rows);
};

const config = await loadConfig({ cwd: project });
const code = await runDashboard({ config, cwd: project });
writeFileSync(statsFile, JSON.stringify({ code, sessions: seen }));
process.exit(code);
