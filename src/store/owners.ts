// The `owners` table: one row per live aegis process (runtime) using the database. Sessions and running tasks record
// their owner, so that a process starting later can tell a task running in a live sibling process from one whose
// process died (pid gone, or the pid reused by another program: the process start time no longer matches).
// A queue worker also holds a lease (#15): heartbeats extend it, and an owner whose lease expired is dead on any host
// (a paused or partitioned worker), so other machines can recover its tasks. It must not decide what happens to a
// dead owner's work; the queue and session layers do.

import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { newId } from "../util/ids.ts";
import { ignoreError } from "../util/log-ignored.ts";
import type { Migration } from "./migrations.ts";
import type { Store } from "./store.ts";

export const OWNERS_MIGRATION: Migration = {
  version: 1,
  name: "owners",
  up: `CREATE TABLE owners (
    id TEXT PRIMARY KEY,
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    proc_start TEXT,
    started_at INTEGER NOT NULL
  )`,
};

export interface OwnerRow {
  id: string;
  pid: number;
  host: string;
  proc_start: string | null;
  started_at: number;
  /** Set once the owner holds a lease (a queue worker): it is dead when this passes without a heartbeat. */
  lease_expires_at?: number | null;
  /** The machine's id (/etc/machine-id), so two machines claiming one host id can be told apart; null if unknown. */
  machine_id?: string | null;
}

/** What a queue worker tells the fleet about itself when it takes its lease (`aegis workers` shows it). */
export interface WorkerInfo {
  /** `aegis work --host-label`: which queues' `hosts: [...]` this worker may serve. */
  labels: readonly string[];
  queues: readonly string[];
  /** `--concurrency N`: at most this many tasks at once in this worker, across its queues. */
  concurrency: number;
  /** How long the lease lasts without a heartbeat. */
  leaseMs: number;
}

/** A registered owner as `aegis workers` lists it; times are ms since the epoch (by the database's clock on PG). */
export interface WorkerRow {
  id: string;
  host: string;
  pid: number;
  labels: string[];
  queues: string[];
  concurrency: number;
  /** 0 for an owner without a lease (a CLI command, not a worker). */
  leaseMs: number;
  startedAt: number;
  heartbeatAt: number | null;
  leaseExpiresAt: number | null;
  /** The database clock when the list was read, to compute ages without trusting this machine's clock. */
  now: number;
  /** Ids of the tasks it runs now, oldest first. */
  running: string[];
}

/** Registers this process as an owner and returns its id (`own_…`). */
export function registerOwner(store: Store): string {
  const id = newId("own");
  const at = Date.now();
  store.write(() => store.sql("INSERT INTO owners (id, pid, host, proc_start, started_at, heartbeat_at, machine_id) VALUES (?, ?, ?, ?, ?, ?, ?)")
    .run(id, process.pid, hostName(), procStart(process.pid) ?? null, at, at, machineId()));
  return id;
}

export function removeOwner(store: Store, id: string): void {
  store.write(() => store.sql("DELETE FROM owners WHERE id = ?").run(id));
}

/** Deletes owner rows; call it inside the caller's `store.write` (recovery removes the dead in one transaction). */
export function deleteOwnerRows(store: Store, ids: Iterable<string>): void {
  const del = store.sql("DELETE FROM owners WHERE id = ?");
  for (const id of ids) del.run(id);
}

/** See OwnersApi.deleteDeadOwners: in the caller's write, so no heartbeat lands between the judgement and the delete. */
export function deleteDeadOwners(store: Store, ids: Iterable<string>): string[] {
  const get = store.sql<OwnerRow, [string]>("SELECT * FROM owners WHERE id = ?");
  const del = store.sql("DELETE FROM owners WHERE id = ?");
  const dead: string[] = [];
  for (const id of new Set(ids)) {
    const row = get.get(id);
    if (row && isOwnerAlive(row)) continue;
    if (row) del.run(id);
    dead.push(id);
  }
  return dead;
}

/** Whether any owner other than `self` is registered. */
export function hasOtherOwners(store: Store, self: string): boolean {
  return (store.sql<{ n: number }, [string]>("SELECT count(*) AS n FROM owners WHERE id != ?").get(self)?.n ?? 0) > 0;
}

export function listOwners(store: Store): OwnerRow[] {
  return store.sql<OwnerRow, []>("SELECT * FROM owners").all();
}

/**
 * Takes or renews `id`'s lease as a queue worker: creates the owner row if it is gone (a lease lost and recovered by
 * another process: the same id comes back, its old tasks already ended), else arms the lease on the existing row.
 */
