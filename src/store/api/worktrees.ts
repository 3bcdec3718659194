// The worktrees family on the async store contract (#15), derived from src/store/worktrees.ts by the rule in
// PG-DESIGN.md §2.1: each `fn(store, ...args): R` there is `fn(...args): Promise<R>` here, same name; buffered writes
// return void. The SQLite backend implements it over the synchronous functions, the PostgreSQL backend over Bun.sql.
// Types only.

import type { WorktreeState, WorktreeRow, NewWorktree } from "../worktrees.ts";

export interface WorktreesApi {
  /** Records a new worktree (replacing the row of a removed one under the same handle). */
  insertWorktree(w: NewWorktree): Promise<void>;
  getWorktree(handle: string): Promise<WorktreeRow | null>;
  /** Every worktree not removed, newest first. */
  listWorktrees(opts?: { includeRemoved?: boolean }): Promise<WorktreeRow[]>;
  /** A session (re)attached to the worktree: live again, under its new session id. */
  reattachWorktreeRow(handle: string, sessionId: string): Promise<void>;
  setWorktreeState(handle: string, state: WorktreeState, at: number): Promise<void>;
  recordWorktreeMerge(handle: string, m: { into: string; commit: string; head: string; at: number }): Promise<void>;
  /** Records the branch a run started on (null outside git or on a detached HEAD). */
  setRunStartBranch(runId: string, branch: string | null): Promise<void>;
  runStartBranch(runId: string): Promise<string | null>;
}

// Not on the contract (pure helpers, or not taking the store): worktreesMigration.
