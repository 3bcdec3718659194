// Shared pieces of the PostgreSQL schema (#15): the migration type and the database-clock expression every lease
// decision uses. The schema itself is baseline.ts; connect.ts applies it under an advisory lock.

/** One versioned step of the PostgreSQL schema. */
export interface PgMigration {
  readonly version: number;
  readonly name: string;
  readonly up: string;
}

/** ms since the epoch by the database's clock: every lease decision uses it, so worker clocks may disagree. */
export const PG_NOW_MS = "(extract(epoch from clock_timestamp()) * 1000)::int8";
