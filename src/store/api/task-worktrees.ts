// The task-worktrees family on the async store contract (#15), derived from src/store/task-worktrees.ts by the rule in
// PG-DESIGN.md §2.1: each `fn(store, ...args): R` there is `fn(...args): Promise<R>` here, same name; buffered writes
// return void. The SQLite backend implements it over the synchronous functions, the PostgreSQL backend over Bun.sql.
// Types only.

import type { TaskWorktree } from "../task-worktrees.ts";

export interface TaskWorktreesApi {
  /** Records the worktree a task's worker ran in (at the claim, commit null) or what it left (when the task ends). */
  setTaskWorktree(taskId: string, w: TaskWorktree): Promise<void>;
}

// Not on the contract (pure helpers, or not taking the store): taskWorktreesMigration, taskWorktreeOf.
