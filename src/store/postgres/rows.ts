// Small helpers the PostgreSQL family factories share (#15): int8 columns (returned by Bun.sql as strings) mapped to
// numbers so rows equal SQLite's, and `atomic`, which runs several statements as one unit whether the factory was
// given the pool (a transaction of its own) or a transaction handle (a savepoint inside the caller's transaction).
// It holds no SQL of any table.

import type { SQL } from "bun";

/** Every listed column that arrived as a string (int8, float8 sums) becomes a number; null stays null. */
export function numbered<T>(r: Record<string, unknown>, cols: readonly string[]): T {
  for (const k of cols) if (typeof r[k] === "string") r[k] = Number(r[k]);
  return r as T;
}

/** Maps every row of a query through `numbered`. */
export async function numberedRows<T>(q: Promise<Record<string, unknown>[]>, cols: readonly string[]): Promise<T[]> {
  return (await q).map((r) => numbered<T>(r, cols));
}

/** Runs `fn` atomically: its own transaction on a pool, a savepoint inside a transaction handle. */
export function atomic<T>(sql: SQL, fn: (t: SQL) => Promise<T>): Promise<T> {
  const h = sql as unknown as { savepoint?: (f: (t: SQL) => Promise<T>) => Promise<T> };
  if (typeof h.savepoint === "function") return h.savepoint(fn);
  return sql.begin(fn) as Promise<T>;
}