export function leaseOwner(store: Store, id: string, w: WorkerInfo): void {
  const at = Date.now();
  store.write(() => store.sql(`INSERT INTO owners (id, pid, host, proc_start, started_at, labels, queues, concurrency, lease_ms, heartbeat_at, lease_expires_at, machine_id)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET labels = excluded.labels, queues = excluded.queues,
    concurrency = excluded.concurrency, lease_ms = excluded.lease_ms, heartbeat_at = excluded.heartbeat_at, lease_expires_at = excluded.lease_expires_at,
    machine_id = excluded.machine_id`)
    .run(id, process.pid, hostName(), procStart(process.pid) ?? null, at, JSON.stringify(w.labels), JSON.stringify(w.queues),
      w.concurrency, w.leaseMs, at, at + w.leaseMs, machineId()));
}

/** Extends `id`'s lease by its length from now; false if the row is gone (the lease was lost and recovered). */
export function heartbeatOwner(store: Store, id: string): boolean {
  const at = Date.now();
  return store.write(() => store.sql(`UPDATE owners SET heartbeat_at = ?, lease_expires_at = CASE WHEN lease_ms IS NULL THEN NULL ELSE ? + lease_ms END
    WHERE id = ?`).run(at, at, id).changes > 0);
}

type LeasedRow = OwnerRow & { labels: string; queues: string; concurrency: number; lease_ms: number | null; heartbeat_at: number | null };

/** Every registered owner with its lease and running tasks, oldest first. */
export function listWorkers(store: Store): WorkerRow[] {
  const now = Date.now();
  const running = store.sql<{ id: string }, [string]>("SELECT id FROM tasks WHERE status = 'running' AND owner = ? ORDER BY seq");
  return store.sql<LeasedRow, []>("SELECT * FROM owners ORDER BY started_at, id").all().map((r) => workerRow(r, now, running.all(r.id).map((t) => t.id)));
}

/** A stored owner row (either backend, int8 already numbers) as a WorkerRow. */
export function workerRow(r: LeasedRow, now: number, running: string[]): WorkerRow {
  return {
    id: r.id, host: r.host, pid: r.pid, labels: JSON.parse(r.labels ?? "[]") as string[], queues: JSON.parse(r.queues ?? "[]") as string[],
    concurrency: r.concurrency ?? 0, leaseMs: r.lease_ms ?? 0, startedAt: r.started_at, heartbeatAt: r.heartbeat_at ?? null,
    leaseExpiresAt: r.lease_expires_at ?? null, now, running,
  };
}

/** This machine's host id: AEGIS_HOST_ID, else the host name. */
export function hostName(): string {
  return process.env.AEGIS_HOST_ID || hostname();
}

let machine: string | null | undefined;

/**
 * This machine's id: /etc/machine-id (systemd), else /var/lib/dbus/machine-id, else null (e.g. off Linux). Owners
 * record it so `aegis doctor` can flag two machines that claim one host id (AEGIS_HOST_ID copied between them).
 */
export function machineId(): string | null {
  if (machine !== undefined) return machine;
  machine = null;
  for (const f of ["/etc/machine-id", "/var/lib/dbus/machine-id"]) {
    try {
      const id = readFileSync(f, "utf8").trim();
      if (id) return (machine = id);
    } catch (err) {
      // Absent or unreadable: try the next place; no id at all is a valid answer (null).
      ignoreError(`reading the machine id from ${f}`, err);
    }
  }
  return machine;
}

/**
 * True unless the owner is known to be gone: its lease expired (any host, by `now`), or, on this host, its process
 * is gone. Owners on other hosts without a lease are assumed alive.
 */
export function isOwnerAlive(row: OwnerRow, now = Date.now()): boolean {
  if (row.lease_expires_at !== undefined && row.lease_expires_at !== null && row.lease_expires_at <= now) return false;
  if (row.host !== hostName()) return true;
  if (row.pid === process.pid) return true; // another runtime of this very process; it unregisters when it closes
  try {
    process.kill(row.pid, 0);
  } catch (err) {
    // ESRCH: no such process. EPERM means it exists (owned by someone else), so it is not ours: treat it as dead
    // only if the start time says it is another process.
    if ((err as NodeJS.ErrnoException).code === "ESRCH") return false;
  }
  const start = procStart(row.pid);
  return row.proc_start === null || start === undefined || start === row.proc_start;
}

/**
 * The ids of every owner whose process is gone, including owners no longer registered at all but still named by
 * `referenced` (a runtime that closed, or a row removed by an earlier recovery).
 */
export function deadOwners(store: Store, referenced: Iterable<string>): Set<string> {
  const rows = new Map(listOwners(store).map((r) => [r.id, r]));
  const dead = new Set<string>();
  for (const r of rows.values()) if (!isOwnerAlive(r)) dead.add(r.id);
  for (const id of referenced) if (!rows.has(id)) dead.add(id);
  return dead;
}

/** The kernel's start time of a process (field 22 of /proc/<pid>/stat), to detect pid reuse; undefined off Linux. */
export function procStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may contain spaces and parentheses: split after its closing parenthesis.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return rest[19];
  } catch {
    return undefined; // no /proc (macOS) or the process is gone: callers fall back to the pid check
  }
}
