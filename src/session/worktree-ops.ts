// What can be done to a session's worktree by handle, for the engine verbs, the CLI and queues (#11): where it is,
// commit its leftovers, diff it against its base, merge it into a branch (recorded in the store), list them with
// their git status, and remove one safely (never unmerged work without force). Records come from store/worktrees.ts;
// git from src/git/. It must not start or close sessions.

import { existsSync } from "node:fs";
import { commitAll, diffWorktree, type CommitResult, type Diff } from "../git/changes.ts";
import { gitText } from "../git/exec.ts";
import { serialized } from "../git/lock.ts";
import { isAncestor, mergeBranch, type MergeResult, type MergeStrategy } from "../git/merge.ts";
import { openRepo, type Repo } from "../git/repo.ts";
import { branchExists, removeWorktree, worktreeStatus } from "../git/worktree.ts";
import type { Db } from "../store/api.ts";
import type { WorktreeRow } from "../store/worktrees.ts";
import { AegisError } from "../util/errors.ts";
import { asWorktree, commitsSinceBase, requireLocalWorktree } from "./worktrees.ts";

/** The record of `handle`'s worktree (not removed). E_NOT_FOUND if it has none, E_STATE if it is on another host. */
export async function requireWorktree(db: Db, handle: string, verb = "used"): Promise<WorktreeRow> {
  const row = await db.worktrees.getWorktree(handle);
  if (!row || row.state === "removed") {
    throw new AegisError("E_NOT_FOUND", `session "${handle}" has no worktree${row ? " (it was removed)" : ""}`, {
      data: { handle }, hint: 'spawn it with isolation: "worktree" (on the agent profile or in engine.spawn\'s options)',
    });
  }
  requireLocalWorktree(row, verb);
  return row;
}

/** Commits what the agent left uncommitted (no-op when clean). */
export async function commitWorktree(db: Db, handle: string, message?: string): Promise<CommitResult> {
  const row = await requireWorktree(db, handle, "committed");
  requireFolder(row);
  return commitAll(row.path, message ?? `aegis: work left by ${handle}`);
}

/** The worktree (committed and not) against its base. */
export async function diffWorktreeOf(db: Db, handle: string): Promise<Diff> {
  const row = await requireWorktree(db, handle, "diffed");
  requireFolder(row);
  return diffWorktree(row.path, row.base);
}

export interface MergeWorktreeOptions {
  /** The target branch (required here; the engine defaults it to the run's start branch). */
  into: string;
  strategy?: MergeStrategy;
  message?: string;
}

/** Commits leftovers, then merges `aegis/<handle>` into `into` (src/git/merge.ts); a clean merge is recorded. */
export async function mergeWorktree(db: Db, handle: string, o: MergeWorktreeOptions): Promise<MergeResult> {
  const row = await requireWorktree(db, handle, "merged");
  const repo = await openRepo(row.repo);
  if (existsSync(row.path)) await commitAll(row.path, `aegis: work left by ${handle}`);
  return serialized(repo.commonDir, async () => {
    const tip = await gitText(repo.root, ["rev-parse", `refs/heads/${row.branch}`]);
    // The same tip merged into the same branch before (a resumed run repeating its merge): the same answer.
    const again = await db.worktrees.getWorktree(handle);
    if (again?.merged_head === tip && again.merged_into === o.into && again.merged_commit) return { merged: true, commit: again.merged_commit };
    const r = await mergeBranch(repo, { source: row.branch, into: o.into, ...(o.strategy ? { strategy: o.strategy } : {}), ...(o.message ? { message: o.message } : {}) });
    if (r.merged) await db.tx((t) => t.worktrees.recordWorktreeMerge(handle, { into: o.into, commit: r.commit, head: tip, at: Date.now() }), { durable: true });
    return r;
  });
}

