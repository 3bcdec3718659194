// The schedules family on PostgreSQL (#15): SchedulesApi over Bun.sql — fires keyed by (schedule, scheduled time) and
// one cursor per schedule, the same rows as src/store/schedules.ts. recordFires inserts with ON CONFLICT DO NOTHING
// RETURNING, so when several `aegis serve` share one database exactly one of them gets a fire back and starts its run.
// It holds SQL only; when to fire and what overlap means is src/schedule/'s business.

import type { SQL } from "bun";
import type { SchedulesApi } from "../api/schedules.ts";
import type { FireRow, FireWithRun, PlannedFire } from "../schedules.ts";
import { atomic, numberedRows } from "./rows.ts";

const FIRE_NUMS = ["scheduled_at", "created_at", "started_at"] as const;

/** SchedulesApi on a pool or inside a transaction (`sql` is then the transaction handle). */
export function pgSchedules(sql: SQL): SchedulesApi {
  const fires = <T = FireRow>(q: Promise<Record<string, unknown>[]>) => numberedRows<T>(q, FIRE_NUMS);
  return {
    async scheduleCursor(schedule, spec, initial) {
      const [row] = await sql`SELECT spec, cursor FROM schedule_cursors WHERE schedule = ${schedule}`;
      if (row && row.spec === spec) return Number(row.cursor);
      await sql`INSERT INTO schedule_cursors (schedule, spec, cursor) VALUES (${schedule}, ${spec}, ${initial})
        ON CONFLICT (schedule) DO UPDATE SET spec = excluded.spec, cursor = excluded.cursor`;
      return initial;
    },
    async recordFires(schedule, cursor, planned: PlannedFire[], at, manual = false, firedBy?: string) {
      return await atomic(sql, async (t) => {
        const inserted: PlannedFire[] = [];
        // One statement per fire, in order: a fire another serve inserted first comes back empty and is not ours.
        for (const f of planned) {
          const r = await t`INSERT INTO schedule_fires (schedule, scheduled_at, state, manual, reason, created_at, fired_by)
            VALUES (${schedule}, ${f.scheduledAt}, ${f.state}, ${manual ? 1 : 0}, ${f.reason ?? null}, ${at}, ${firedBy ?? null})
            ON CONFLICT DO NOTHING RETURNING scheduled_at`;
          if (r.length > 0) inserted.push(f);
        }
        if (cursor !== null) await t`UPDATE schedule_cursors SET cursor = greatest(cursor, ${cursor}) WHERE schedule = ${schedule}`;
        return inserted;
      });
    },
    async adoptFire(schedule, scheduledAt, from, to) {
      return (await sql`UPDATE schedule_fires SET fired_by = ${to} WHERE schedule = ${schedule} AND scheduled_at = ${scheduledAt}
        AND fired_by = ${from} AND state = 'pending' RETURNING schedule`).length > 0;
    },
    async pendingFires(schedule) {
      return await fires(sql`SELECT * FROM schedule_fires WHERE schedule = ${schedule} AND state = 'pending' ORDER BY scheduled_at`);
    },
    async markFireStarted(schedule, scheduledAt, runId, at) {
      await sql`UPDATE schedule_fires SET state = 'started', run_id = ${runId}, started_at = ${at}
        WHERE schedule = ${schedule} AND scheduled_at = ${scheduledAt}`;
    },
    async markFireSkipped(schedule, scheduledAt, reason) {
      await sql`UPDATE schedule_fires SET state = 'skipped', reason = ${reason} WHERE schedule = ${schedule} AND scheduled_at = ${scheduledAt}`;
    },
    async runOfCaller(caller) {
      const [r] = await sql`SELECT id FROM runs WHERE caller = ${caller} ORDER BY created_at LIMIT 1`;
      return (r?.id as string | undefined) ?? null;
    },
    async runStatusOf(runId) {
      const [r] = await sql`SELECT status FROM runs WHERE id = ${runId}`;
      return (r?.status as string | undefined) ?? null;
    },
    async lastStartedFire(schedule) {
      return (await fires<FireWithRun>(sql`SELECT f.*, r.status AS run_status FROM schedule_fires f LEFT JOIN runs r ON r.id = f.run_id
        WHERE f.schedule = ${schedule} AND f.state = 'started' ORDER BY f.scheduled_at DESC LIMIT 1`))[0] ?? null;
    },
    async lastFire(schedule) {
      return (await fires<FireWithRun>(sql`SELECT f.*, r.status AS run_status FROM schedule_fires f LEFT JOIN runs r ON r.id = f.run_id
        WHERE f.schedule = ${schedule} ORDER BY f.scheduled_at DESC LIMIT 1`))[0] ?? null;
    },
    async listFires(schedule) {
      return await fires(sql`SELECT * FROM schedule_fires WHERE schedule = ${schedule} ORDER BY scheduled_at`);
    },
  };
}
