// The worktree side of a session's life (#11): an isolated session gets its git worktree before its CLI starts (a
// new one on `aegis/<handle>`, or, for the same handle and spawner after a crash, the one it had), and when it closes
// the keep policy decides: "changed" keeps a worktree with commits or uncommitted changes and removes a clean one
// (and its branch), "always" keeps it, "never" removes it (its branch stays if it has commits). Also what an isolated
// CLI is told (its system-prompt note) and given (the project's state folder). Records live in the store (the
// contract's worktrees family), written durably before git acts. It must not start sessions or decide isolation.

import { type Repo, openRepo } from "../git/repo.ts";
import { serialized } from "../git/lock.ts";
import { git } from "../git/exec.ts";
import {
  branchExists, branchFor, createWorktree, dirtyPaths, reattachWorktree, removeWorktree, resolveBase, worktreePath, type Worktree,
} from "../git/worktree.ts";
import type { Db } from "../store/api.ts";
import { hostName } from "../store/owners.ts";
import type { KeepPolicy, WorktreeRow } from "../store/worktrees.ts";
import { AegisError } from "../util/errors.ts";
import { existsSync } from "node:fs";
import { dirname } from "node:path";

export interface AcquireOptions {
  sessionId: string;
  spawnedBy: string | null;
  /** A branch, tag or commit; default the project's HEAD. */
  base?: string;
  keep?: KeepPolicy;
}

export class SessionWorktrees {
  private repoP?: Promise<Repo>;

  constructor(private readonly db: Db, private readonly projectDir: string) {}

  /** The project's repository (opened once). E_STATE outside git, E_AGENT_MISSING without git. */
  repo(): Promise<Repo> {
    this.repoP ??= openRepo(this.projectDir);
    this.repoP.catch(() => (this.repoP = undefined)); // retried by the next isolated spawn, which reports it
    return this.repoP;
  }

  /**
   * The worktree for a session about to start under `handle`: the one recorded for this handle and spawner (a
   * resumed session, reattached as it was) or a new one. E_STATE if the handle's branch belongs to another session.
   */
  async acquire(handle: string, o: AcquireOptions): Promise<WorktreeRow> {
    const repo = await this.repo();
    return serialized(repo.commonDir, async () => {
      const row = await this.db.worktrees.getWorktree(handle);
      if (row && row.state !== "removed") {
        if (row.spawned_by !== o.spawnedBy) {
          throw new AegisError("E_STATE", `the handle "${handle}" has a worktree of another session (${row.branch} at ${row.path})`, {
            data: { handle, branch: row.branch, path: row.path },
            hint: "merge or prune it first (`aegis worktrees prune`), or spawn under another handle",
          });
        }
        requireLocalWorktree(row, "reattached"); // its folder is on the machine that made it (#15)
        await reattachWorktree(repo, asWorktree(row));
        await this.db.tx((t) => t.worktrees.reattachWorktreeRow(handle, o.sessionId), { durable: true });
        return { ...row, state: "live", session_id: o.sessionId, closed_at: null };
      }
      const { commit, ref } = await resolveBase(repo, o.base ?? "HEAD");
      const wt: Worktree = { path: worktreePath(repo, handle), branch: branchFor(handle), base: commit, baseRef: ref };
      // Recorded before git makes it, so a process killed half way leaves a record its resume can repair from.
      await this.db.tx((t) => t.worktrees.insertWorktree({
        handle, sessionId: o.sessionId, spawnedBy: o.spawnedBy, repo: repo.root, path: wt.path, branch: wt.branch,
        base: wt.base, baseRef: wt.baseRef, keep: o.keep ?? "changed", at: Date.now(), host: hostName(),
      }), { durable: true });
      try {
        await createWorktree(repo, wt);
      } catch (err) {
        await this.db.tx((t) => t.worktrees.setWorktreeState(handle, "removed", Date.now()), { durable: true });
        throw err;
      }
      return (await this.db.worktrees.getWorktree(handle))!;
    });
  }

