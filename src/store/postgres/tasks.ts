// The tasks family on PostgreSQL (#15): TasksApi over Bun.sql, the same rows and guarantees as src/store/tasks.ts —
// FIFO by seq, every transition guarded by the expected status (and owner), counts kept by the queue_counts trigger.
// Claims lock the queue's counts row (exact running count across the fleet) and take pending rows FOR UPDATE SKIP
// LOCKED, and require the claimer's live lease (by the database clock) when asked. It holds SQL only; queue policy
// lives in src/queue/.

import type { SQL } from "bun";
import type { TasksApi } from "../api/tasks.ts";
import type { TaskWorktreesApi } from "../api/task-worktrees.ts";
import { workerSessionId, type NewTask, type PendingTask, type TaskOutcome, type TaskRow } from "../tasks.ts";
import { PG_NOW_MS as NOW } from "./schema.ts";

/** int8 columns arrive as strings from Bun.sql; these become numbers. */
const INT8 = ["seq", "enqueued_at", "started_at", "finished_at", "input_tokens", "output_tokens", "fence"] as const;

export function pgTaskRow<T = TaskRow>(r: Record<string, unknown>): T {
  for (const k of INT8) if (typeof r[k] === "string") r[k] = Number(r[k]);
  return r as T;
}

const PENDING_COLUMNS = "seq, id, queue, payload, enqueued_by, callback, idempotency_key, enqueued_at";

/**
 * A task as read back: a running task's worker handle lives on its session row (the claim records only the session
 * id), so it is filled in from there, as on SQLite.
 */
const TASK_SELECT = `SELECT t.seq, t.id, t.queue, t.payload, t.enqueued_by, t.callback, t.idempotency_key, t.status, t.owner,
  coalesce(t.worker_handle, (SELECT s.handle FROM sessions s WHERE s.id = t.worker_session)) AS worker_handle, t.worker_session,
  t.cancel_requested, t.result, t.error, t.enqueued_at, t.started_at, t.finished_at, t.cost_usd, t.input_tokens, t.output_tokens,
  t.branch, t.base, t.commit_sha, t.diff_files, t.diff_added, t.diff_removed, t.fence, t.host,
  (SELECT s.host FROM sessions s WHERE s.id = t.worker_session) AS worker_host FROM tasks t`;

/** The task-worktrees family on PostgreSQL: the worktree columns of a task row. */
export function pgTaskWorktrees(sql: SQL): TaskWorktreesApi {
  return {
    async setTaskWorktree(taskId, w, owner?: string, fence?: number) {
      const r = await sql`UPDATE tasks SET branch = ${w.branch}, base = ${w.base}, commit_sha = ${w.commit}, diff_files = ${w.files},
        diff_added = ${w.added}, diff_removed = ${w.removed} WHERE id = ${taskId}
          AND (${owner ?? null}::text IS NULL OR (status = 'running' AND owner = ${owner ?? null}))
          AND (${fence ?? null}::int8 IS NULL OR fence = ${fence ?? null}) RETURNING seq`;
      return r.length > 0;
    },
  };
}

