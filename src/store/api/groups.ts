// The groups family on the async store contract (#15), derived from src/store/groups.ts by the rule in
// PG-DESIGN.md §2.1: each `fn(store, ...args): R` there is `fn(...args): Promise<R>` here, same name; buffered writes
// return void. The SQLite backend implements it over the synchronous functions, the PostgreSQL backend over Bun.sql.
// Types only.

import type { GroupRow } from "../groups.ts";

export interface GroupsApi {
  insertGroup(g: { id: string; name: string; owner: string; process: string | null; members: unknown; at: number }): Promise<void>;
  getGroup(id: string): Promise<GroupRow | null>;
  /** Active groups named `name`, newest first. */
  activeGroupsNamed(name: string): Promise<GroupRow[]>;
  /** Active groups `owner` made. */
  activeGroupsOf(owner: string): Promise<GroupRow[]>;
  recordBroadcast(id: string, broadcasts: number, summary: unknown): Promise<void>;
  recordGather(id: string, broadcast: unknown, outcome: unknown): Promise<void>;
  /** Marks the group dissolved; false if it already was (or does not exist). */
  dissolveGroupRow(id: string, at: number): Promise<boolean>;
}

// Not on the contract (pure helpers, or not taking the store): groupsMigration.
