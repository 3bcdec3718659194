// The owners family on PostgreSQL (#15): OwnersApi over Bun.sql, the same rows as src/store/owners.ts. Lease times
// (heartbeat, expiry, the "now" that judges them) come from the database's clock, so machines whose clocks disagree
// still agree on who is dead. Whether a process on this host is gone is decided here as on SQLite (isOwnerAlive).
// It holds SQL only: what happens to a dead owner's work is src/queue/'s business.

import type { SQL } from "bun";
import type { OwnersApi } from "../api/owners.ts";
import { hostName, isOwnerAlive, machineId, procStart, workerRow, type OwnerRow, type WorkerInfo } from "../owners.ts";
import { newId } from "../../util/ids.ts";
import { PG_NOW_MS as NOW } from "./schema.ts";

const INT8 = ["pid", "started_at", "lease_ms", "heartbeat_at", "lease_expires_at", "concurrency"] as const;

function ownerRow<T = OwnerRow>(r: Record<string, unknown>): T {
  for (const k of INT8) if (typeof r[k] === "string") r[k] = Number(r[k]);
  return r as T;
}

export function pgOwners(sql: SQL): OwnersApi {
  const dbNow = async (): Promise<number> => Number((await sql`SELECT ${sql.unsafe(NOW)} AS now`)[0].now);
  const api: OwnersApi = {
    async registerOwner() {
      const id = newId("own");
      await sql`INSERT INTO owners (id, pid, host, proc_start, started_at, heartbeat_at, machine_id)
        VALUES (${id}, ${process.pid}, ${hostName()}, ${procStart(process.pid) ?? null}, ${Date.now()}, ${sql.unsafe(NOW)}, ${machineId()})`;
      return id;
    },
    async removeOwner(id) {
      await sql`DELETE FROM owners WHERE id = ${id}`;
    },
    async deleteOwnerRows(ids) {
      const list = [...ids];
      if (list.length) await sql`DELETE FROM owners WHERE id IN ${sql(list)}`;
    },
    async deleteDeadOwners(ids) {
      const list = [...new Set(ids)];
      if (list.length === 0) return [];
      // The rows stay locked to the end of the caller's transaction: a heartbeat waits, then finds its row gone.
      const rows = await sql`SELECT *, ${sql.unsafe(NOW)} AS now FROM owners WHERE id IN ${sql(list)} FOR UPDATE`;
      const byId = new Map<string, Record<string, unknown>>(rows.map((r: Record<string, unknown>) => [r.id as string, r]));
      const dead = list.filter((id) => {
        const r = byId.get(id);
        return !r || !isOwnerAlive(ownerRow(r), Number(r.now));
      });
      const registered = dead.filter((id) => byId.has(id));
      if (registered.length) await sql`DELETE FROM owners WHERE id IN ${sql(registered)}`;
      return dead;
    },
    async hasOtherOwners(self) {
      return (await sql`SELECT 1 FROM owners WHERE id <> ${self} LIMIT 1`).length > 0;
    },
    async listOwners() {
      return (await sql`SELECT * FROM owners ORDER BY started_at, id`).map((r: Record<string, unknown>) => ownerRow(r));
    },
    async deadOwners(referenced) {
      const [rows, now] = await Promise.all([api.listOwners(), dbNow()]);
      const byId = new Map(rows.map((r) => [r.id, r]));
      const dead = new Set<string>();
      for (const r of rows) if (!isOwnerAlive(r, now)) dead.add(r.id);
      for (const id of referenced) if (!byId.has(id)) dead.add(id);
      return dead;
    },
    async leaseOwner(id, w: WorkerInfo) {
      // The clock is read once (clock_timestamp() moves within a statement): the lease lasts exactly lease_ms.
      await sql`INSERT INTO owners (id, pid, host, proc_start, started_at, labels, queues, concurrency, lease_ms, heartbeat_at, lease_expires_at, machine_id)
        SELECT ${id}, ${process.pid}, ${hostName()}, ${procStart(process.pid) ?? null}, ${Date.now()}, ${JSON.stringify(w.labels)},
          ${JSON.stringify(w.queues)}, ${w.concurrency}, ${w.leaseMs}, c.now, c.now + ${w.leaseMs}::int8, ${machineId()}
        FROM (SELECT ${sql.unsafe(NOW)} AS now) c
        ON CONFLICT (id) DO UPDATE SET labels = excluded.labels, queues = excluded.queues, concurrency = excluded.concurrency,
          lease_ms = excluded.lease_ms, heartbeat_at = excluded.heartbeat_at, lease_expires_at = excluded.lease_expires_at,
          machine_id = excluded.machine_id`;
    },
    async heartbeatOwner(id) {
      const r = await sql`UPDATE owners SET heartbeat_at = c.now, lease_expires_at = CASE WHEN lease_ms IS NULL THEN NULL ELSE c.now + lease_ms END
        FROM (SELECT ${sql.unsafe(NOW)} AS now) c WHERE id = ${id} RETURNING id`;
      return r.length > 0;
    },
    async listWorkers() {
      const rows = await sql`SELECT o.*, ${sql.unsafe(NOW)} AS now, coalesce((SELECT array_agg(t.id ORDER BY t.seq) FROM tasks t
        WHERE t.status = 'running' AND t.owner = o.id), '{}') AS running FROM owners o ORDER BY o.started_at, o.id`;
      return rows.map((r: Record<string, unknown>) => {
        const row = ownerRow<Parameters<typeof workerRow>[0]>(r);
        return workerRow(row, Number(r.now), (r.running as string[] | null) ?? []);
      });
    },
  };
  return api;
}
