// The task-worktrees family on the async store contract (#15), derived from src/store/task-worktrees.ts by the rule in
// PG-DESIGN.md §2.1: each `fn(store, ...args): R` there is `fn(...args): Promise<R>` here, same name; buffered writes
// return void. The SQLite backend implements it over the synchronous functions, the PostgreSQL backend over Bun.sql.
// Types only.

import type { TaskWorktree } from "../task-worktrees.ts";

export interface TaskWorktreesApi {
  /**
   * Records the worktree a task's worker ran in (at the claim, commit null) or what it left (when the task ends). Given
   * the claimer's owner (and fence), it writes only while the task still runs under that claim; true if the row changed.
   */
  setTaskWorktree(taskId: string, w: TaskWorktree, owner?: string, fence?: number): Promise<boolean>;
}

// Not on the contract (pure helpers, or not taking the store): taskWorktreesMigration, taskWorktreeOf.
