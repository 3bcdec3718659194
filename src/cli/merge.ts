// `aegis merge <taskId|handle> [--strategy merge|squash|rebase] [--into BRANCH] [--json]`: merges the branch of a
// worktree aegis made (a queue task's worker, or any isolated session by handle) into a branch, committing what its
// worker left first, with the engine's result shape: `{ merged: true, commit }`, or `{ merged: false, conflicts:
// [{ path }] }` and exit 1, the target left as it was. The merge itself is src/session/worktree-ops.ts's.

import { defineCommand } from "citty";
import { currentBranch, openRepo } from "../git/repo.ts";
import { MERGE_STRATEGIES, type MergeResult, type MergeStrategy } from "../git/merge.ts";
import { mergeWorktree } from "../session/worktree-ops.ts";
import { requireLocalWorktree } from "../session/worktrees.ts";
import type { Db } from "../store/api.ts";
import { openDb } from "../store/open.ts";
import type { WorktreeRow } from "../store/worktrees.ts";
import { out } from "../ui/log.ts";
import { AegisError, UsageError } from "../util/errors.ts";
import { didYouMean } from "../config/validate.ts";
import { configArgs, jsonArg, loadConfigFromArgs } from "./context.ts";

export default defineCommand({
  meta: { name: "merge", description: "Merge a queue task's or an isolated session's worktree branch into a branch" },
  args: {
    target: { type: "positional", description: "The task id (task_…) or the session's handle", required: true },
    strategy: { type: "enum", options: [...MERGE_STRATEGIES], description: `How: ${MERGE_STRATEGIES.join(", ")} (default merge)`, valueHint: "strategy" },
    into: { type: "string", description: "The branch that receives it (default: the branch its worktree was made from, else the checked-out one)", valueHint: "branch" },
    message: { type: "string", description: "The message of a merge or squash commit", valueHint: "text" },
    ...configArgs,
    ...jsonArg,
  },
  async run({ args }) {
    const config = await loadConfigFromArgs(args);
    const db = await openDb({ config });
    try {
      const row = await worktreeOf(db, args.target);
      requireLocalWorktree(row, "merged"); // before git looks at a path that is another machine's (#15)
      const repo = await openRepo(row.repo);
      const into = args.into ?? row.base_ref ?? currentBranch(repo.root);
      if (!into) throw new UsageError(`${row.branch} was made from a commit, and ${repo.root} is on no branch: say where to merge it`, "pass --into <branch>");
      // Commits what its worker left, merges, and records a clean merge (src/session/worktree-ops.ts).
      const result: MergeResult = await mergeWorktree(db, row.handle, {
        into, strategy: (args.strategy ?? "merge") as MergeStrategy, ...(args.message ? { message: args.message } : {}),
      });
      if (args.json) out(JSON.stringify(result));
      else if (result.merged) out(`merged ${row.branch} into ${into}: ${result.commit}`);
      else out(`not merged: ${row.branch} conflicts with ${into} in ${result.conflicts.map((c) => c.path).join(", ")} (${into} is unchanged)`);
      return result.merged ? 0 : 1;
    } finally {
      await db.close();
    }
  },
});

/** The worktree of a task's worker (task_…) or of the session with that handle. E_NOT_FOUND, naming what exists. */
export async function worktreeOf(db: Db, target: string): Promise<WorktreeRow> {
  if (target.startsWith("task_")) {
    const task = await db.tasks.getTask(target);
    if (!task) throw new AegisError("E_NOT_FOUND", `no task ${target}`, { hint: "`aegis tasks` lists the known tasks" });
    if (task.status === "pending" || task.status === "running") {
      throw new AegisError("E_STATE", `task ${target} is still ${task.status}: its worker's branch is not finished`, {
        data: { taskId: target, status: task.status }, hint: `merge it once it ends (\`aegis task ${target}\` shows its status)`,
      });
    }
    const row = task.worker_handle ? await db.worktrees.getWorktree(task.worker_handle) : null;
    if (row && task.branch && !task.commit_sha) {
      throw new AegisError("E_NOT_FOUND", `task ${target} changed nothing: there is nothing to merge`, { data: { taskId: target, branch: task.branch } });
    }
    if (!row) {
      throw new AegisError("E_NOT_FOUND", `task ${target} has no worktree: its worker ${task.worker_handle ? `${task.worker_handle} shared the project's checkout` : "never started"}`, {
        hint: 'give its queue isolation: "worktree" in .aegis.ts',
      });
    }
    return row;
  }
  const row = await db.worktrees.getWorktree(target);
  if (row && row.state !== "removed") return row;
  const known = (await db.worktrees.listWorktrees()).map((w) => w.handle);
  throw new AegisError("E_NOT_FOUND", `no worktree for "${target}"${row ? " (it was removed)" : didYouMean(target, known)}`, {
    hint: known.length ? `known worktrees: ${known.slice(0, 10).join(", ")}` : "worktrees come from spawns with isolation: \"worktree\"",
  });
}
