// The PostgreSQL backend of the fleet contract (#15): worker leases by the database's clock, claims as one statement
// (the queue's counts row locked FOR UPDATE for the fleet-wide maxParallel, pending rows taken FOR UPDATE SKIP
// LOCKED, each claim bumping the task's fence), fenced finishes, recovery of expired workers, and wake-ups by
// LISTEN/NOTIFY (sent by triggers at commit) with a slow safety poll. It must not decide queue policy.

import { EventEmitter } from "node:events";
import type { ClaimRequest, ClaimedTask, FleetStore, Lease, OpenFleetOptions, Recovered, Topic, WorkerInfo, WorkerRow } from "../contract.ts";
import type { NewTask, TaskOutcome, TaskRow } from "../tasks.ts";
import { newId } from "../../util/ids.ts";
import { logIgnored } from "../../util/log-ignored.ts";
import { openPg } from "./connect.ts";
import { PG_MIGRATIONS } from "./baseline.ts";
import { PG_NOW_MS as NOW } from "./schema.ts";

/** int8 columns come back from Bun.sql as strings: these are turned into numbers. */
const TASK_INT8 = ["seq", "enqueued_at", "started_at", "finished_at", "input_tokens", "output_tokens", "fence"] as const;

function taskRow(r: Record<string, unknown>): ClaimedTask {
  for (const k of TASK_INT8) if (r[k] !== null && r[k] !== undefined) r[k] = Number(r[k]);
  return r as unknown as ClaimedTask;
}

/** Beyond any real maxParallel; the column is int8. */
const UNLIMITED = 2 ** 31 - 1;

