// The waits family on PostgreSQL (#15): WaitsApi over Bun.sql — timers, signals and parked runs, the same rows and
// guarantees as src/store/waits.ts. A timer is recorded once (the first wake time wins); a signal is consumed by one
// step only (the pending row is taken FOR UPDATE SKIP LOCKED, and signals_by_step keeps one per step). Inserting a
// signal notifies `aegis_runs` with the run id (trigger in baseline.ts), which wakes a parked run's waiter anywhere.
// It holds SQL only; when to park, wake or consume is decided in src/workflow/.

import type { SQL } from "bun";
import type { WaitsApi } from "../api/waits.ts";
import type { ParkRow, SignalRow } from "../waits.ts";
import { atomic, numbered, numberedRows } from "./rows.ts";

const SIGNAL_NUMS = ["id", "sent_at", "consumed_at"] as const;
const PARK_NUMS = ["wake_at", "parked_at"] as const;

/** WaitsApi on a pool or inside a transaction (`sql` is then the transaction handle). */
export function pgWaits(sql: SQL): WaitsApi {
  const parks = (q: Promise<Record<string, unknown>[]>) => numberedRows<ParkRow>(q, PARK_NUMS);
  const getPark = async (runId: string) => (await parks(sql`SELECT * FROM run_parks WHERE run_id = ${runId}`))[0] ?? null;
  return {
    async recordTimer(runId, seq, wakeAt) {
      await sql`INSERT INTO timers (run_id, seq, wake_at) VALUES (${runId}, ${seq}, ${wakeAt}) ON CONFLICT DO NOTHING`;
      const [r] = await sql`SELECT wake_at FROM timers WHERE run_id = ${runId} AND seq = ${seq}`;
      return Number(r.wake_at);
    },
    async insertSignal(s) {
      const [r] = await sql`INSERT INTO signals (run_id, event, payload, sender, sent_at)
        VALUES (${s.runId}, ${s.event}, ${s.payload === undefined ? null : JSON.stringify(s.payload)}, ${s.sender ?? null}, ${s.at})
        RETURNING id`;
      return Number(r.id);
    },
    async consumeSignal(runId, event, seq, at) {
      return await atomic(sql, async (t) => {
        const [taken] = await t`SELECT * FROM signals WHERE run_id = ${runId} AND consumed_seq = ${seq}`;
        if (taken) return numbered<SignalRow>(taken, SIGNAL_NUMS);
        const [next] = await t`UPDATE signals SET consumed_seq = ${seq}, consumed_at = ${at} WHERE id = (
            SELECT id FROM signals WHERE run_id = ${runId} AND event = ${event} AND consumed_seq IS NULL
            ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
          RETURNING *`;
        return next ? numbered<SignalRow>(next, SIGNAL_NUMS) : undefined;
      });
    },
    async hasPendingSignal(runId, event) {
      return (await sql`SELECT 1 FROM signals WHERE run_id = ${runId} AND event = ${event} AND consumed_seq IS NULL LIMIT 1`).length > 0;
    },
    async listSignals(runId) {
      return await numberedRows<SignalRow>(sql`SELECT * FROM signals WHERE run_id = ${runId} ORDER BY id`, SIGNAL_NUMS);
    },
    async parkRun(p) {
      await sql`INSERT INTO run_parks (run_id, state, wake_at, event, question, parked_at)
        VALUES (${p.run_id}, ${p.state}, ${p.wake_at}, ${p.event}, ${p.question}, ${p.at})
        ON CONFLICT (run_id) DO UPDATE SET state = excluded.state, wake_at = excluded.wake_at, event = excluded.event,
          question = excluded.question, parked_at = excluded.parked_at`;
    },
    async unparkRun(runId) {
      await sql`DELETE FROM run_parks WHERE run_id = ${runId}`;
    },
    getPark,
    async parksOf(runIds) {
      const out = new Map<string, ParkRow>();
      if (runIds.length === 0) return out;
      for (const p of await parks(sql`SELECT * FROM run_parks WHERE run_id IN ${sql([...runIds])}`)) out.set(p.run_id, p);
      return new Map(runIds.filter((id) => out.has(id)).map((id) => [id, out.get(id)!]));
    },
    async dueParks(now) {
      return await parks(sql`SELECT p.* FROM run_parks p JOIN runs r ON r.id = p.run_id
        WHERE r.status <> 'running' AND (
          (p.wake_at IS NOT NULL AND p.wake_at <= ${now})
          OR (p.event IS NOT NULL AND EXISTS (SELECT 1 FROM signals s WHERE s.run_id = p.run_id AND s.event = p.event AND s.consumed_seq IS NULL))
        ) ORDER BY p.parked_at`);
    },
    async nextWake(now) {
      const [r] = await sql`SELECT min(wake_at) AS w FROM run_parks WHERE wake_at > ${now}`;
      return r?.w == null ? undefined : Number(r.w);
    },
    async listParks() {
      return await parks(sql`SELECT * FROM run_parks ORDER BY parked_at`);
    },
  };
}
