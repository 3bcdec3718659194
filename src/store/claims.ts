// The `claims` table: paths (files or folder prefixes, relative to the project root) a live session has claimed, shared
// or exclusive, so agents working in one tree do not edit the same files at once. A claim is granted by one check-and-
// insert inside a single write transaction (BEGIN IMMEDIATE), so two processes racing for one path cannot both win;
// a denied claim is never recorded. A claim lives only as long as its session: rows of a closed session or of a
// session whose process died are not live, and are pruned by the next claim.
// It knows nothing of globs, the filesystem or who may release what; src/mcp/ normalizes paths and checks callers.

import { newId } from "../util/ids.ts";
import type { Migration } from "./migrations.ts";
import { deadOwners } from "./owners.ts";
import type { Store } from "./store.ts";

export const CLAIMS_MIGRATION: Migration = {
  version: 8,
  name: "claims",
  up: `CREATE TABLE claims (
    id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL,
    handle TEXT NOT NULL,
    intent TEXT NOT NULL CHECK (intent IN ('shared', 'exclusive')),
    paths TEXT NOT NULL,
    description TEXT,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX claims_by_session ON claims (session_id);`,
};

export type ClaimIntent = "shared" | "exclusive";

export interface Claim {
  id: string;
  sessionId: string;
  handle: string;
  intent: ClaimIntent;
  /** Normalized, relative to the project root; "." is the whole tree. */
  paths: string[];
  description: string | null;
  createdAt: number;
}

/** Another session's live claim that overlaps a requested one, with only its overlapping paths. */
export interface ClaimOverlap {
  claimId: string;
  handle: string;
  intent: ClaimIntent;
  paths: string[];
  description: string | null;
  /** Whether this overlap alone denies the request (one of the two is exclusive). */
  conflicts: boolean;
}

export interface ClaimRequest {
  sessionId: string;
  handle: string;
  intent: ClaimIntent;
  paths: readonly string[];
  description?: string;
  at: number;
}

export type ClaimOutcome = { granted: true; claim: Claim; overlaps: ClaimOverlap[] } | { granted: false; overlaps: ClaimOverlap[] };

interface ClaimRow {
  id: string;
  session_id: string;
  handle: string;
  intent: ClaimIntent;
  paths: string;
  description: string | null;
  created_at: number;
  owner: string | null;
}

/** True when `folder` is `path` or one of its parent folders ("." covers everything). */
function covers(folder: string, path: string): boolean {
  return folder === "." || path === folder || path.startsWith(`${folder}/`);
}

/** Two normalized paths overlap when they are the same or one is a folder prefix of the other. */
export function pathsOverlap(a: string, b: string): boolean {
  return covers(a, b) || covers(b, a);
}

/** Shared claims coexist; an exclusive one conflicts with every overlapping claim. */
export function intentsConflict(a: ClaimIntent, b: ClaimIntent): boolean {
  return a === "exclusive" || b === "exclusive";
}

const LIVE_ROWS = `SELECT c.*, s.owner FROM claims c JOIN sessions s ON s.id = c.session_id
  WHERE s.closed_at IS NULL ORDER BY c.created_at, c.rowid`;

function toClaim(r: ClaimRow): Claim {
  return {
    id: r.id, sessionId: r.session_id, handle: r.handle, intent: r.intent,
    paths: JSON.parse(r.paths) as string[], description: r.description, createdAt: r.created_at,
  };
}

/** Rows of open sessions whose process is alive (claims of a process that died without closing them are not live). */
function liveRows(store: Store): { live: ClaimRow[]; deadSessions: Set<string> } {
  const rows = store.sql<ClaimRow, []>(LIVE_ROWS).all();
  const owners = new Set(rows.flatMap((r) => (r.owner ? [r.owner] : [])));
  const dead = owners.size ? deadOwners(store, owners) : new Set<string>();
  const deadSessions = new Set<string>();
  const live = rows.filter((r) => {
    if (r.owner === null || !dead.has(r.owner)) return true;
    deadSessions.add(r.session_id);
    return false;
  });
  return { live, deadSessions };
}

/** Every live claim, oldest first. */
export function listClaims(store: Store): Claim[] {
  return liveRows(store).live.map(toClaim);
}

/** The live claim `id`, or undefined (never made, released, or its session ended). */
export function getClaim(store: Store, id: string): Claim | undefined {
  return listClaims(store).find((c) => c.id === id);
}

/** Overlaps of `req` with other sessions' live claims. */
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

/**
 * Grants `req` unless it conflicts with a live claim of another session, checking and inserting in one write
 * transaction. Claims of closed sessions and dead processes are deleted first. Returns undefined when the
 * requesting session is not open (it has nothing to hold a claim with).
 */
export function tryClaim(store: Store, req: ClaimRequest): ClaimOutcome | undefined {
  return store.write(() => {
    store.sql("DELETE FROM claims WHERE session_id NOT IN (SELECT id FROM sessions WHERE closed_at IS NULL)").run();
    const { live, deadSessions } = liveRows(store);
    const del = store.sql("DELETE FROM claims WHERE session_id = ?");
    for (const id of deadSessions) del.run(id);
    const overlaps = overlapsOf(live.map(toClaim), req);
    if (overlaps.some((o) => o.conflicts)) return { granted: false as const, overlaps };
    const claim: Claim = {
      id: newId("clm"), sessionId: req.sessionId, handle: req.handle, intent: req.intent,
      paths: [...req.paths], description: req.description ?? null, createdAt: req.at,
    };
    const inserted = store.sql(`INSERT INTO claims (id, session_id, handle, intent, paths, description, created_at)
      SELECT ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM sessions WHERE id = ? AND closed_at IS NULL)`)
      .run(claim.id, claim.sessionId, claim.handle, claim.intent, JSON.stringify(claim.paths), claim.description, claim.createdAt, req.sessionId);
    return inserted.changes === 1 ? { granted: true as const, claim, overlaps } : undefined;
  });
}

/** Deletes claim `id` if `sessionId` holds it; returns whether it did. */
export function releaseClaim(store: Store, id: string, sessionId: string): boolean {
  return store.write(() => store.sql("DELETE FROM claims WHERE id = ? AND session_id = ?").run(id, sessionId).changes === 1);
}

/** Deletes every claim of a session (it closed); returns how many. Call it inside the caller's batch or write. */
export function releaseSessionClaims(store: Store, sessionId: string): number {
  return store.sql("DELETE FROM claims WHERE session_id = ?").run(sessionId).changes;
}
