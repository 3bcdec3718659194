// The dashboard family on PostgreSQL (#15): DashboardApi over Bun.sql, the same rows as src/store/dashboard.ts (the
// reads behind `aegis ui` and `aegis chat`). Short, indexed, bounded SELECTs only; it never writes.

import type { SQL } from "bun";
import type { DashboardApi } from "../api/dashboard.ts";
import type { TaskBrief } from "../dashboard.ts";
import { numbered } from "./rows.ts";
import { pgSessionRow } from "./sessions.ts";

const BRIEF = "id, queue, status, worker_handle, worker_session, substr(payload, 1, 200) AS payload, enqueued_at";

export function pgDashboard(sql: SQL): DashboardApi {
  const briefs = async (q: Promise<Record<string, unknown>[]>): Promise<TaskBrief[]> => (await q).map((r) => numbered<TaskBrief>(r, ["enqueued_at"]));
  return {
    async openSessionRows() {
      return (await sql`SELECT * FROM sessions WHERE closed_at IS NULL ORDER BY created_at, id`).map(pgSessionRow);
    },
    async recentlyClosedSessionRows(since, limit) {
      const rows = await sql`SELECT * FROM sessions WHERE closed_at > ${since} ORDER BY closed_at DESC, id DESC LIMIT ${limit}`;
      return rows.map(pgSessionRow).reverse();
    },
    async taskCountsByQueue() {
      return (await sql`SELECT queue, status, count(*)::int4 AS n FROM tasks GROUP BY queue, status`)
        .map((r: { queue: string; status: string; n: number }) => ({ queue: r.queue, status: r.status, n: Number(r.n) }));
    },
    async runningStepLabels(runIds) {
      const out = new Map<string, string>();
      if (runIds.length === 0) return out;
      const rows = await sql`SELECT run_id, label FROM steps WHERE status = 'running' AND run_id = ANY(${sql.array([...runIds], "TEXT")}::text[]) ORDER BY seq`;
      for (const s of rows as { run_id: string; label: string }[]) out.set(s.run_id, s.label);
      return out;
    },
    async activeTaskBriefs(limit) {
      return await briefs(sql`SELECT ${sql.unsafe(BRIEF)} FROM tasks WHERE status IN ('pending', 'running') ORDER BY seq LIMIT ${limit}`);
    },
    async finishedTaskBriefs(limit) {
      return (await briefs(sql`SELECT ${sql.unsafe(BRIEF)} FROM tasks WHERE status NOT IN ('pending', 'running') ORDER BY seq DESC LIMIT ${limit}`)).reverse();
    },
    async lastEventId() {
      const [r] = await sql`SELECT coalesce(max(id), 0)::int8 AS id FROM events`;
      return Number(r?.id ?? 0);
    },
  };
}
