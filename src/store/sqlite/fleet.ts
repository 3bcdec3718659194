// The SQLite backend of the fleet contract (#15), over the synchronous bun:sqlite store and the tasks/owners SQL that
// exists today: each method is one `store.write` (BEGIN IMMEDIATE … COMMIT), so claims are atomic across processes
// and the running count that bounds them is exact. Leases live in lease columns added to `owners`; a worker on this
// host whose pid is gone is dead at once, one that stopped heartbeating (SIGSTOP) when its lease expires. Wake-ups:
// in-process after each commit, and from other processes by watching the WAL file (every commit writes it), checked
// against PRAGMA data_version, with a slow safety poll behind. It must not decide queue policy.

import { EventEmitter } from "node:events";
import type { ClaimRequest, ClaimedTask, FleetStore, Lease, OpenFleetOptions, Recovered, Topic, WorkerInfo, WorkerRow } from "../contract.ts";
import { isOwnerAlive, procStart, type OwnerRow } from "../owners.ts";
import { openStore } from "../store.ts";
import { getTask, insertTask, queueCounts, workerSessionId, type NewTask, type TaskOutcome, type TaskRow } from "../tasks.ts";
import { newId } from "../../util/ids.ts";
import { watchWal } from "./wake.ts";

type LeasedOwner = OwnerRow & { labels: string; queues: string; concurrency: number; lease_ms: number | null; heartbeat_at: number | null; lease_expires_at: number | null };

export function openSqliteFleet(path: string, opts: OpenFleetOptions = {}): FleetStore {
  const store = openStore(path);
  const bus = new EventEmitter();
  bus.setMaxListeners(0);
  const now = () => Date.now();
  const wal = watchWal(store, () => {
    bus.emit("tasks", "*");
    bus.emit("workers", "*");
  }, opts.safetyPollMs ?? 5_000);

  const leaseValid = (workerId: string, at: number) => {
    const o = store.sql<{ lease_expires_at: number | null }, [string]>("SELECT lease_expires_at FROM owners WHERE id = ?").get(workerId);
    return o !== null && (o.lease_expires_at === null || o.lease_expires_at > at);
  };

  return {
    backend: "sqlite",
    async register(w: WorkerInfo): Promise<Lease> {
      const id = newId("own");
      const at = now();
      store.write(() => store.sql(`INSERT INTO owners (id, pid, host, proc_start, started_at, labels, queues, concurrency, lease_ms, heartbeat_at, lease_expires_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(id, w.pid, w.host, procStart(w.pid) ?? null, at, JSON.stringify(w.labels),
        JSON.stringify(w.queues), w.concurrency, w.leaseMs, at, at + w.leaseMs));
      bus.emit("workers", id);
      return { workerId: id };
    },
    async heartbeat(lease: Lease): Promise<boolean> {
      const at = now();
      return store.write(() => store.sql("UPDATE owners SET heartbeat_at = ?, lease_expires_at = ? + lease_ms WHERE id = ?")
        .run(at, at, lease.workerId).changes > 0);
    },
    async unregister(lease: Lease): Promise<void> {
      store.write(() => store.sql("DELETE FROM owners WHERE id = ?").run(lease.workerId));
      bus.emit("workers", lease.workerId);
    },
    async workers(): Promise<WorkerRow[]> {
      const rows = store.sql<LeasedOwner, []>("SELECT * FROM owners ORDER BY started_at, id").all();
      const running = store.sql<{ id: string }, [string]>("SELECT id FROM tasks WHERE status = 'running' AND owner = ? ORDER BY seq");
      return rows.map((r) => ({
        id: r.id, host: r.host, pid: r.pid, labels: JSON.parse(r.labels), queues: JSON.parse(r.queues), concurrency: r.concurrency,
        leaseMs: r.lease_ms ?? 0, startedAt: r.started_at, heartbeatAt: r.heartbeat_at ?? r.started_at,
        leaseExpiresAt: r.lease_expires_at ?? Infinity, running: running.all(r.id).map((t) => t.id),
      }));
    },
    async enqueue(t: NewTask): Promise<TaskRow> {
      const row = store.write(() => {
        insertTask(store, t);
        return getTask(store, t.id)!;
      });
      bus.emit("tasks", t.queue);
      return row;
    },
    getTask: async (id) => getTask(store, id),
    counts: async (queue) => queueCounts(store, queue),
    async claim(r: ClaimRequest): Promise<ClaimedTask[]> {
      if (r.limit <= 0) return [];
      const at = now();
      return store.write(() => {
        if (!leaseValid(r.lease.workerId, at)) return [];
        const free = Math.min(r.limit, r.maxParallel - queueCounts(store, r.queue).running);
        if (free <= 0) return [];
        const picked = store.sql<{ seq: number; id: string }, [string, string, number]>(`SELECT seq, id FROM tasks
          WHERE status = 'pending' AND queue = ? AND (host IS NULL OR host = ?) ORDER BY seq LIMIT ?`).all(r.queue, r.host, free);
        const claim = store.sql<ClaimedTask, [string, number, string, number]>(`UPDATE tasks SET status = 'running', owner = ?, started_at = ?,
          worker_session = ?, fence = fence + 1 WHERE seq = ? AND status = 'pending' RETURNING *`);
        return picked.flatMap((p) => claim.get(r.lease.workerId, at, workerSessionId(p.id), p.seq) ?? []);
      });
    },
    async finish(id: string, fence: number, lease: Lease, o: TaskOutcome): Promise<boolean> {
      const ok = store.write(() => store.sql(`UPDATE tasks SET status = ?, result = ?, error = ?, finished_at = ?, cost_usd = ?, input_tokens = ?,
          output_tokens = ?, worker_handle = coalesce(?, worker_handle) WHERE id = ? AND status = 'running' AND owner = ? AND fence = ?`)
        .run(o.status, o.result, o.error, o.at, o.costUsd ?? 0, o.inputTokens ?? 0, o.outputTokens ?? 0, o.workerHandle ?? null, id, lease.workerId, fence)
        .changes > 0);
      if (ok) bus.emit("tasks", "*");
      return ok;
    },
    async recover(error: string): Promise<Recovered[]> {
      const at = now();
      const out = store.write(() => {
        const dead = store.sql<LeasedOwner, []>("SELECT * FROM owners").all()
          .filter((o) => (o.lease_expires_at !== null && o.lease_expires_at <= at) || !isOwnerAlive(o));
        const fail = store.sql<TaskRow, [string, number, string]>(`UPDATE tasks SET status = 'failed', error = ?, finished_at = ?
          WHERE status = 'running' AND owner = ? RETURNING *`);
        const del = store.sql("DELETE FROM owners WHERE id = ?");
        return dead.map((o) => {
          del.run(o.id);
          return { workerId: o.id, tasks: fail.all(error, at, o.id) };
        });
      });
      if (out.length) bus.emit("tasks", "*");
      return out;
    },
    subscribe(topic: Topic, fn: (key: string) => void): () => void {
      bus.on(topic, fn);
      return () => bus.off(topic, fn);
    },
    async close(): Promise<void> {
      wal.stop();
      bus.removeAllListeners();
      store.close();
    },
  };
}
