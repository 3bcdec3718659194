// A queue task whose worker runs in a git worktree (#11): whether its queue (or agent profile) asks for one, the
// spawn options that give it one, and, when the task ends, committing what the worker left uncommitted and recording
// the branch, its tip and the diff stats on the task's row. git work is src/git's; the worktree's lifecycle (made at
// spawn, kept or removed at close) is src/session/worktrees.ts's. It must not decide a task's outcome.

import type { LoadedConfig } from "../config/validate.ts";
import { commitAll, diffWorktree } from "../git/changes.ts";
import { git, gitText, splitZ } from "../git/exec.ts";
import type { SpawnOptions } from "../session/manager.ts";
import type { Db } from "../store/api.ts";
import type { TaskWorktree } from "../store/task-worktrees.ts";
import type { TaskRow } from "../store/tasks.ts";
import { existsSync } from "node:fs";

/** Whether the queue's workers run in worktrees: the queue's own setting, else its agent profile's. */
export function isolatedQueue(config: LoadedConfig, queue: string): boolean {
  const q = config.queues[queue];
  if (!q) return false;
  return (q.isolation ?? config.agents[q.agent]?.isolation ?? "none") === "worktree";
}

/** The isolation options of a worker's spawn, from its queue (the agent profile's apply to what the queue leaves unset). */
export function worktreeSpawnOptions(config: LoadedConfig, queue: string): Pick<SpawnOptions, "isolation" | "base" | "keep"> {
  const q = config.queues[queue];
  if (!q) return {};
  return {
    ...(q.isolation !== undefined ? { isolation: q.isolation } : {}),
    ...(q.base !== undefined ? { base: q.base } : {}),
    ...(q.keep !== undefined ? { keep: q.keep } : {}),
  };
}

/** The commit message for a task's leftovers: its queue and the first line of its payload. */
export function taskCommitMessage(row: Pick<TaskRow, "id" | "queue" | "payload">, handle: string): string {
  const first = (row.payload.split("\n").find((l) => l.trim()) ?? "").trim();
  const subject = `${row.queue}: ${first.length > 60 ? `${first.slice(0, 57)}...` : first}`;
  return `${subject}\n\nWhat aegis task ${row.id} (worker ${handle}) left uncommitted.`;
}

/**
 * Records the worker's worktree on the task row (and in `row`, which the task's finish reports): at the "start" its
 * branch and base (no git call); at the "end" after committing the worker's leftovers, or when it was "stopped"
 * (cancelled, shut down) as it is, with the branch tip and diff stats. Returns what it recorded; null if the worker
 * has no worktree, or its claim is no longer the task's (then nothing is written).
 */
export async function recordTaskWorktree(db: Db, row: TaskRow, handle: string, when: "start" | "end" | "stopped"): Promise<TaskWorktree | null> {
  const wt = await db.worktrees.getWorktree(handle);
  if (!wt) return null;
  let w: TaskWorktree = { branch: wt.branch, base: wt.base, commit: null, files: 0, added: 0, removed: 0 };
  if (when !== "start" && existsSync(wt.path)) {
    if (when === "end") {
      // Everything is committed now: the stats are one diff of two commits (no scratch index, no working tree scan).
      const tip = (await commitAll(wt.path, taskCommitMessage(row, handle))).commit;
      w = { ...w, commit: tip === wt.base ? null : tip, ...(tip === wt.base ? {} : await commitStats(wt.path, wt.base, tip)) };
    } else {
      const tip = await gitText(wt.path, ["rev-parse", "HEAD"]);
      const diff = await diffWorktree(wt.path, wt.base); // uncommitted and untracked files included
      w = {
        ...w, commit: tip === wt.base ? null : tip, files: diff.files.length,
        added: diff.files.reduce((n, f) => n + f.added, 0), removed: diff.files.reduce((n, f) => n + f.removed, 0),
      };
    }
  }
  // Fenced like the task's finish: a worker whose task was recovered elsewhere (lost lease) records nothing.
  if (!(await db.taskWorktrees.setTaskWorktree(row.id, w, row.owner ?? undefined, row.fence))) return null;
  Object.assign(row, { branch: w.branch, base: w.base, commit_sha: w.commit, diff_files: w.files, diff_added: w.added, diff_removed: w.removed });
  return w;
}

/** Files, lines added and removed between two commits (`git diff --numstat`; a binary file counts no lines). */
async function commitStats(dir: string, from: string, to: string): Promise<{ files: number; added: number; removed: number }> {
  const records = splitZ((await git(dir, ["diff", "--numstat", "--no-renames", "-z", from, to])).stdout);
  let added = 0;
  let removed = 0;
  for (const rec of records) {
    const [a, r] = rec.split("\t");
    added += Number(a) || 0; // "-" for a binary file
    removed += Number(r) || 0;
  }
  return { files: records.length, added, removed };
}
