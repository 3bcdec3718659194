// The worktrees family on PostgreSQL (#15): WorktreesApi over Bun.sql — one row per git worktree aegis made, and
// runs.start_branch, the same rows as src/store/worktrees.ts (a removed worktree's row is replaced whole when its
// handle is used again). It holds SQL only; git lives in src/git/, the lifecycle in src/session/worktrees.ts.

import type { SQL } from "bun";
import type { WorktreesApi } from "../api/worktrees.ts";
import type { NewWorktree, WorktreeRow } from "../worktrees.ts";
import { numberedRows } from "./rows.ts";

const WORKTREE_NUMS = ["created_at", "closed_at", "merged_at"] as const;

/** WorktreesApi on a pool or inside a transaction (`sql` is then the transaction handle). */
export function pgWorktrees(sql: SQL): WorktreesApi {
  const rows = (q: Promise<Record<string, unknown>[]>) => numberedRows<WorktreeRow>(q, WORKTREE_NUMS);
  return {
    async insertWorktree(w: NewWorktree) {
      await sql`INSERT INTO worktrees (handle, session_id, spawned_by, repo, path, branch, base, base_ref, keep, state, created_at, host)
        VALUES (${w.handle}, ${w.sessionId}, ${w.spawnedBy}, ${w.repo}, ${w.path}, ${w.branch}, ${w.base}, ${w.baseRef}, ${w.keep}, 'live', ${w.at}, ${w.host ?? null})
        ON CONFLICT (handle) DO UPDATE SET session_id = excluded.session_id, spawned_by = excluded.spawned_by, repo = excluded.repo,
          path = excluded.path, branch = excluded.branch, base = excluded.base, base_ref = excluded.base_ref, keep = excluded.keep,
          state = 'live', created_at = excluded.created_at, closed_at = NULL, merged_into = NULL, merged_commit = NULL,
          merged_head = NULL, merged_at = NULL, host = excluded.host`;
    },
    async getWorktree(handle) {
      return (await rows(sql`SELECT * FROM worktrees WHERE handle = ${handle}`))[0] ?? null;
    },
    async listWorktrees(opts = {}) {
      return opts.includeRemoved
        ? await rows(sql`SELECT * FROM worktrees ORDER BY created_at DESC, handle`)
        : await rows(sql`SELECT * FROM worktrees WHERE state != 'removed' ORDER BY created_at DESC, handle`);
    },
    async reattachWorktreeRow(handle, sessionId) {
      await sql`UPDATE worktrees SET state = 'live', session_id = ${sessionId}, closed_at = NULL WHERE handle = ${handle}`;
    },
    async setWorktreeState(handle, state, at) {
      await sql`UPDATE worktrees SET state = ${state}, closed_at = ${at} WHERE handle = ${handle}`;
    },
    async recordWorktreeMerge(handle, m) {
      await sql`UPDATE worktrees SET merged_into = ${m.into}, merged_commit = ${m.commit}, merged_head = ${m.head}, merged_at = ${m.at}
        WHERE handle = ${handle}`;
    },
    async setRunStartBranch(runId, branch) {
      await sql`UPDATE runs SET start_branch = ${branch} WHERE id = ${runId}`;
    },
    async runStartBranch(runId) {
      const [r] = await sql`SELECT start_branch FROM runs WHERE id = ${runId}`;
      return (r?.start_branch as string | null | undefined) ?? null;
    },
  };
}
