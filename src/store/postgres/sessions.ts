// The sessions and events families on PostgreSQL (#15): SessionsApi and EventsApi over Bun.sql, the same rows as
// src/store/sessions.ts and src/store/events.ts. A live handle stays unique by the partial unique index (an insert
// that collides does nothing and answers false, so it never aborts a surrounding transaction); SQLite's rowid order
// becomes (created_at, id), ids being time-sortable. The transcript is written as one multi-row INSERT per call.
// It holds SQL only; the session state machine lives in src/session/.

import type { SQL } from "bun";
import { logIgnored } from "../../util/log-ignored.ts";
import type { EventsApi } from "../api/events.ts";
import type { SessionsApi } from "../api/sessions.ts";
import type { EventRow, PendingEvent } from "../events.ts";
import type { NewSessionRow, SessionRow } from "../sessions.ts";

/** int8 columns arrive as strings from Bun.sql; these become numbers. */
const SESSION_INT8 = ["created_at", "closed_at", "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens"] as const;

export function pgSessionRow(r: Record<string, unknown>): SessionRow {
  for (const k of SESSION_INT8) if (typeof r[k] === "string") r[k] = Number(r[k]);
  if (typeof r.cost_usd === "string") r.cost_usd = Number(r.cost_usd);
  return r as unknown as SessionRow;
}

function pgEventRow(r: Record<string, unknown>): EventRow {
  r.id = Number(r.id);
  r.at = Number(r.at);
  return r as unknown as EventRow;
}

/**
 * A buffered write's promise handed back as the Api's `void`: db.ts queues the call in program order and awaits what it
 * returns, so its failure is reported by the next call or flush (never as an unhandled rejection here).
 */
function buffered(p: Promise<unknown>): void {
  p.catch(logIgnored("a buffered session write (db.ts reports it to the next caller)")); // only keeps it from being unhandled
  return p as unknown as void;
}

export function pgSessions(sql: SQL): SessionsApi {
  const rows = async (q: Promise<Record<string, unknown>[]>): Promise<SessionRow[]> => (await q).map(pgSessionRow);
  return {
    async insertSession(s: NewSessionRow) {
      const r = await sql`INSERT INTO sessions (id, handle, agent, provider, model, state, spawned_by, owner, created_at, host)
        VALUES (${s.id}, ${s.handle}, ${s.agent}, ${s.provider}, ${s.model ?? null}, ${s.state ?? "starting"}, ${s.spawnedBy ?? null},
          ${s.owner ?? null}, ${s.createdAt}, ${s.host ?? null})
        ON CONFLICT (handle) WHERE closed_at IS NULL DO NOTHING RETURNING id`;
      return r.length === 1;
    },
    async updateSession(id, state, t, lastText, closedAt = null, proc = {}, events = []) {
      // The turn's last transcript rows and, closing, the session's claims go in the same statement (one commit; no
      // claims to delete is one index probe). Rows beyond one INSERT's worth go first, on their own.
      const rows = events.length <= CHUNK ? events.map((e) => eventValues(id, e)) : [];
      if (events.length > CHUNK) await insertEventBatches(sql, [[id, events]]);
      const appended = rows.length ? sql`, appended AS (INSERT INTO events ${sql(rows, "session_id", "turn", "at", "type", "text", "data")})` : sql``;
      await sql`WITH released AS (DELETE FROM claims WHERE session_id = ${id} AND ${closedAt}::int8 IS NOT NULL)${appended}
        UPDATE sessions SET state = ${state}, turns = ${t.turns}, input_tokens = ${t.input}, output_tokens = ${t.output},
          cache_read_tokens = ${t.cacheRead}, cache_write_tokens = ${t.cacheWrite}, cost_usd = ${t.costUsd},
          last_text = coalesce(${lastText}::text, last_text), closed_at = coalesce(${closedAt}::int8, closed_at),
          pid = coalesce(${proc.pid ?? null}::int4, pid), provider_session_id = coalesce(${proc.providerSessionId ?? null}::text, provider_session_id)
        WHERE id = ${id}`;
    },
    setSessionState(id, state) {
      return buffered(sql`UPDATE sessions SET state = ${state} WHERE id = ${id}`.execute());
    },
    setSessionProcess(id, providerSessionId, pid) {
      return buffered(sql`UPDATE sessions SET provider_session_id = coalesce(${providerSessionId}::text, provider_session_id),
        pid = coalesce(${pid}::int4, pid) WHERE id = ${id}`.execute());
    },
    setSessionLastText(id, text) {
      return buffered(sql`UPDATE sessions SET last_text = ${text} WHERE id = ${id}`.execute());
    },
    markSessionReady(id, pid, providerSessionId) {
      return buffered(sql`UPDATE sessions SET state = 'ready', pid = ${pid}, provider_session_id = ${providerSessionId} WHERE id = ${id}`.execute());
    },
    async sessionsSpawnedBy(spawnedBy) {
      return await rows(sql`SELECT * FROM sessions WHERE spawned_by = ${spawnedBy} ORDER BY created_at, id`);
    },
    async closeSessionRow(id, at) {
      await sql`WITH released AS (DELETE FROM claims WHERE session_id = ${id})
        UPDATE sessions SET state = 'closed', closed_at = ${at} WHERE id = ${id} AND closed_at IS NULL`;
    },
    async getSessionRow(id) {
      return (await rows(sql`SELECT * FROM sessions WHERE id = ${id}`))[0] ?? null;
    },
    async findSessionByHandle(handle) {
      return (await rows(sql`SELECT * FROM sessions WHERE handle = ${handle}
        ORDER BY (closed_at IS NULL) DESC, created_at DESC, id DESC LIMIT 1`))[0] ?? null;
    },
    async closeSessionsOfOwners(owners, at) {
      const list = [...owners];
      if (list.length === 0) return 0;
      const r = await sql`UPDATE sessions SET state = 'closed', closed_at = ${at}
        WHERE owner = ANY(${sql.array(list, "TEXT")}::text[]) AND closed_at IS NULL RETURNING id`;
      return r.length;
    },
    async ownersOfOpenSessions() {
      return (await sql`SELECT DISTINCT owner FROM sessions WHERE closed_at IS NULL AND owner IS NOT NULL ORDER BY owner`)
        .map((r: { owner: string }) => r.owner);
    },
    async sessionChain(handle, spawnedBy, fromId) {
      return (await sql`SELECT id FROM sessions WHERE handle = ${handle} AND spawned_by = ${spawnedBy}
          AND (${fromId ?? null}::text IS NULL OR (created_at, id) >= (SELECT created_at, id FROM sessions WHERE id = ${fromId ?? null}))
        ORDER BY created_at, id`).map((r: { id: string }) => r.id);
    },
  };
}

