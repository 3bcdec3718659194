// `aegis worktrees prune [--merged] [--older-than 7d] [--force] [--json]`: removes kept worktrees (never a live
// session's) and their `aegis/<handle>` branches. A worktree with unmerged work (uncommitted changes, or commits that
// no merge landed and no other branch contains) is left alone, and said so, unless --force. git work is src/git's.

import { defineCommand } from "citty";
import { WINDOW_PATTERN, windowToMs } from "../config/schema.ts";
import { git } from "../git/exec.ts";
import type { Repo } from "../git/repo.ts";
import { removeWorktree } from "../git/worktree.ts";
import { setWorktreeState, type WorktreeRow } from "../store/worktrees.ts";
import { out } from "../ui/log.ts";
import { UsageError } from "../util/errors.ts";
import { configArgs, jsonArg, loadConfigFromArgs } from "./context.ts";
import { openStateStore } from "./tasks.ts";
import { worktreeInfos, type WorktreeInfo } from "./worktrees.ts";

export interface PruneReport {
  removed: { handle: string; branch: string; path: string; unmerged: boolean }[];
  /** Selected but left alone: unmerged work without --force. */
  skipped: { handle: string; branch: string; reason: string }[];
}

/**
 * Why the worktree's work would be lost by removing it, or null when nothing would: its uncommitted changes, or
 * commits on its branch that no merge landed and no other local branch contains.
 */
export async function unmergedWork(repo: Repo, row: WorktreeRow, info: WorktreeInfo): Promise<string | null> {
  if (info.dirty) return "uncommitted changes";
  if (info.ahead === null) return null; // the branch is gone: nothing left to lose
  const tip = (await git(repo.root, ["rev-parse", `refs/heads/${row.branch}`])).stdout.trim();
  if (tip === row.base || tip === row.merged_head) return null;
  const holders = (await git(repo.root, ["for-each-ref", "--contains", tip, "--format=%(refname:short)", "refs/heads/"])).stdout
    .split("\n").map((s) => s.trim()).filter((b) => b && b !== row.branch);
  if (holders.length > 0) return null;
  return info.ahead > 0 ? `${info.ahead} unmerged commit${info.ahead === 1 ? "" : "s"}` : "commits no branch contains";
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
    const store = openStateStore(await loadConfigFromArgs(args));
    const report: PruneReport = { removed: [], skipped: [] };
    try {
      for (const { row, info, repo } of await worktreeInfos(store)) {
        if (row.state !== "kept") continue; // a live session works in it
        if ((row.closed_at ?? row.created_at) > cutoff) continue;
        const unmerged = await unmergedWork(repo, row, info);
        if (unmerged && args.merged) continue;
        if (unmerged && !args.force) {
          report.skipped.push({ handle: row.handle, branch: row.branch, reason: unmerged });
          continue;
        }
        await removeWorktree(repo, row, { deleteBranch: true });
        store.write(() => setWorktreeState(store, row.handle, "removed", Date.now()));
        report.removed.push({ handle: row.handle, branch: row.branch, path: row.path, unmerged: unmerged !== null });
      }
    } finally {
      store.close();
    }
    if (args.json) return void out(JSON.stringify(report, null, 2));
    for (const r of report.removed) out(`removed ${r.handle}: ${r.branch}, ${r.path}${r.unmerged ? " (unmerged work, --force)" : ""}`);
    for (const s of report.skipped) out(`kept ${s.handle}: ${s.branch} has ${s.reason} (merge it with \`aegis merge ${s.handle}\`, or add --force)`);
    if (report.removed.length === 0 && report.skipped.length === 0) out("nothing to prune");
  },
});
