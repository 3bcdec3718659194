// aegis's git worktrees: one per isolated session, on branch `aegis/<handle>`, under `<git dir>/aegis-worktrees/`
// (repo.ts). Creating, reattaching, removing, inspecting (ahead/behind, dirty), committing what an agent left and
// diffing against the base. Every git call goes through exec.ts. It keeps no records (the store does) and never
// touches the main checkout or the user's git config.

import { existsSync, mkdirSync, renameSync } from "node:fs";
import { join } from "node:path";
import { AegisError } from "../util/errors.ts";
import { git, gitText, splitZ } from "./exec.ts";
import type { Repo } from "./repo.ts";

export interface Worktree {
  /** The worktree's folder: the agent's cwd. */
  path: string;
  /** `aegis/<handle>`. */
  branch: string;
  /** The commit the branch was made from. */
  base: string;
  /** The branch `base` was resolved from ("main"), or null when it was a commit or a detached HEAD. */
  baseRef: string | null;
}

export const BRANCH_PREFIX = "aegis/";

export function branchFor(handle: string): string {
  return `${BRANCH_PREFIX}${handle}`;
}

export function worktreePath(repo: Repo, handle: string): string {
  return join(repo.worktreesDir, handle);
}

/** Resolves `rev` ("HEAD", a branch, a commit) to a commit id and the branch it names (if any). */
export async function resolveBase(repo: Repo, rev = "HEAD"): Promise<{ commit: string; ref: string | null }> {
  // One process: the commit, then (options apply to the arguments after them) the full ref name `rev` is, if any.
  const r = await git(repo.root, ["rev-parse", `${rev}^{commit}`, "--symbolic-full-name", rev], { ok: [0, 128] });
  const [commit, full = ""] = r.stdout.trim().split("\n");
  if (r.code !== 0 || !commit || !/^[0-9a-f]{40,64}$/.test(commit)) {
    throw new AegisError("E_STATE", `the base "${rev}" is not a commit in ${repo.root}`, {
      data: { base: rev },
      hint: rev === "HEAD" ? "the repository has no commit yet: commit something first" : "pass base: a branch, tag or commit id",
    });
  }
  return { commit, ref: full.startsWith("refs/heads/") ? full.slice("refs/heads/".length) : null };
}

/** `git worktree add -b aegis/<handle> <path> <base>`. E_STATE if the branch already exists. */
export async function addWorktree(repo: Repo, handle: string, base = "HEAD"): Promise<Worktree> {
  const { commit, ref } = await resolveBase(repo, base);
  return createWorktree(repo, { path: worktreePath(repo, handle), branch: branchFor(handle), base: commit, baseRef: ref });
}

/** Creates the worktree `wt` describes, on a new branch from its base commit. */
export async function createWorktree(repo: Repo, wt: Worktree): Promise<Worktree> {
  const { path, branch, base: commit } = wt;
  mkdirSync(repo.worktreesDir, { recursive: true });
  // No separate check for an existing branch (one process less on every isolated spawn): git refuses it, and says so.
  const r = await git(repo.root, ["worktree", "add", "--quiet", "-b", branch, path, commit], { ok: [0, 1, 128, 255] });
  if (r.code !== 0) {
    if (/already exists/.test(r.stderr) && (await branchExists(repo, branch))) {
      throw new AegisError("E_STATE", `the branch ${branch} already exists (a kept worktree of an earlier session?)`, {
        data: { branch },
        hint: "merge or remove it (`aegis worktrees prune`), or spawn under another handle",
      });
    }
    throw new AegisError("E_STATE", `git worktree add failed in ${repo.root}: ${r.stderr.trim().split("\n").slice(-3).join(" ")}`, {
      data: { branch, path, stderr: r.stderr.slice(-4000) },
    });
  }
  return wt;
}

/**
 * Makes sure the worktree of an earlier session (same handle, e.g. after a crash) is there: as it is if git lists it
 * at `path`; checked out again from its branch if its folder or git's record of it is gone; made anew from its base if
 * it never got its branch, or if its creation was killed half way (git's "initializing" lock is still on it). A folder
 * git no longer knows is moved aside (`<path>.orphan-<time>`), never deleted.
 */