/** TasksApi on a pool or inside a transaction (`sql` is then the transaction handle). */
export function pgTasks(sql: SQL): TasksApi {
  const rows = async <T>(q: Promise<Record<string, unknown>[]>): Promise<T[]> => (await q).map((r) => pgTaskRow<T>(r));
  const api: TasksApi = {
    async insertTask(t: NewTask) {
      const [r] = await sql`INSERT INTO tasks (id, queue, payload, enqueued_by, callback, idempotency_key, status, enqueued_at, host)
        VALUES (${t.id}, ${t.queue}, ${t.payload}, ${t.enqueuedBy}, ${t.callback ? 1 : 0}, ${t.idempotencyKey ?? null}, 'pending', ${t.at},
          ${t.host ?? null}) RETURNING seq`;
      return Number(r.seq);
    },
    async getTask(id) {
      return (await rows<TaskRow>(sql`${sql.unsafe(TASK_SELECT)} WHERE t.id = ${id}`))[0] ?? null;
    },
    async findByIdempotencyKey(queue, key) {
      return (await rows<TaskRow>(sql`${sql.unsafe(TASK_SELECT)} WHERE t.queue = ${queue} AND t.idempotency_key = ${key}`))[0] ?? null;
    },
    async pendingPosition(t) {
      if (t.status !== "pending") return 0;
      const [r] = await sql`SELECT count(*)::int4 AS n FROM tasks WHERE queue = ${t.queue} AND status = 'pending' AND seq <= ${t.seq}`;
      return Number(r?.n ?? 0);
    },
    async queueCounts(queue) {
      const [r] = await sql`SELECT pending, running FROM queue_counts WHERE queue = ${queue}`;
      return { pending: Number(r?.pending ?? 0), running: Number(r?.running ?? 0) };
    },
    async pendingHead(queue, n) {
      return await rows<PendingTask>(sql`SELECT ${sql.unsafe(PENDING_COLUMNS)} FROM tasks WHERE status = 'pending' AND queue = ${queue}
        ORDER BY seq LIMIT ${n}`);
    },
    async claimTask(p: PendingTask, owner: string, at: number) {
      const [r] = await sql`UPDATE tasks SET status = 'running', owner = ${owner}, started_at = ${at}, worker_session = ${workerSessionId(p.id)},
        fence = fence + 1 WHERE seq = ${p.seq} AND status = 'pending' RETURNING *`;
      return r ? pgTaskRow<TaskRow>(r) : null;
    },
    async claimTasks(queue, maxParallel, owner, at, limit = Infinity, o = {}) {
      const max = Math.min(maxParallel, 2 ** 31 - 1);
      const cap = Math.min(limit, max);
      if (cap <= 0) return [];
      // One statement, one commit: the counts row lock makes `running` exact across the fleet for this statement only;
      // SKIP LOCKED lets concurrent claimers pass rows another transaction holds; a lost lease claims nothing.
      const claimed = await rows<TaskRow>(sql`WITH me AS (
          SELECT 1 WHERE NOT ${o.leased ?? false}::bool
          UNION ALL SELECT 1 FROM owners WHERE ${o.leased ?? false}::bool AND id = ${owner}
            AND (lease_expires_at IS NULL OR lease_expires_at > ${sql.unsafe(NOW)})
        ), slot AS (
          SELECT greatest(0, least(${cap}::int8, ${max}::int8 - running)) AS free
          FROM queue_counts WHERE queue = ${queue} AND EXISTS (SELECT 1 FROM me) FOR UPDATE
        ), picked AS (
          SELECT seq FROM tasks WHERE status = 'pending' AND queue = ${queue}
            AND (${o.host ?? null}::text IS NULL OR host IS NULL OR host = ${o.host ?? null})
          ORDER BY seq LIMIT coalesce((SELECT free FROM slot), 0) FOR UPDATE SKIP LOCKED
        )
        UPDATE tasks t SET status = 'running', owner = ${owner}, started_at = ${at}, fence = t.fence + 1,
          worker_session = 'ses_' || substr(t.id, position('_' in t.id) + 1)
        FROM picked WHERE t.seq = picked.seq RETURNING t.*`);
      return claimed.sort((a, b) => a.seq - b.seq);
    },
    async finishTask(id: string, from, o: TaskOutcome, owner?: string, fence?: number) {
      const r = await sql`UPDATE tasks SET status = ${o.status}, result = ${o.result}, error = ${o.error}, finished_at = ${o.at},
          cost_usd = ${o.costUsd ?? 0}, input_tokens = ${o.inputTokens ?? 0}, output_tokens = ${o.outputTokens ?? 0},
          worker_handle = coalesce(${o.workerHandle ?? null}, worker_handle, (SELECT s.handle FROM sessions s WHERE s.id = tasks.worker_session))
        WHERE id = ${id} AND status = ${from} AND (${owner ?? null}::text IS NULL OR owner = ${owner ?? null})
          AND (${fence ?? null}::int8 IS NULL OR fence = ${fence ?? null}) RETURNING seq`;
      return r.length > 0;
    },
    async finishTasks(list) {
      if (list.length === 0) return [];
      // One statement (and one commit): the queue's counts row and the commit's NOTIFY lock are taken once for all.
      // The rows are locked in seq order, so two of these, or one and a recovery, never wait on each other in a cycle.
      const v = JSON.stringify(list.map((f) => ({
        id: f.id, from_status: f.from, owner: f.owner ?? null, fence: f.fence ?? null, status: f.outcome.status, result: f.outcome.result,
        error: f.outcome.error, at: f.outcome.at, cost_usd: f.outcome.costUsd ?? 0, input_tokens: f.outcome.inputTokens ?? 0,
        output_tokens: f.outcome.outputTokens ?? 0, worker_handle: f.outcome.workerHandle ?? null,
      })));
      for (let attempt = 1; ; attempt++) {
        try {
          const r = await sql`WITH v AS (
              SELECT * FROM json_to_recordset(${v}::text::json) AS x(id text, from_status text, owner text, fence int8, status text,
                result text, error text, at int8, cost_usd float8, input_tokens int8, output_tokens int8, worker_handle text)
            ), hit AS (
              SELECT t.seq FROM tasks t JOIN v ON t.id = v.id ORDER BY t.seq FOR UPDATE OF t
            )
            UPDATE tasks t SET status = v.status, result = v.result, error = v.error, finished_at = v.at, cost_usd = v.cost_usd,
              input_tokens = v.input_tokens, output_tokens = v.output_tokens,
              worker_handle = coalesce(v.worker_handle, t.worker_handle, (SELECT s.handle FROM sessions s WHERE s.id = t.worker_session))
            FROM v, hit WHERE t.seq = hit.seq AND t.id = v.id AND t.status = v.from_status
              AND (v.owner IS NULL OR t.owner = v.owner) AND (v.fence IS NULL OR t.fence = v.fence) RETURNING t.id`;
          return r.map((x: { id: string }) => x.id);
        } catch (err) {
          // All or nothing, so running it again is safe (a deadlock with another process's multi-row write).
          const code = String((err as { errno?: unknown }).errno ?? (err as { code?: unknown }).code);
          if (attempt >= 3 || (code !== "40P01" && code !== "40001")) throw err;
        }
      }
    },
    async requestCancel(id) {
      return (await sql`UPDATE tasks SET cancel_requested = 1 WHERE id = ${id} AND status = 'running' RETURNING seq`).length > 0;
    },
    async cancelRequestedFor(owner) {
      return (await sql`SELECT id FROM tasks WHERE owner = ${owner} AND status = 'running' AND cancel_requested = 1 ORDER BY seq`)
        .map((r: { id: string }) => r.id);
    },
    async ownersOfRunningTasks() {
      return (await sql`SELECT DISTINCT owner FROM tasks WHERE status = 'running' AND owner IS NOT NULL`).map((r: { owner: string }) => r.owner);
    },
    async runningTasksOf(owner) {
      return await rows<TaskRow>(sql`${sql.unsafe(TASK_SELECT)} WHERE t.status = 'running' AND t.owner = ${owner} ORDER BY t.seq`);
    },
    async listTasks(f = {}) {
      return await rows<TaskRow>(sql`${sql.unsafe(TASK_SELECT)} WHERE (${f.queue ?? null}::text IS NULL OR t.queue = ${f.queue ?? null})
        AND (${f.status ?? null}::text IS NULL OR t.status = ${f.status ?? null}) ORDER BY t.seq LIMIT ${f.limit ?? null}`);
    },
    async spendSince(queue, since) {
      return (await sql`SELECT finished_at, cost_usd, output_tokens FROM tasks WHERE queue = ${queue} AND finished_at > ${since}
        ORDER BY finished_at`).map((r: Record<string, unknown>) => ({
        finished_at: Number(r.finished_at), cost_usd: Number(r.cost_usd), output_tokens: Number(r.output_tokens),
      }));
    },
  };
  return api;
}
