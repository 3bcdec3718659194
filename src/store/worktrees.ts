// The `worktrees` table (#11): one row per git worktree aegis made for an isolated session, keyed by handle (its
// branch is `aegis/<handle>`, unique in git too): where it is, what it was made from, its keep policy, whether it is
// live (its session runs), kept (closed with work in it) or removed, and what a merge landed. The run that started
// it is known by `spawned_by`, so a resumed run reattaches its sessions to their own worktrees. It also adds
// `runs.start_branch`: the branch the project was on when a run started (engine.merge's default target).
// It only reads and writes rows; git lives in src/git/, the lifecycle in src/session/worktrees.ts.

import type { Migration } from "./migrations.ts";
import type { Store } from "./store.ts";

/** The version is set where it is appended to MIGRATIONS (its position there plus one). */
export function worktreesMigration(version: number): Migration {
  return {
    version,
    name: "worktrees",
    up: `CREATE TABLE worktrees (
      handle TEXT PRIMARY KEY,
      session_id TEXT,
      spawned_by TEXT,
      repo TEXT NOT NULL,
      path TEXT NOT NULL,
      branch TEXT NOT NULL,
      base TEXT NOT NULL,
      base_ref TEXT,
      keep TEXT NOT NULL CHECK (keep IN ('changed', 'always', 'never')),
      state TEXT NOT NULL CHECK (state IN ('live', 'kept', 'removed')),
      created_at INTEGER NOT NULL,
      closed_at INTEGER,
      merged_into TEXT,
      merged_commit TEXT,
      merged_head TEXT,
      merged_at INTEGER
    );
    ALTER TABLE runs ADD COLUMN start_branch TEXT;`,
  };
}

export type KeepPolicy = "changed" | "always" | "never";
export type WorktreeState = "live" | "kept" | "removed";

export interface WorktreeRow {
  handle: string;
  session_id: string | null;
  spawned_by: string | null;
  /** The main checkout's root. */
  repo: string;
  path: string;
  branch: string;
  /** The commit the branch was made from. */
  base: string;
  /** The branch `base` came from, if any. */
  base_ref: string | null;
  keep: KeepPolicy;
  state: WorktreeState;
  created_at: number;
  closed_at: number | null;
  merged_into: string | null;
  merged_commit: string | null;
  /** The branch tip that merge landed (later commits on the branch are unmerged work). */
  merged_head: string | null;
  merged_at: number | null;
  /** The machine the worktree's directory is on (#15): only that host reattaches, merges or prunes it. */
  host?: string | null;
}

export interface NewWorktree {
  handle: string;
  sessionId: string;
  spawnedBy: string | null;
  repo: string;
  path: string;
  branch: string;
  base: string;
  baseRef: string | null;
  keep: KeepPolicy;
  /** The machine it is made on (fleet migration's worktrees.host). */
  host?: string;
  at: number;
}

/** Records a new worktree (replacing the row of a removed one under the same handle). */
export function insertWorktree(store: Store, w: NewWorktree): void {
  if (w.host !== undefined) {
    store.sql(`INSERT OR REPLACE INTO worktrees (handle, session_id, spawned_by, repo, path, branch, base, base_ref, keep, state, created_at, host)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'live', ?, ?)`)
      .run(w.handle, w.sessionId, w.spawnedBy, w.repo, w.path, w.branch, w.base, w.baseRef, w.keep, w.at, w.host);
    return;
  }
  store.sql(`INSERT OR REPLACE INTO worktrees (handle, session_id, spawned_by, repo, path, branch, base, base_ref, keep, state, created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'live', ?)`)
    .run(w.handle, w.sessionId, w.spawnedBy, w.repo, w.path, w.branch, w.base, w.baseRef, w.keep, w.at);
}

export function getWorktree(store: Store, handle: string): WorktreeRow | null {
  return store.sql<WorktreeRow, [string]>("SELECT * FROM worktrees WHERE handle = ?").get(handle) ?? null;
}

/** Every worktree not removed, newest first. */
export function listWorktrees(store: Store, opts: { includeRemoved?: boolean } = {}): WorktreeRow[] {
  const where = opts.includeRemoved ? "" : "WHERE state != 'removed'";
  return store.sql<WorktreeRow, []>(`SELECT * FROM worktrees ${where} ORDER BY created_at DESC, handle`).all();
}

/** A session (re)attached to the worktree: live again, under its new session id. */
export function reattachWorktreeRow(store: Store, handle: string, sessionId: string): void {
  store.sql("UPDATE worktrees SET state = 'live', session_id = ?, closed_at = NULL WHERE handle = ?").run(sessionId, handle);
}

export function setWorktreeState(store: Store, handle: string, state: WorktreeState, at: number): void {
  store.sql("UPDATE worktrees SET state = ?, closed_at = ? WHERE handle = ?").run(state, at, handle);
}

export function recordWorktreeMerge(store: Store, handle: string, m: { into: string; commit: string; head: string; at: number }): void {
  store.sql("UPDATE worktrees SET merged_into = ?, merged_commit = ?, merged_head = ?, merged_at = ? WHERE handle = ?")
    .run(m.into, m.commit, m.head, m.at, handle);
}

/** Records the branch a run started on (null outside git or on a detached HEAD). */
export function setRunStartBranch(store: Store, runId: string, branch: string | null): void {
  store.sql("UPDATE runs SET start_branch = ? WHERE id = ?").run(branch, runId);
}

export function runStartBranch(store: Store, runId: string): string | null {
  return store.sql<{ start_branch: string | null }, [string]>("SELECT start_branch FROM runs WHERE id = ?").get(runId)?.start_branch ?? null;
}
