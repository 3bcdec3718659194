// Merging a worktree's branch into a target branch without ever leaving the target checkout conflicted or dirty.
// The merge is computed off to the side (`git merge-tree --write-tree` for merge and squash, a scratch worktree for
// rebase), and only a clean result moves the target: by a compare-and-swap `update-ref` when no checkout has the
// branch, else by `merge --ff-only` in that checkout after refusing if its uncommitted changes touch the merged
// paths. A conflict returns the paths and changes nothing.

import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { AegisError } from "../util/errors.ts";
import { identityEnv } from "./changes.ts";
import { git, gitText, splitZ } from "./exec.ts";
import type { Repo } from "./repo.ts";
import { dirtyPaths, listGitWorktrees } from "./worktree.ts";

export type MergeStrategy = "merge" | "squash" | "rebase";
export const MERGE_STRATEGIES: readonly MergeStrategy[] = ["merge", "squash", "rebase"];

export type MergeResult = { merged: true; commit: string } | { merged: false; conflicts: { path: string }[] };

export interface MergeOptions {
  /** The branch to merge (e.g. `aegis/brisk-curie`). */
  source: string;
  /** The branch that receives it (e.g. `main`). */
  into: string;
  /** Default "merge" (a fast-forward when the target has not moved, else a merge commit). */
  strategy?: MergeStrategy;
  /** The commit message of a merge or squash commit. */
  message?: string;
}

export async function mergeBranch(repo: Repo, o: MergeOptions): Promise<MergeResult> {
  const strategy = o.strategy ?? "merge";
  if (!MERGE_STRATEGIES.includes(strategy)) {
    throw new AegisError("E_USAGE", `unknown merge strategy "${String(strategy)}": use ${MERGE_STRATEGIES.join(", ")}`);
  }
  const target = await tip(repo, o.into, "the merge target");
  const source = await tip(repo, o.source, "the branch to merge");
  if (await isAncestor(repo, source, target)) return { merged: true, commit: target }; // nothing new
  const ff = await isAncestor(repo, target, source);
  let result: MergeResult;
  if (strategy === "rebase") result = ff ? { merged: true, commit: source } : await rebaseOnto(repo, source, target);
  else if (strategy === "merge" && ff) result = { merged: true, commit: source };
  else {
    const m = await mergeTree(repo, target, source);
    if ("conflicts" in m) return { merged: false, conflicts: m.conflicts };
    // The target already has every change (e.g. this branch was squashed into it before): nothing to commit.
    if (m.tree === (await gitText(repo.root, ["rev-parse", `${target}^{tree}`]))) return { merged: true, commit: target };
    const parents = strategy === "merge" ? ["-p", target, "-p", source] : ["-p", target];
    const message = o.message ?? (strategy === "merge" ? `Merge branch '${o.source}' into ${o.into}` : `${o.source} (squashed)`);
    const commit = await gitText(repo.root, ["commit-tree", m.tree, ...parents, "-m", message], { env: await identityEnv(repo.root) });
    result = { merged: true, commit };
  }
  if (result.merged) await moveBranch(repo, o.into, target, result.commit);
  return result;
}

async function tip(repo: Repo, branch: string, what: string): Promise<string> {
  const r = await git(repo.root, ["rev-parse", "--verify", "--quiet", `refs/heads/${branch}^{commit}`], { ok: [0, 1] });
  if (r.code !== 0) throw new AegisError("E_NOT_FOUND", `${what}, branch "${branch}", does not exist in ${repo.root}`, { data: { branch } });
  return r.stdout.trim();
}

export async function isAncestor(repo: Repo, a: string, b: string): Promise<boolean> {
  return (await git(repo.root, ["merge-base", "--is-ancestor", a, b], { ok: [0, 1] })).code === 0;
}

async function mergeTree(repo: Repo, target: string, source: string): Promise<{ tree: string } | { conflicts: { path: string }[] }> {
  const r = await git(repo.root, ["merge-tree", "--write-tree", "--name-only", "--no-messages", "-z", target, source], { ok: [0, 1] });
  const [tree, ...paths] = splitZ(r.stdout);
  if (r.code === 0 && tree) return { tree };
  return { conflicts: [...new Set(paths)].map((path) => ({ path })) };
}

/** Replays the source's commits onto the target in a scratch worktree (removed afterwards, whatever happens). */
async function rebaseOnto(repo: Repo, source: string, target: string): Promise<MergeResult> {
  mkdirSync(repo.worktreesDir, { recursive: true });
  const scratch = join(mkdtempSync(join(repo.worktreesDir, ".rebase-")), "wt");
  await git(repo.root, ["worktree", "add", "--quiet", "--detach", scratch, source]);
  try {
    const env = await identityEnv(repo.root);
    const r = await git(scratch, ["-c", "commit.gpgsign=false", "rebase", "--quiet", "--no-verify", target], { env, ok: [0, 1] });
    if (r.code === 0) return { merged: true, commit: await gitText(scratch, ["rev-parse", "HEAD"]) };
    const conflicts = splitZ((await git(scratch, ["diff", "--name-only", "-z", "--diff-filter=U"])).stdout).map((path) => ({ path }));
    await git(scratch, ["rebase", "--abort"], { ok: [0, 1, 128] });
    if (conflicts.length === 0) throw new AegisError("E_STATE", `git rebase failed: ${r.stderr.trim().split("\n").slice(-3).join(" ")}`);
    return { merged: false, conflicts };
  } finally {
    await git(repo.root, ["worktree", "remove", "--force", "--force", scratch], { ok: [0, 128] });
    rmSync(join(scratch, ".."), { recursive: true, force: true });
    await git(repo.root, ["worktree", "prune"]);
  }
}

/** Moves `branch` from `from` to its descendant `to`, updating the checkout that has it, if any, safely. */
async function moveBranch(repo: Repo, branch: string, from: string, to: string): Promise<void> {
  if (from === to) return;
  const checkout = (await listGitWorktrees(repo)).find((w) => w.branch === branch && !w.prunable);
  if (!checkout) {
    await git(repo.root, ["update-ref", "-m", "aegis merge", `refs/heads/${branch}`, to, from]);
    return;
  }
  const touched = new Set(splitZ((await git(repo.root, ["diff", "--name-only", "--no-renames", "-z", from, to])).stdout));
  const blocking = (await dirtyPaths(checkout.path)).filter((p) => touched.has(p));
  if (blocking.length > 0) {
    throw new AegisError("E_STATE", `not merging into ${branch}: its checkout ${checkout.path} has uncommitted changes in ${blocking.slice(0, 10).join(", ")}${blocking.length > 10 ? ", …" : ""}`, {
      data: { branch, checkout: checkout.path, paths: blocking },
      hint: "commit or stash those changes in the checkout, then merge again (nothing was changed)",
    });
  }
  await git(checkout.path, ["merge", "--ff-only", "--quiet", to]);
}
