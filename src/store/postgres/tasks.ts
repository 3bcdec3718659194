// The tasks family on PostgreSQL (#15): TasksApi over Bun.sql, the same rows and guarantees as src/store/tasks.ts —
// FIFO by seq, every transition guarded by the expected status (and owner), counts kept by the queue_counts trigger.
// Claims lock the queue's counts row (exact running count across the fleet) and take pending rows FOR UPDATE SKIP
// LOCKED. It holds SQL only; queue policy lives in src/queue/. (The worker session's handle, which SQLite reads from
// the sessions row, is read here once the sessions family is on PostgreSQL.)

import type { SQL } from "bun";
import type { TasksApi } from "../api/tasks.ts";
import { workerSessionId, type NewTask, type PendingTask, type TaskOutcome, type TaskRow } from "../tasks.ts";

/** int8 columns arrive as strings from Bun.sql; these become numbers. */
const INT8 = ["seq", "enqueued_at", "started_at", "finished_at", "input_tokens", "output_tokens", "fence"] as const;

export function pgTaskRow<T = TaskRow>(r: Record<string, unknown>): T {
  for (const k of INT8) if (typeof r[k] === "string") r[k] = Number(r[k]);
  delete r.fence; // a contract row carries the fence only where a claim hands it out
  delete r.host;
  return r as T;
}

const PENDING_COLUMNS = "seq, id, queue, payload, enqueued_by, callback, idempotency_key, enqueued_at";

/** TasksApi on a pool or inside a transaction (`sql` is then the transaction handle). */
export function pgTasks(sql: SQL): TasksApi {
  const rows = async <T>(q: Promise<Record<string, unknown>[]>): Promise<T[]> => (await q).map((r) => pgTaskRow<T>(r));
  const api: TasksApi = {
    async insertTask(t: NewTask) {
      const [r] = await sql`INSERT INTO tasks (id, queue, payload, enqueued_by, callback, idempotency_key, status, enqueued_at)
        VALUES (${t.id}, ${t.queue}, ${t.payload}, ${t.enqueuedBy}, ${t.callback ? 1 : 0}, ${t.idempotencyKey ?? null}, 'pending', ${t.at})
        RETURNING seq`;
      return Number(r.seq);
    },
    async getTask(id) {
      return (await rows<TaskRow>(sql`SELECT * FROM tasks WHERE id = ${id}`))[0] ?? null;
    },
    async findByIdempotencyKey(queue, key) {
      return (await rows<TaskRow>(sql`SELECT * FROM tasks WHERE queue = ${queue} AND idempotency_key = ${key}`))[0] ?? null;
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
    async claimTasks(queue, maxParallel, owner, at, limit = Infinity) {
      const cap = Math.min(limit, maxParallel, 2 ** 31 - 1);
      if (cap <= 0) return [];
      const claimed = await rows<TaskRow>(sql`WITH slot AS (
          SELECT greatest(0, least(${cap}::int8, ${Math.min(maxParallel, 2 ** 31 - 1)}::int8 - running)) AS free
          FROM queue_counts WHERE queue = ${queue} FOR UPDATE
        ), picked AS (
          SELECT seq FROM tasks WHERE status = 'pending' AND queue = ${queue}
          ORDER BY seq LIMIT coalesce((SELECT free FROM slot), 0) FOR UPDATE SKIP LOCKED
        )
        UPDATE tasks t SET status = 'running', owner = ${owner}, started_at = ${at}, fence = t.fence + 1,
          worker_session = 'ses_' || substr(t.id, position('_' in t.id) + 1)
        FROM picked WHERE t.seq = picked.seq RETURNING t.*`);
      return claimed.sort((a, b) => a.seq - b.seq);
    },
    async finishTask(id: string, from, o: TaskOutcome, owner?: string) {
      const r = await sql`UPDATE tasks SET status = ${o.status}, result = ${o.result}, error = ${o.error}, finished_at = ${o.at},
          cost_usd = ${o.costUsd ?? 0}, input_tokens = ${o.inputTokens ?? 0}, output_tokens = ${o.outputTokens ?? 0},
          worker_handle = coalesce(${o.workerHandle ?? null}, worker_handle)
        WHERE id = ${id} AND status = ${from} AND (${owner ?? null}::text IS NULL OR owner = ${owner ?? null}) RETURNING seq`;
      return r.length > 0;
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
      return await rows<TaskRow>(sql`SELECT * FROM tasks WHERE status = 'running' AND owner = ${owner} ORDER BY seq`);
    },
    async listTasks(f = {}) {
      return await rows<TaskRow>(sql`SELECT * FROM tasks WHERE (${f.queue ?? null}::text IS NULL OR queue = ${f.queue ?? null})
        AND (${f.status ?? null}::text IS NULL OR status = ${f.status ?? null}) ORDER BY seq LIMIT ${f.limit ?? null}`);
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
