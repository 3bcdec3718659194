// The owners family on the async store contract (#15), derived from src/store/owners.ts by the rule in
// PG-DESIGN.md §2.1: each `fn(store, ...args): R` there is `fn(...args): Promise<R>` here, same name; buffered writes
// return void. The SQLite backend implements it over the synchronous functions, the PostgreSQL backend over Bun.sql.
// Types only.

import type { OwnerRow, WorkerInfo, WorkerRow } from "../owners.ts";

export interface OwnersApi {
  /** Registers this process as an owner and returns its id (`own_…`). */
  registerOwner(): Promise<string>;
  removeOwner(id: string): Promise<void>;
  /** Deletes owner rows; call it inside the caller's `store.write` (recovery removes the dead in one transaction). */
  deleteOwnerRows(ids: Iterable<string>): Promise<void>;
  /**
   * Inside a write transaction: deletes those of `ids` whose owner is still dead when judged under the rows' locks
   * (lease expired by the database's clock, or process gone on this host) and returns them, with the ids not
   * registered at all. An owner that renewed its lease since an earlier deadOwners() is kept (#15).
   */
  deleteDeadOwners(ids: Iterable<string>): Promise<string[]>;
  /** Whether any owner other than `self` is registered. */
  hasOtherOwners(self: string): Promise<boolean>;
  listOwners(): Promise<OwnerRow[]>;
  /**
   * The ids of every owner whose process is gone, including owners no longer registered at all but still named by
   * `referenced` (a runtime that closed, or a row removed by an earlier recovery).
   */
  deadOwners(referenced: Iterable<string>): Promise<Set<string>>;
  /**
   * Takes or renews `id`'s lease as a queue worker (lease times by the database's clock on PostgreSQL); re-creates the
   * row if a recovery removed it.
   */
  leaseOwner(id: string, w: WorkerInfo): Promise<void>;
  /**
   * Records a heartbeat of `id` (every aegis process beats, so other machines can tell a silent one) and extends its
   * lease if it holds one; false if its row is gone (the lease was lost and its tasks recovered).
   */
  heartbeatOwner(id: string): Promise<boolean>;
  /** Every registered owner with its lease and running tasks (`aegis workers`). */
  listWorkers(): Promise<WorkerRow[]>;
}

// Not on the contract (pure helpers, or not taking the store): isOwnerAlive, procStart, hostName, workerRow.