/** The columns of one transcript row, as src/store/events.ts lays them out. */
function eventValues(sessionId: string, e: PendingEvent): Record<string, unknown> {
  const ev = e.event;
  const plain = ev.type === "prompt" || (ev.type === "text" && ev.messageId === undefined);
  return {
    session_id: sessionId, turn: e.turn, at: e.at, type: ev.type,
    text: plain || ev.type === "text" ? (ev as { text: string }).text : null,
    data: plain ? null : JSON.stringify(ev),
  };
}

/** Rows per INSERT: Bun.sql binds every value, and PostgreSQL allows 65,535 parameters per statement (6 per row). */
const CHUNK = 1_000;

/**
 * Several appendEvents calls (of any sessions) as multi-row INSERTs, rows in call order: how db.ts commits a tick's
 * buffered transcript writes in one statement instead of one per call.
 */
export async function insertEventBatches(sql: SQL, calls: readonly (readonly [sessionId: string, events: readonly PendingEvent[]])[]): Promise<void> {
  const rows = calls.flatMap(([sessionId, events]) => events.map((e) => eventValues(sessionId, e)));
  for (let i = 0; i < rows.length; i += CHUNK) {
    await sql`INSERT INTO events ${sql(rows.slice(i, i + CHUNK), "session_id", "turn", "at", "type", "text", "data")}`;
  }
}

export function pgEvents(sql: SQL): EventsApi {
  return {
    appendEvents(sessionId, events) {
      return buffered(insertEventBatches(sql, [[sessionId, events]]));
    },
    async listEvents(sessionId, afterId = 0, limit = 10_000) {
      return (await sql`SELECT * FROM events WHERE session_id = ${sessionId} AND id > ${afterId} ORDER BY id LIMIT ${limit}`).map(pgEventRow);
    },
    async countEvents(sessionId) {
      const [r] = await sql`SELECT count(*)::int4 AS n FROM events WHERE session_id = ${sessionId}`;
      return Number(r?.n ?? 0);
    },
    async eventIdAt(sessionId, offset) {
      const [r] = await sql`SELECT id FROM events WHERE session_id = ${sessionId} ORDER BY id LIMIT 1 OFFSET ${offset}`;
      return r ? Number(r.id) : undefined;
    },
  };
}
