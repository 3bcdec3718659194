// The `owners` table: one row per live aegis process (runtime) using the database. Sessions and running tasks record
// their owner, so that a process starting later can tell a task running in a live sibling process from one whose
// process died (pid gone, or the pid reused by another program: the process start time no longer matches).
// It must not decide what happens to a dead owner's work; the queue and session layers do.

import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { newId } from "../util/ids.ts";
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
}

/** Registers this process as an owner and returns its id (`own_…`). */
export function registerOwner(store: Store): string {
  const id = newId("own");
  store.write(() => store.sql("INSERT INTO owners (id, pid, host, proc_start, started_at) VALUES (?, ?, ?, ?, ?)")
    .run(id, process.pid, hostname(), procStart(process.pid) ?? null, Date.now()));
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

/** Whether any owner other than `self` is registered. */
export function hasOtherOwners(store: Store, self: string): boolean {
  return (store.sql<{ n: number }, [string]>("SELECT count(*) AS n FROM owners WHERE id != ?").get(self)?.n ?? 0) > 0;
}

export function listOwners(store: Store): OwnerRow[] {
  return store.sql<OwnerRow, []>("SELECT * FROM owners").all();
}

/** True unless the owner's process is known to be gone. Owners on other hosts are assumed alive. */
export function isOwnerAlive(row: OwnerRow): boolean {
  if (row.host !== hostname()) return true;
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
