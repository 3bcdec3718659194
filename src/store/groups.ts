// The rows of agent groups made over MCP (aegis_group_spawn, #13): one `agent_groups` row per group — its name, its
// owner (the sender tag of the session that made it), the aegis process hosting its members, the members, and a
// summary of its last broadcast and gather — so aegis_group_status still answers, as a record, after that process
// has ended. Only SQL lives here: what a group does is src/mcp/group-host.ts's business.

import type { Migration } from "./migrations.ts";
import type { Store } from "./store.ts";

export const GROUPS_SQL = `CREATE TABLE agent_groups (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    owner TEXT NOT NULL,
    process TEXT,
    members TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('active', 'dissolved')),
    broadcasts INTEGER NOT NULL DEFAULT 0,
    last_broadcast TEXT,
    last_gather TEXT,
    created_at INTEGER NOT NULL,
    dissolved_at INTEGER
  ) WITHOUT ROWID;
  CREATE INDEX agent_groups_by_name ON agent_groups (name, state);`;

/** The version is set where it is appended to MIGRATIONS (its position there plus one). */
export function groupsMigration(version: number): Migration {
  return { version, name: "agent groups", up: GROUPS_SQL };
}

export interface GroupRow {
  id: string;
  name: string;
  /** The owner's sender tag: `agent:<handle>`, or `user` for the operator. */
  owner: string;
  /** The owner id (store/owners.ts) of the aegis process hosting the members. */
  process: string | null;
  /** JSON: `[{ handle, agent }]`, in member order. */
  members: string;
  state: "active" | "dissolved";
  broadcasts: number;
  /** JSON: what the last broadcast was (id, objective, time, gathered). */
  last_broadcast: string | null;
  /** JSON: the last gather's outcome. */
  last_gather: string | null;
  created_at: number;
  dissolved_at: number | null;
}

export function insertGroup(store: Store, g: { id: string; name: string; owner: string; process: string | null; members: unknown; at: number }): void {
  store.write(() => store.sql(`INSERT INTO agent_groups (id, name, owner, process, members, state, created_at) VALUES (?, ?, ?, ?, ?, 'active', ?)`)
    .run(g.id, g.name, g.owner, g.process, JSON.stringify(g.members), g.at));
}

export function getGroup(store: Store, id: string): GroupRow | null {
  return store.sql<GroupRow, [string]>("SELECT * FROM agent_groups WHERE id = ?").get(id);
}

/** Active groups named `name`, newest first. */
export function activeGroupsNamed(store: Store, name: string): GroupRow[] {
  return store.sql<GroupRow, [string]>("SELECT * FROM agent_groups WHERE name = ? AND state = 'active' ORDER BY created_at DESC, id DESC").all(name);
}

/** Active groups `owner` made. */
export function activeGroupsOf(store: Store, owner: string): GroupRow[] {
  return store.sql<GroupRow, [string]>("SELECT * FROM agent_groups WHERE owner = ? AND state = 'active' ORDER BY created_at, id").all(owner);
}

export function recordBroadcast(store: Store, id: string, broadcasts: number, summary: unknown): void {
  store.write(() => store.sql("UPDATE agent_groups SET broadcasts = ?, last_broadcast = ? WHERE id = ?").run(broadcasts, JSON.stringify(summary), id));
}

export function recordGather(store: Store, id: string, broadcast: unknown, outcome: unknown): void {
  store.write(() => store.sql("UPDATE agent_groups SET last_broadcast = ?, last_gather = ? WHERE id = ?").run(JSON.stringify(broadcast), JSON.stringify(outcome), id));
}

/** Marks the group dissolved; false if it already was (or does not exist). */
export function dissolveGroupRow(store: Store, id: string, at: number): boolean {
  return store.write(() => store.sql("UPDATE agent_groups SET state = 'dissolved', dissolved_at = ? WHERE id = ? AND state = 'active'").run(at, id).changes > 0);
}
