// The claims family on the async store contract (#15), derived from src/store/claims.ts by the rule in
// PG-DESIGN.md §2.1: each `fn(store, ...args): R` there is `fn(...args): Promise<R>` here, same name; buffered writes
// return void. The SQLite backend implements it over the synchronous functions, the PostgreSQL backend over Bun.sql.
// Types only.

import type { Claim, ClaimRequest, ClaimOutcome } from "../claims.ts";

export interface ClaimsApi {
  /** Every live claim, oldest first. */
  listClaims(): Promise<Claim[]>;
  /** The live claim `id`, or undefined (never made, released, or its session ended). */
  getClaim(id: string): Promise<Claim | undefined>;
  /**
   * Grants `req` unless it conflicts with a live claim of another session, checking and inserting in one write
   * transaction. Claims of closed sessions and dead processes are deleted first. Returns undefined when the
   * requesting session is not open (it has nothing to hold a claim with).
   */
  tryClaim(req: ClaimRequest): Promise<ClaimOutcome | undefined>;
  /** Deletes claim `id` if `sessionId` holds it; returns whether it did. */
  releaseClaim(id: string, sessionId: string): Promise<boolean>;
  /** Deletes every claim of a session (it closed); returns how many. Call it inside the caller's batch or write. */
  releaseSessionClaims(sessionId: string): Promise<number>;
}

// Not on the contract (pure helpers, or not taking the store): pathsOverlap, intentsConflict.
