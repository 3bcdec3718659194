// `aegis worktrees prune [--merged] [--older-than 7d] [--force] [--json]`: removes kept worktrees (never a live
// session's) and their `aegis/<handle>` branches. A worktree with unmerged work (uncommitted changes, or commits that
// no merge landed and its base branch lacks) is left alone, and said so, unless --force. Removal and the merged check
// are src/session/worktree-ops.ts's.

import { defineCommand } from "citty";
import { WINDOW_PATTERN, windowToMs } from "../config/schema.ts";
import type { Repo } from "../git/repo.ts";
import { isMerged, removeKeptWorktree } from "../session/worktree-ops.ts";
import { isForeignWorktree } from "../session/worktrees.ts";
import { openDb } from "../store/open.ts";
import type { WorktreeRow } from "../store/worktrees.ts";
import { out } from "../ui/log.ts";
import { UsageError } from "../util/errors.ts";
import { configArgs, jsonArg, loadConfigFromArgs } from "./context.ts";
import { worktreeInfos, type WorktreeInfo } from "./worktrees.ts";

export interface PruneReport {
  removed: { handle: string; branch: string; path: string; unmerged: boolean }[];
  /** Selected but left alone: unmerged work without --force. */
  skipped: { handle: string; branch: string; reason: string; host?: string }[];
}

/** Why removing the worktree would lose work (uncommitted changes, unmerged commits), or null when nothing would. */
export async function unmergedWork(repo: Repo, row: WorktreeRow, info: WorktreeInfo): Promise<string | null> {
  if (info.dirty) return "uncommitted changes";
  if (await isMerged(repo, row)) return null;
  const n = info.ahead ?? 0;
  return n > 0 ? `${n} unmerged commit${n === 1 ? "" : "s"}` : "unmerged commits";
}

export default defineCommand({
  meta: { name: "prune", description: "Remove kept worktrees and their branches (never unmerged work without --force)" },
  args: {
    merged: { type: "boolean", description: "Only worktrees whose work is merged (or that have none)" },
    "older-than": { type: "string", description: "Only worktrees closed longer ago than this: 30m, 24h, 7d, 2w", valueHint: "age" },
    force: { type: "boolean", description: "Remove them even with unmerged commits or uncommitted changes" },
    ...configArgs,
    ...jsonArg,
  },
  async run({ args }) {
    const age = args["older-than"];
    if (age !== undefined && !WINDOW_PATTERN.test(age)) throw new UsageError(`--older-than must look like 30m, 24h, 7d or 2w; got "${age}"`);
    const cutoff = age === undefined ? Infinity : Date.now() - windowToMs(age);
    const db = await openDb({ config: await loadConfigFromArgs(args) });
    const report: PruneReport = { removed: [], skipped: [] };
    try {
      for (const { row, info, repo } of await worktreeInfos(db)) {
        if (info.state === "live") continue; // a running session works in it
        if (isForeignWorktree(row)) {
          report.skipped.push({ handle: row.handle, branch: row.branch, reason: `its folder is on host ${row.host}`, host: row.host! });
          continue;
        }
        if (!repo) {
          report.skipped.push({ handle: row.handle, branch: row.branch, reason: `a repository git cannot read (${info.error ?? "unknown"})` });
          continue;
        }
        // Left live by an aegis process that died: kept now, so it can be removed like any kept one.
        if (row.state === "live") await db.tx((t) => t.worktrees.setWorktreeState(row.handle, "kept", Date.now()), { durable: true });
        if ((row.closed_at ?? row.created_at) > cutoff) continue;
        const unmerged = await unmergedWork(repo, row, info);
        if (unmerged && args.merged) continue;
        if (unmerged && !args.force) {
          report.skipped.push({ handle: row.handle, branch: row.branch, reason: unmerged });
          continue;
        }
        await removeKeptWorktree(db, row.handle, { force: true }); // checked above
        report.removed.push({ handle: row.handle, branch: row.branch, path: row.path, unmerged: unmerged !== null });
      }
    } finally {
      await db.close();
    }
    if (args.json) return void out(JSON.stringify(report, null, 2));
    for (const r of report.removed) out(`removed ${r.handle}: ${r.branch}, ${r.path}${r.unmerged ? " (unmerged work, --force)" : ""}`);
    for (const s of report.skipped) {
      if (s.host) out(`kept ${s.handle}: ${s.branch}, ${s.reason} (prune it there)`);
      else out(`kept ${s.handle}: ${s.branch} has ${s.reason} (merge it with \`aegis merge ${s.handle}\`, or add --force)`);
    }
    if (report.removed.length === 0 && report.skipped.length === 0) out("nothing to prune");
  },
});
