// `aegis worktrees [--json]`: the git worktrees aegis made for isolated sessions and queue tasks, with their branch,
// path, whether their session is live or the worktree was kept, how far ahead of / behind its base it is, and whether
// it has uncommitted changes. `aegis worktrees prune` (worktrees-prune.ts) removes them. Read-only.

import { defineCommand } from "citty";
import { existsSync } from "node:fs";
import { openRepo, type Repo } from "../git/repo.ts";
import { branchExists, worktreeStatus } from "../git/worktree.ts";
import { isoSeconds } from "../session/sender.ts";
import { isForeignWorktree } from "../session/worktrees.ts";
import type { Db } from "../store/api.ts";
import { openDb } from "../store/open.ts";
import type { WorktreeRow } from "../store/worktrees.ts";
import { out } from "../ui/log.ts";
import { errorMessage } from "../util/errors.ts";
import { configArgs, jsonArg, loadConfigFromArgs } from "./context.ts";
import { hostCell, hostColumn } from "./host-column.ts";

export interface WorktreeInfo {
  handle: string;
  branch: string;
  path: string;
  /** live: its session runs; kept: its session closed (or its aegis process died) and the worktree stayed. */
  state: "live" | "kept";
  /** The commit it was made from, and the branch that commit came from (if any). */
  base: string;
  baseRef: string | null;
  /** Commits on its branch not in its base branch (or base commit), and the reverse; null if its branch is gone. */
  ahead: number | null;
  behind: number | null;
  /** Uncommitted changes in its folder (false if the folder is gone). */
  dirty: boolean;
  /** Whether its folder still exists. */
  exists: boolean;
  /** Who started its session: `queue:<name>` for a queue task's worker, `workflow:<name>:<runId>`, `agent:<handle>`, `user`. */
  spawnedBy: string | null;
  /** The machine its folder is on (AEGIS_HOST_ID, else the host name); null for records made before #15. */
  host: string | null;
  /** Where a merge landed it, if one did. */
  merged: { into: string; commit: string; at: string } | null;
  createdAt: string;
  closedAt: string | null;
  /** Why git could not inspect it (its repository moved or was deleted), if it could not. */
  error?: string;
}

/** Every worktree not removed, with its git status (newest first). */
export async function worktreeInfos(db: Db): Promise<{ row: WorktreeRow; info: WorktreeInfo; repo: Repo | null }[]> {
  const repos = new Map<string, Promise<Repo>>();
  const list = [];
  const rows = await db.worktrees.listWorktrees();
  const running = await runningSessions(db, rows);
  for (const row of rows) {
    const repo = () => {
      let p = repos.get(row.repo);
      if (!p) repos.set(row.repo, (p = openRepo(row.repo)));
      return p;
    };
    // Another machine's worktree is not looked at here: its path here, if any, is another checkout (#15).
    const foreign = isForeignWorktree(row);
    const exists = !foreign && existsSync(row.path);
    // One worktree git cannot read (its repository moved or deleted) is reported as such; the others are still listed.
    let r: Repo | null = null;
    let status: Awaited<ReturnType<typeof worktreeStatus>> | null = null;
    let error: string | undefined = foreign ? `its folder is on host ${row.host}` : undefined;
    if (!foreign) {
      try {
        r = await repo();
        if (await branchExists(r, row.branch)) status = await worktreeStatus(r, { path: row.path, branch: row.branch, base: row.base, baseRef: row.base_ref });
      } catch (err) {
        error = errorMessage(err);
      }
    }
    list.push({
      row, repo: r,
      info: {
        handle: row.handle, branch: row.branch, path: row.path, state: running.has(row.handle) ? "live" as const : "kept" as const,
        base: row.base, baseRef: row.base_ref, spawnedBy: row.spawned_by, host: row.host ?? null, ahead: status?.ahead ?? null, behind: status?.behind ?? null, dirty: status?.dirty ?? false, exists,
        merged: row.merged_commit && row.merged_into && row.merged_at !== null ? { into: row.merged_into, commit: row.merged_commit, at: isoSeconds(row.merged_at) } : null,
        createdAt: isoSeconds(row.created_at), closedAt: row.closed_at === null ? null : isoSeconds(row.closed_at),
        ...(error !== undefined ? { error } : {}),
      },
    });
  }
  return list;
}

/**
 * The handles whose worktree's session really runs: recorded live, its session row open, its aegis process alive. A
 * worktree left live by an aegis that died (a queue task interrupted, a run never resumed) counts as kept.
 */
async function runningSessions(db: Db, rows: readonly WorktreeRow[]): Promise<Set<string>> {
  const live: { handle: string; owner: string }[] = [];
  for (const r of rows) {
    const s = r.state === "live" && r.session_id ? await db.sessions.getSessionRow(r.session_id) : null;
    if (s && s.state !== "closed" && s.owner) live.push({ handle: r.handle, owner: s.owner });
  }
  const dead = live.length ? await db.owners.deadOwners(live.map((l) => l.owner)) : new Set<string>();
  return new Set(live.filter((l) => !dead.has(l.owner)).map((l) => l.handle));
}

function line(w: WorktreeInfo, hosts: number): string {
  const host = hostCell(w.host, hosts);
  if (isForeignWorktree(w)) return `${w.handle}  ${host}${w.state.padEnd(4)}  ${w.branch}  (on host ${w.host}: inspect, merge or prune it there)  ${w.path}`;
  const counts = w.error !== undefined ? `unreadable: ${w.error.split("\n")[0]}` : w.ahead === null ? "branch gone" : `+${w.ahead} -${w.behind} vs ${w.baseRef ?? w.base.slice(0, 12)}`;
  const flags = [w.dirty ? "dirty" : "", w.merged ? `merged into ${w.merged.into}` : "", w.exists ? "" : "folder gone"].filter(Boolean).join(", ");
  return `${w.handle}  ${host}${w.state.padEnd(4)}  ${w.branch}  ${counts}${flags ? `  (${flags})` : ""}  ${w.path}`;
}

export default defineCommand({
  meta: { name: "worktrees", description: "List the git worktrees of isolated agents (prune removes them)" },
  args: {
    ...configArgs,
    ...jsonArg,
  },
  subCommands: {
    prune: () => import("./worktrees-prune.ts").then((m) => m.default),
  },
  async run({ args }) {
    const db = await openDb({ config: await loadConfigFromArgs(args) });
    try {
      const list = (await worktreeInfos(db)).map((w) => w.info);
      if (args.json) return void out(JSON.stringify(list, null, 2));
      if (list.length === 0) return void out("no worktrees");
      const hosts = hostColumn(list.map((w) => w.host));
      for (const w of list) out(line(w, hosts));
    } finally {
      await db.close();
    }
  },
});