export async function reattachWorktree(repo: Repo, wt: Worktree): Promise<Worktree> {
  const listed = (await listGitWorktrees(repo)).find((w) => w.path === wt.path);
  if (listed && existsSync(wt.path) && listed.locked !== "initializing") return wt;
  if (listed?.locked === "initializing") {
    await git(repo.root, ["worktree", "remove", "--force", "--force", wt.path], { ok: [0, 128, 255] });
  }
  await git(repo.root, ["worktree", "prune"]);
  if (existsSync(wt.path)) renameSync(wt.path, `${wt.path}.orphan-${Date.now()}`);
  mkdirSync(repo.worktreesDir, { recursive: true });
  if (await branchExists(repo, wt.branch)) await git(repo.root, ["worktree", "add", "--quiet", wt.path, wt.branch]);
  else await createWorktree(repo, wt);
  return wt;
}

/** Removes the worktree folder and git's record of it; with `deleteBranch`, its branch too. Idempotent. */
export async function removeWorktree(repo: Repo, wt: Pick<Worktree, "path" | "branch">, opts: { deleteBranch?: boolean } = {}): Promise<void> {
  if ((await listGitWorktrees(repo)).some((w) => w.path === wt.path)) {
    await git(repo.root, ["worktree", "remove", "--force", "--force", wt.path]);
  } else {
    await git(repo.root, ["worktree", "prune"]);
  }
  if (opts.deleteBranch && (await branchExists(repo, wt.branch))) await git(repo.root, ["branch", "-D", "--quiet", wt.branch]);
}

export interface GitWorktreeEntry {
  path: string;
  head: string | null;
  /** "main", "aegis/brisk-curie"; null when detached. */
  branch: string | null;
  prunable: boolean;
  /** The lock reason ("" when locked without one), or null. git locks a worktree "initializing" while creating it. */
  locked: string | null;
}

/** `git worktree list --porcelain`, parsed. The first entry is the main worktree. */
export async function listGitWorktrees(repo: Repo): Promise<GitWorktreeEntry[]> {
  const out = (await git(repo.root, ["worktree", "list", "--porcelain", "-z"])).stdout;
  const entries: GitWorktreeEntry[] = [];
  let cur: GitWorktreeEntry | null = null;
  for (const field of splitZ(out)) {
    if (field === "") {
      if (cur) entries.push(cur);
      cur = null;
    } else if (field.startsWith("worktree ")) {
      cur = { path: field.slice(9), head: null, branch: null, prunable: false, locked: null };
    } else if (cur && field.startsWith("HEAD ")) cur.head = field.slice(5);
    else if (cur && field.startsWith("branch ")) cur.branch = field.slice(7).replace(/^refs\/heads\//, "");
    else if (cur && field.startsWith("prunable")) cur.prunable = true;
    else if (cur && (field === "locked" || field.startsWith("locked "))) cur.locked = field.slice(7);
  }
  if (cur) entries.push(cur);
  return entries;
}

export async function branchExists(repo: Repo, branch: string): Promise<boolean> {
  return (await git(repo.root, ["show-ref", "--verify", "--quiet", `refs/heads/${branch}`], { ok: [0, 1] })).code === 0;
}

export interface WorktreeStatus {
  /** The branch tip. */
  head: string;
  /** Commits on the branch not in `against`. */
  ahead: number;
  /** Commits in `against` not on the branch. */
  behind: number;
  /** Uncommitted changes (untracked files included). */
  dirty: boolean;
  /** What ahead/behind count against: the base branch's tip if it still exists, else the base commit. */
  against: string;
}

export async function worktreeStatus(repo: Repo, wt: Worktree): Promise<WorktreeStatus> {
  const against = wt.baseRef && (await branchExists(repo, wt.baseRef)) ? wt.baseRef : wt.base;
  const head = await gitText(repo.root, ["rev-parse", `refs/heads/${wt.branch}`]);
  const counts = await gitText(repo.root, ["rev-list", "--left-right", "--count", `${against}...${head}`]);
  const [behind, ahead] = counts.split(/\s+/).map(Number);
  const dirty = existsSync(wt.path) ? (await dirtyPaths(wt.path)).length > 0 : false;
  return { head, ahead: ahead ?? 0, behind: behind ?? 0, dirty, against };
}

/** Paths with uncommitted changes in the checkout at `dir` (untracked included; both names of a rename). */
export async function dirtyPaths(dir: string): Promise<string[]> {
  const out = (await git(dir, ["status", "--porcelain=v1", "-z", "--untracked-files=all"])).stdout;
  const paths: string[] = [];
  const fields = splitZ(out);
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    paths.push(f.slice(3));
    if (f[0] === "R" || f[0] === "C") paths.push(fields[++i] ?? "");
  }
  return paths;
}