  /** True if `handle` has a live or kept worktree made for `spawnedBy` (a session to reattach to it). */
  async recordedFor(handle: string, spawnedBy: string | null): Promise<boolean> {
    const row = await this.db.worktrees.getWorktree(handle);
    return row !== null && row.state !== "removed" && row.spawned_by === spawnedBy;
  }

  /** Applies the keep policy to the worktree of session `sessionId` (closed). Returns what became of it. */
  async release(handle: string, sessionId: string): Promise<"kept" | "removed" | null> {
    const row = await this.db.worktrees.getWorktree(handle);
    if (!row || row.state !== "live" || row.session_id !== sessionId) return null;
    const repo = await this.repo();
    return serialized(repo.commonDir, async () => {
      const changed = existsSync(row.path) && (await dirtyPaths(row.path)).length > 0;
      const commits = await commitsSinceBase(repo, row);
      const keep = row.keep === "always" || (row.keep === "changed" && (changed || commits > 0));
      if (keep) {
        await this.db.tx((t) => t.worktrees.setWorktreeState(handle, "kept", Date.now()), { durable: true });
        return "kept";
      }
      await removeWorktree(repo, row, { deleteBranch: commits === 0 });
      await this.db.tx((t) => t.worktrees.setWorktreeState(handle, "removed", Date.now()), { durable: true });
      return "removed";
    });
  }
}

/** Commits on the worktree's branch since its base (0 if the branch is gone). */
export async function commitsSinceBase(repo: Repo, row: Pick<WorktreeRow, "branch" | "base">): Promise<number> {
  if (!(await branchExists(repo, row.branch))) return 0;
  return Number((await git(repo.root, ["rev-list", "--count", `${row.base}..refs/heads/${row.branch}`])).stdout.trim());
}

/** True for a worktree made on another machine (its host is recorded and is not this one); older rows are anyone's. */
export function isForeignWorktree(row: Pick<WorktreeRow, "host">): boolean {
  return !!row.host && row.host !== hostName();
}

/**
 * Refuses (E_STATE, naming both hosts) to act here on a worktree made on another machine: its folder and branch are
 * there (the same path here would be another checkout), so only that host merges, prunes or reattaches it (#15).
 */
export function requireLocalWorktree(row: Pick<WorktreeRow, "handle" | "host" | "branch">, verb: string): void {
  if (!isForeignWorktree(row)) return;
  throw new AegisError("E_STATE", `the worktree of "${row.handle}" (${row.branch}) is on host ${row.host}: it cannot be ${verb} on ${hostName()}`, {
    data: { handle: row.handle, host: row.host, here: hostName() },
    hint: `run this on ${row.host}; this machine's host id comes from AEGIS_HOST_ID, else the host name`,
  });
}

export function asWorktree(row: WorktreeRow): Worktree {
  return { path: row.path, branch: row.branch, base: row.base, baseRef: row.base_ref };
}

/**
 * An isolated CLI's `aegis` commands (run from its shell, in its worktree) must reach this project's state, not a
 * fresh `.aegis/` of the worktree's own: the state folder is passed on explicitly.
 */
export function sharedStateEnv(dbPath: string): Record<string, string> {
  return dbPath === ":memory:" ? {} : { AEGIS_STATE_DIR: dirname(dbPath) };
}

/**
 * Told to an isolated session: agents working in a worktree nested in the project tend to write to the project's own
 * path (an absolute path from a memory file or a listing), which lands in the main checkout.
 */
export function worktreeNote(worktree: string, project: string, handle: string): string {
  return `You work in your own git worktree: ${worktree} (branch aegis/${handle}), a private copy of the project at ${project}. ` +
    `Read and edit files only under ${worktree}, with paths relative to it; never write under ${project} outside it: other agents and the user work there. ` +
    "You may commit on your branch; aegis merges it when your work is accepted.";
}