export async function openPgFleet(url: string, opts: OpenFleetOptions = {}): Promise<FleetStore> {
  const { sql } = await openPg(url, PG_MIGRATIONS);
  const bus = new EventEmitter();
  bus.setMaxListeners(0);
  let listening: Promise<unknown> | undefined;
  let listens = 0;
  const startListening = () => {
    // onlisten runs at the first LISTEN and again after every reconnect: notifications sent in the gap are lost, so a
    // reconnect tells every subscriber to rescan.
    listening ??= sql.listen("aegis_tasks", (queue) => bus.emit("tasks", queue), () => {
      if (listens++ > 0) bus.emit("tasks", "*");
    });
    return listening;
  };
  const poll = setInterval(() => {
    for (const t of ["tasks", "workers"] as const) bus.emit(t, "*");
  }, opts.safetyPollMs ?? 5_000);
  poll.unref();

  const self: FleetStore = {
    backend: "postgres",
    async register(w: WorkerInfo): Promise<Lease> {
      const id = newId("own");
      await sql`INSERT INTO owners (id, pid, host, started_at, labels, queues, concurrency, lease_ms, heartbeat_at, lease_expires_at)
        VALUES (${id}, ${w.pid}, ${w.host}, ${sql.unsafe(NOW)}, ${JSON.stringify(w.labels)}, ${JSON.stringify(w.queues)},
          ${w.concurrency}, ${w.leaseMs}, ${sql.unsafe(NOW)}, ${sql.unsafe(NOW)} + ${w.leaseMs})`;
      return { workerId: id };
    },
    async heartbeat(lease: Lease): Promise<boolean> {
      const rows = await sql`UPDATE owners SET heartbeat_at = ${sql.unsafe(NOW)}, lease_expires_at = ${sql.unsafe(NOW)} + lease_ms
        WHERE id = ${lease.workerId} RETURNING id`;
      return rows.length > 0;
    },
    async unregister(lease: Lease): Promise<void> {
      await sql`DELETE FROM owners WHERE id = ${lease.workerId}`;
    },
    async workers(): Promise<WorkerRow[]> {
      const rows = await sql`SELECT o.*, coalesce((SELECT array_agg(t.id ORDER BY t.seq) FROM tasks t
        WHERE t.status = 'running' AND t.owner = o.id), '{}') AS running FROM owners o ORDER BY o.started_at, o.id`;
      return rows.map((r: Record<string, unknown>) => ({
        id: String(r.id), host: String(r.host), pid: Number(r.pid), labels: JSON.parse(String(r.labels)), queues: JSON.parse(String(r.queues)),
        concurrency: Number(r.concurrency), leaseMs: Number(r.lease_ms), startedAt: Number(r.started_at),
        heartbeatAt: Number(r.heartbeat_at), leaseExpiresAt: Number(r.lease_expires_at), running: r.running as string[],
      }));
    },
    async enqueue(t: NewTask): Promise<TaskRow> {
      const [row] = await sql`INSERT INTO tasks (id, queue, payload, enqueued_by, callback, idempotency_key, status, enqueued_at)
        VALUES (${t.id}, ${t.queue}, ${t.payload}, ${t.enqueuedBy}, ${t.callback ? 1 : 0}, ${t.idempotencyKey ?? null}, 'pending', ${t.at})
        RETURNING *`;
      return taskRow(row);
    },
    async getTask(id: string): Promise<TaskRow | null> {
      const [row] = await sql`SELECT * FROM tasks WHERE id = ${id}`;
      return row ? taskRow(row) : null;
    },
    async counts(queue: string) {
      const [row] = await sql`SELECT pending, running FROM queue_counts WHERE queue = ${queue}`;
      return { pending: Number(row?.pending ?? 0), running: Number(row?.running ?? 0) };
    },
    async claim(r: ClaimRequest): Promise<ClaimedTask[]> {
      if (r.limit <= 0) return [];
      const max = Math.min(r.maxParallel, UNLIMITED);
      // One statement, one commit. The counts row lock serializes claimers of one queue only for this statement, so
      // `running` is exact; SKIP LOCKED keeps claimers of a row another transaction is finishing from waiting.
      const rows = await sql`WITH slot AS (
          SELECT greatest(0, least(${r.limit}::int8, ${max}::int8 - running)) AS free FROM queue_counts WHERE queue = ${r.queue} FOR UPDATE
        ), me AS (
          SELECT id FROM owners WHERE id = ${r.lease.workerId} AND lease_expires_at > ${sql.unsafe(NOW)}
        ), picked AS (
          SELECT seq FROM tasks WHERE status = 'pending' AND queue = ${r.queue} AND (host IS NULL OR host = ${r.host})
            AND EXISTS (SELECT 1 FROM me)
          ORDER BY seq LIMIT coalesce((SELECT free FROM slot), 0) FOR UPDATE SKIP LOCKED
        )
        UPDATE tasks t SET status = 'running', owner = ${r.lease.workerId}, started_at = ${sql.unsafe(NOW)}, fence = t.fence + 1,
          worker_session = 'ses_' || substr(t.id, position('_' in t.id) + 1)
        FROM picked WHERE t.seq = picked.seq RETURNING t.*`;
      return rows.map(taskRow).sort((a: ClaimedTask, b: ClaimedTask) => a.seq - b.seq);
    },
    async finish(id: string, fence: number, lease: Lease, o: TaskOutcome): Promise<boolean> {
      const rows = await sql`UPDATE tasks SET status = ${o.status}, result = ${o.result}, error = ${o.error}, finished_at = ${o.at},
          cost_usd = ${o.costUsd ?? 0}, input_tokens = ${o.inputTokens ?? 0}, output_tokens = ${o.outputTokens ?? 0},
          worker_handle = coalesce(${o.workerHandle ?? null}, worker_handle)
        WHERE id = ${id} AND status = 'running' AND owner = ${lease.workerId} AND fence = ${fence} RETURNING seq`;
      return rows.length > 0;
    },
    async recover(error: string): Promise<Recovered[]> {
      return await sql.begin(async (tx) => {
        const dead = await tx`DELETE FROM owners WHERE lease_expires_at <= ${tx.unsafe(NOW)} RETURNING id`;
        if (dead.length === 0) return [];
        const ids = dead.map((d: { id: string }) => d.id);
        const tasks = (await tx`UPDATE tasks SET status = 'failed', error = ${error}, finished_at = ${tx.unsafe(NOW)}
          WHERE status = 'running' AND owner IN ${tx(ids)} RETURNING *`).map(taskRow);
        return ids.map((workerId: string) => ({ workerId, tasks: tasks.filter((t: TaskRow) => t.owner === workerId) }));
      });
    },
    subscribe(topic: Topic, fn: (key: string) => void): () => void {
      // A failed LISTEN only slows wake-ups down to the safety poll, which keeps running.
      startListening().catch(logIgnored("listening for database notifications"));
      bus.on(topic, fn);
      return () => bus.off(topic, fn);
    },
    async close(): Promise<void> {
      clearInterval(poll);
      bus.removeAllListeners();
      await sql.close();
    },
  };
  return self;
}
