// What a queue task left in git when its worker ran in a worktree (#11): the branch, the base it was made from, the
// commit at its tip when the task ended, and the diff stats against that base, as columns of the `tasks` row so
// every read of a task (TASK_SELECT's `tasks.*`) carries them. It only reads and writes rows; when to commit and what
// to merge is src/queue/'s and src/git/'s business.

import type { Migration } from "./migrations.ts";
import type { Store } from "./store.ts";

/** The version is set where it is appended to MIGRATIONS (its position there plus one). */
export const TASK_WORKTREES_SQL = `ALTER TABLE tasks ADD COLUMN branch TEXT;
  ALTER TABLE tasks ADD COLUMN base TEXT;
  ALTER TABLE tasks ADD COLUMN commit_sha TEXT;
  ALTER TABLE tasks ADD COLUMN diff_files INTEGER;
  ALTER TABLE tasks ADD COLUMN diff_added INTEGER;
  ALTER TABLE tasks ADD COLUMN diff_removed INTEGER;`;

export function taskWorktreesMigration(version: number): Migration {
  return { version, name: "task worktrees", up: TASK_WORKTREES_SQL };
}

/** The worktree columns of a task row; null for a task whose worker shared the project's checkout. */
export interface TaskWorktreeColumns {
  branch?: string | null;
  base?: string | null;
  commit_sha?: string | null;
  diff_files?: number | null;
  diff_added?: number | null;
  diff_removed?: number | null;
}

export interface TaskWorktree {
  branch: string;
  /** The commit the worktree was made from. */
  base: string;
  /** The branch's tip when the task ended; null if the worker changed nothing (no commit was made). */
  commit: string | null;
  files: number;
  added: number;
  removed: number;
}

/**
 * Records the worktree a task's worker ran in (at the claim, commit null) or what it left (when the task ends). Given
 * the claimer's owner (and fence), it writes only while the task still runs under that claim (#15): a worker whose
 * task was recovered elsewhere records nothing. True if the row changed.
 */
export function setTaskWorktree(store: Store, taskId: string, w: TaskWorktree, owner?: string, fence?: number): boolean {
  return store.sql(`UPDATE tasks SET branch = ?, base = ?, commit_sha = ?, diff_files = ?, diff_added = ?, diff_removed = ? WHERE id = ?
      AND (? IS NULL OR (status = 'running' AND owner = ?)) AND (? IS NULL OR fence = ?)`)
    .run(w.branch, w.base, w.commit, w.files, w.added, w.removed, taskId, owner ?? null, owner ?? null, fence ?? null, fence ?? null).changes > 0;
}

/** The task's worktree record, or null if its worker had none. */
export function taskWorktreeOf(row: TaskWorktreeColumns): TaskWorktree | null {
  if (!row.branch) return null;
  return {
    branch: row.branch, base: row.base ?? "", commit: row.commit_sha ?? null,
    files: row.diff_files ?? 0, added: row.diff_added ?? 0, removed: row.diff_removed ?? 0,
  };
}