export interface WorktreeListing {
  handle: string;
  branch: string;
  path: string;
  base: string;
  /** "live": its session runs; "kept": closed with its worktree kept. */
  state: "live" | "kept";
  ahead: number;
  behind: number;
  dirty: boolean;
  /** True once everything on its branch has been merged (its tip is in the target, or is what a merge landed). */
  merged: boolean;
  createdAt: number;
  /** Present when git could not inspect it (folder or branch gone). */
  error?: string;
}

/** Every worktree not removed, with its git status. */
export async function listWorktreeStatus(db: Db): Promise<WorktreeListing[]> {
  const rows = await db.worktrees.listWorktrees();
  return Promise.all(rows.map(async (row) => {
    const state = (await sessionLive(db, row)) ? "live" as const : "kept" as const;
    const base = { handle: row.handle, branch: row.branch, path: row.path, base: row.base, state, createdAt: row.created_at };
    try {
      const repo = await openRepo(row.repo);
      const st = await worktreeStatus(repo, asWorktree(row));
      return { ...base, ahead: st.ahead, behind: st.behind, dirty: st.dirty, merged: !st.dirty && (await isMerged(repo, row)) };
    } catch (err) {
      return { ...base, ahead: 0, behind: 0, dirty: false, merged: false, error: (err as Error).message };
    }
  }));
}

/** Everything on the branch is merged: no commits since base, its tip is in the merge target, or is what was merged. */
export async function isMerged(repo: Repo, row: WorktreeRow): Promise<boolean> {
  if (!(await branchExists(repo, row.branch))) return true;
  if ((await commitsSinceBase(repo, row)) === 0) return true;
  const tip = await gitText(repo.root, ["rev-parse", `refs/heads/${row.branch}`]);
  if (row.merged_head === tip) return true; // squashed or rebased: the landed commit differs, the recorded tip does not
  const into = row.merged_into ?? row.base_ref;
  return into !== null && (await branchExists(repo, into)) && (await isAncestor(repo, tip, into));
}

/**
 * Removes a worktree that is not live, and its branch. Refuses (E_STATE) one with uncommitted changes or unmerged
 * commits unless `force`. A live one is always refused: close its session first.
 */
export async function removeKeptWorktree(db: Db, handle: string, o: { force?: boolean } = {}): Promise<void> {
  const row = await requireWorktree(db, handle, "removed");
  if (await sessionLive(db, row)) {
    throw new AegisError("E_STATE", `the worktree of "${handle}" is in use by a live session`, { data: { handle }, hint: "close the session first" });
  }
  const repo = await openRepo(row.repo);
  await serialized(repo.commonDir, async () => {
    if (!o.force) {
      const st = existsSync(row.path) ? await worktreeStatus(repo, asWorktree(row)) : null;
      if (st?.dirty || !(await isMerged(repo, row))) {
        throw new AegisError("E_STATE", `the worktree of "${handle}" (${row.branch}) has ${st?.dirty ? "uncommitted changes" : "unmerged commits"}`, {
          data: { handle, branch: row.branch, path: row.path }, hint: `merge it first (aegis merge ${handle}), or pass --force to delete the work`,
        });
      }
    }
    await removeWorktree(repo, row, { deleteBranch: true });
    await db.tx((t) => t.worktrees.setWorktreeState(handle, "removed", Date.now()), { durable: true });
  });
}

/**
 * Whether the worktree's session is running: its row says live, and its session is open in a process that is alive
 * (a crashed process leaves the row "live"; its worktree is then as good as kept, until a resume reattaches it).
 */
export async function sessionLive(db: Db, row: WorktreeRow): Promise<boolean> {
  if (row.state !== "live" || row.session_id === null) return false;
  const s = await db.sessions.getSessionRow(row.session_id);
  if (!s || s.closed_at !== null) return false;
  return s.owner === null || !(await db.owners.deadOwners([s.owner])).has(s.owner);
}

function requireFolder(row: WorktreeRow): void {
  if (!existsSync(row.path)) {
    throw new AegisError("E_STATE", `the worktree folder ${row.path} of "${row.handle}" is missing`, {
      data: { handle: row.handle, path: row.path }, hint: "spawning the session again under the same handle and spawner restores it from its branch",
    });
  }
}
