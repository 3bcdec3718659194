// The inbox and groups families on PostgreSQL (#15): InboxApi and GroupsApi over Bun.sql, the same rows as
// src/store/inbox.ts and src/store/groups.ts. An inbox insert notifies `aegis_inbox` with the target handle (trigger
// in baseline.ts), so the process holding that session collects the message wherever the sender ran.
// It holds SQL only: rendering and delivery live in src/session/, what a group does in src/mcp/group-host.ts.

import type { SQL } from "bun";
import type { GroupsApi } from "../api/groups.ts";
import type { InboxApi } from "../api/inbox.ts";
import type { GroupRow } from "../groups.ts";
import type { InboxRow, NewInboxMessage } from "../inbox.ts";

function pgInboxRow(r: Record<string, unknown>): InboxRow {
  r.id = Number(r.id);
  r.created_at = Number(r.created_at);
  if (r.delivered_at !== null) r.delivered_at = Number(r.delivered_at);
  return r as unknown as InboxRow;
}

export function pgInbox(sql: SQL): InboxApi {
  const rows = async (q: Promise<Record<string, unknown>[]>): Promise<InboxRow[]> => (await q).map(pgInboxRow);
  return {
    async insertInbox(m: NewInboxMessage) {
      const [r] = await sql`INSERT INTO inbox (target, sender, task_id, status, body, created_at)
        VALUES (${m.target}, ${m.sender}, ${m.taskId ?? null}, ${m.status ?? null}, ${m.body}, ${m.at}) RETURNING id`;
      return {
        id: Number(r.id), target: m.target, sender: m.sender, task_id: m.taskId ?? null, status: m.status ?? null, body: m.body,
        created_at: m.at, delivered_at: null, session_id: null,
      };
    },
    async markDelivered(ids, sessionId, at) {
      if (ids.length === 0) return [];
      const marked = new Set((await sql`UPDATE inbox SET delivered_at = ${at}, session_id = ${sessionId}
        WHERE id = ANY(${sql.array([...ids], "INT8")}::int8[]) AND delivered_at IS NULL RETURNING id`).map((r: { id: unknown }) => Number(r.id)));
      return ids.filter((id) => marked.has(id));
    },
    async undeliveredFor(target) {
      return await rows(sql`SELECT * FROM inbox WHERE target = ${target} AND delivered_at IS NULL ORDER BY id`);
    },
    async undeliveredAfter(targets, afterId) {
      if (targets.length === 0) return [];
      return await rows(sql`SELECT * FROM inbox WHERE delivered_at IS NULL AND id > ${afterId}
        AND target = ANY(${sql.array([...targets], "TEXT")}::text[]) ORDER BY id`);
    },
    async inboxForTask(taskId) {
      return await rows(sql`SELECT * FROM inbox WHERE task_id = ${taskId} ORDER BY id`);
    },
    async listInbox(target) {
      return await rows(sql`SELECT * FROM inbox WHERE target = ${target} ORDER BY id`);
    },
  };
}

function pgGroupRow(r: Record<string, unknown>): GroupRow {
  r.created_at = Number(r.created_at);
  if (r.dissolved_at !== null) r.dissolved_at = Number(r.dissolved_at);
  return r as unknown as GroupRow;
}

export function pgGroups(sql: SQL): GroupsApi {
  const rows = async (q: Promise<Record<string, unknown>[]>): Promise<GroupRow[]> => (await q).map(pgGroupRow);
  return {
    async insertGroup(g) {
      await sql`INSERT INTO agent_groups (id, name, owner, process, members, state, created_at)
        VALUES (${g.id}, ${g.name}, ${g.owner}, ${g.process}, ${JSON.stringify(g.members)}, 'active', ${g.at})`;
    },
    async getGroup(id) {
      return (await rows(sql`SELECT * FROM agent_groups WHERE id = ${id}`))[0] ?? null;
    },
    async activeGroupsNamed(name) {
      return await rows(sql`SELECT * FROM agent_groups WHERE name = ${name} AND state = 'active' ORDER BY created_at DESC, id DESC`);
    },
    async activeGroupsOf(owner) {
      return await rows(sql`SELECT * FROM agent_groups WHERE owner = ${owner} AND state = 'active' ORDER BY created_at, id`);
    },
    async recordBroadcast(id, broadcasts, summary) {
      await sql`UPDATE agent_groups SET broadcasts = ${broadcasts}, last_broadcast = ${JSON.stringify(summary)} WHERE id = ${id}`;
    },
    async recordGather(id, broadcast, outcome) {
      await sql`UPDATE agent_groups SET last_broadcast = ${JSON.stringify(broadcast)}, last_gather = ${JSON.stringify(outcome)} WHERE id = ${id}`;
    },
    async dissolveGroupRow(id, at) {
      return (await sql`UPDATE agent_groups SET state = 'dissolved', dissolved_at = ${at} WHERE id = ${id} AND state = 'active' RETURNING id`).length > 0;
    },
  };
}
