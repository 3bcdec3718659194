// The claims family on PostgreSQL (#15): ClaimsApi over Bun.sql, the same rows and rules as src/store/claims.ts. A
// claim is granted by one check-and-insert under a transaction-scoped advisory lock (the PostgreSQL form of SQLite's
// BEGIN IMMEDIATE), so two workers on any machines racing for one path cannot both win. A claim is live while its
// session is open and its owner is alive: registered, its lease (if it has one) not expired, and on this host its
// process still running. It holds SQL only; src/mcp/ normalizes paths and checks callers.

import type { SQL } from "bun";
import { newId } from "../../util/ids.ts";
import type { ClaimsApi } from "../api/claims.ts";
import { intentsConflict, pathsOverlap, type Claim, type ClaimIntent, type ClaimOverlap, type ClaimRequest } from "../claims.ts";
import { isOwnerAlive, type OwnerRow } from "../owners.ts";

/** The lock every claim check-and-insert takes (an arbitrary constant: "claim" in ASCII). */
const CLAIM_LOCK = 0x636c61696d;

interface LiveRow {
  id: string;
  session_id: string;
  handle: string;
  intent: ClaimIntent;
  paths: string;
  description: string | null;
  created_at: string | number;
  owner: string | null;
  o_id: string | null;
  o_pid: number | null;
  o_host: string | null;
  o_proc_start: string | null;
  o_expired: boolean | null;
}

const toClaim = (r: LiveRow): Claim => ({
  id: r.id, sessionId: r.session_id, handle: r.handle, intent: r.intent,
  paths: JSON.parse(r.paths) as string[], description: r.description, createdAt: Number(r.created_at),
});

/** Claims of open sessions, split into live ones and the sessions whose owner is gone. */
async function liveRows(sql: SQL): Promise<{ live: LiveRow[]; deadSessions: Set<string> }> {
  const rows: LiveRow[] = await sql`SELECT c.*, s.owner, o.id AS o_id, o.pid AS o_pid, o.host AS o_host, o.proc_start AS o_proc_start,
      (o.lease_expires_at IS NOT NULL AND o.lease_expires_at <= (extract(epoch FROM clock_timestamp()) * 1000)::int8) AS o_expired
    FROM claims c JOIN sessions s ON s.id = c.session_id LEFT JOIN owners o ON o.id = s.owner
    WHERE s.closed_at IS NULL ORDER BY c.created_at, c.id`;
  const deadSessions = new Set<string>();
  const live = rows.filter((r) => {
    if (r.owner === null) return true;
    const alive = r.o_id !== null && !r.o_expired
      && isOwnerAlive({ id: r.o_id, pid: Number(r.o_pid), host: r.o_host ?? "", proc_start: r.o_proc_start, started_at: 0 } satisfies OwnerRow);
    if (!alive) deadSessions.add(r.session_id);
    return alive;
  });
  return { live, deadSessions };
}

function overlapsOf(live: readonly Claim[], req: ClaimRequest): ClaimOverlap[] {
  const out: ClaimOverlap[] = [];
  for (const c of live) {
    if (c.sessionId === req.sessionId) continue; // a session never conflicts with itself
    const paths = c.paths.filter((p) => req.paths.some((q) => pathsOverlap(p, q)));
    if (paths.length === 0) continue;
    out.push({ claimId: c.id, handle: c.handle, intent: c.intent, paths, description: c.description, conflicts: intentsConflict(c.intent, req.intent) });
  }
  return out;
}

/** Runs `fn` atomically: its own transaction on a pool, a savepoint inside the caller's transaction handle. */
function atomic<T>(sql: SQL, fn: (t: SQL) => Promise<T>): Promise<T> {
  const h = sql as unknown as { savepoint?: (f: (t: SQL) => Promise<T>) => Promise<T> };
  if (typeof h.savepoint === "function") return h.savepoint(fn);
  return sql.begin(fn) as Promise<T>;
}

export function pgClaims(sql: SQL): ClaimsApi {
  const listClaims = async () => (await liveRows(sql)).live.map(toClaim);
  return {
    listClaims,
    async getClaim(id) {
      return (await listClaims()).find((c) => c.id === id);
    },
    tryClaim(req) {
      return atomic(sql, async (t) => {
        await t`SELECT pg_advisory_xact_lock(${CLAIM_LOCK})`;
        await t`DELETE FROM claims WHERE session_id NOT IN (SELECT id FROM sessions WHERE closed_at IS NULL)`;
        const { live, deadSessions } = await liveRows(t);
        if (deadSessions.size) await t`DELETE FROM claims WHERE session_id = ANY(${sql.array([...deadSessions], "TEXT")}::text[])`;
        const overlaps = overlapsOf(live.map(toClaim), req);
        if (overlaps.some((o) => o.conflicts)) return { granted: false as const, overlaps };
        const claim: Claim = {
          id: newId("clm"), sessionId: req.sessionId, handle: req.handle, intent: req.intent,
          paths: [...req.paths], description: req.description ?? null, createdAt: req.at,
        };
        const inserted = await t`INSERT INTO claims (id, session_id, handle, intent, paths, description, created_at)
          SELECT ${claim.id}, ${claim.sessionId}, ${claim.handle}, ${claim.intent}, ${JSON.stringify(claim.paths)}, ${claim.description}, ${claim.createdAt}
          WHERE EXISTS (SELECT 1 FROM sessions WHERE id = ${req.sessionId} AND closed_at IS NULL) RETURNING id`;
        return inserted.length === 1 ? { granted: true as const, claim, overlaps } : undefined;
      });
    },
    async releaseClaim(id, sessionId) {
      return (await sql`DELETE FROM claims WHERE id = ${id} AND session_id = ${sessionId} RETURNING id`).length === 1;
    },
    async releaseSessionClaims(sessionId) {
      return (await sql`DELETE FROM claims WHERE session_id = ${sessionId} RETURNING id`).length;
    },
  };
}
