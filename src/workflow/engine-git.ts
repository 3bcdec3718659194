// The engine's worktree verbs (#11): worktree, commit, diff and merge by session handle, each one journaled step so a
// resumed run gets the recorded result back instead of committing or merging twice. `merge` defaults its target to
// the branch the project was on when the run started (runs.start_branch). The git work is session/worktree-ops.ts's.

import { diffWorktreeOf, commitWorktree, mergeWorktree, requireWorktree } from "../session/worktree-ops.ts";
import type { Db } from "../store/api.ts";
import { AegisError } from "../util/errors.ts";
import type { CommitResult, MergeOptions, MergeResult, WorktreeDiff, WorktreeInfo } from "./engine-types.ts";
import type { Journal } from "./journal.ts";

const STRATEGIES = ["merge", "squash", "rebase"];

export class EngineGit {
  constructor(private readonly db: Db, private readonly journal: Journal, private readonly runId: string) {}

  worktree(handle: string): Promise<WorktreeInfo> {
    return this.journal.step<WorktreeInfo>({ kind: "worktree", label: `worktree ${handle}`, input: { handle } }, async () => {
      const row = await requireWorktree(this.db, handle);
      return { output: { path: row.path, branch: row.branch, base: row.base } };
    });
  }

  commit(handle: string, message?: string): Promise<CommitResult> {
    return this.journal.step<CommitResult>(
      { kind: "commit", label: `commit ${handle}`, input: { handle, message: message ?? null } },
      async () => ({ output: await commitWorktree(this.db, handle, message) }),
    );
  }

  diff(handle: string): Promise<WorktreeDiff> {
    return this.journal.step<WorktreeDiff>({ kind: "diff", label: `diff ${handle}`, input: { handle } }, async () => ({
      output: await diffWorktreeOf(this.db, handle),
    }));
  }

  merge(handle: string, opts: MergeOptions = {}): Promise<MergeResult> {
    if (opts.strategy !== undefined && !STRATEGIES.includes(opts.strategy)) {
      throw new AegisError("E_USAGE", `merge(${handle}): unknown strategy "${String(opts.strategy)}": use ${STRATEGIES.join(", ")}`);
    }
    const input = { handle, into: opts.into ?? null, strategy: opts.strategy ?? "merge", message: opts.message ?? null };
    return this.journal.step<MergeResult>(
      { kind: "merge", label: `merge ${handle}${opts.into ? ` into ${opts.into}` : ""} (${input.strategy})`, input },
      async () => {
        const into = opts.into ?? (await this.db.worktrees.runStartBranch(this.runId));
        if (!into) {
          throw new AegisError("E_USAGE", `merge(${handle}): the run started on no branch (a detached HEAD or no git), so there is no default target`, {
            hint: 'pass { into: "<branch>" }',
          });
        }
        return { output: await mergeWorktree(this.db, handle, { into, strategy: input.strategy as "merge", ...(opts.message ? { message: opts.message } : {}) }) };
      },
    );
  }
}
