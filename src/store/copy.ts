// Copying a project's state between backends (#15, `aegis migrate --to`): every table, in foreign-key order, in
// chunks of 1,000 rows by primary key, values unchanged (both schemas use the same columns and value kinds, see
// postgres/baseline.ts), ids and sequence numbers kept; PostgreSQL identities are moved past the copied ids; the
// target must be empty; each table's row count is verified after the copy. queue_counts is derived from tasks by
// triggers: a SQLite target's triggers rebuild it; a PostgreSQL target's triggers are switched off for the copy (each
// task row would update one counts row again and again inside one transaction, which slows down with every version
// of that row: 40,000 tasks took 44 s) and queue_counts is copied as it is. It must not decide when a copy is allowed
// (live workers, --force) nor open or commit either side (store/transfer.ts does): it reads and writes the two handles.

import type { SQL } from "bun";
import type { Store } from "./store.ts";
import { AegisError } from "../util/errors.ts";

/** A side of the copy: the SQLite store or a PostgreSQL pool, both at the same schema version. */
export type CopyEnd = { kind: "sqlite"; store: Store } | { kind: "postgres"; sql: SQL };

/** Tables in an order that satisfies every foreign key, with the columns that order their rows. */
const TABLES: readonly { name: string; key: string; identity?: string }[] = [
  { name: "owners", key: "id" },
  { name: "sessions", key: "id" },
  { name: "events", key: "id", identity: "id" },
  { name: "inbox", key: "id", identity: "id" },
  { name: "tasks", key: "seq", identity: "seq" },
  { name: "runs", key: "id" },
  { name: "steps", key: "run_id, seq" },
  { name: "claims", key: "id" },
  { name: "worktrees", key: "handle" },
  { name: "timers", key: "run_id, seq" },
  { name: "signals", key: "id", identity: "id" },
  { name: "run_parks", key: "run_id" },
  { name: "schedule_fires", key: "schedule, scheduled_at" },
  { name: "schedule_cursors", key: "schedule" },
  { name: "agent_groups", key: "id" },
];

/** Tables checked after the copy without being copied (derived by triggers). */
const DERIVED = ["queue_counts"];

const CHUNK = 1_000;

export interface TableCount {
  table: string;
  source: number;
  target: number;
}

/** Where a copy is: `copied` of `total` rows of `table` (called after each chunk, and once per table at 0). */
export interface CopyProgress {
  table: string;
  copied: number;
  total: number;
}

export interface CopyOptions {
  onProgress?: (p: CopyProgress) => void;
}

/** Copies everything from `from` into the empty `to`; returns per-table counts (equal, or it throws E_STATE). */
export async function copyState(from: CopyEnd, to: CopyEnd, opts: CopyOptions = {}): Promise<TableCount[]> {
  if (to.kind === "postgres" && typeof (to.sql as { savepoint?: unknown }).savepoint !== "function") {
    // Given a pool, not a transaction: one of our own, so a failure leaves the target as it was (triggers included).
    return (await to.sql.begin((tx) => copyState(from, { kind: "postgres", sql: tx }, opts))) as TableCount[];
  }
  for (const t of [...TABLES.map((x) => x.name), ...DERIVED]) {
    if ((await count(to, t)) > 0) {
      throw new AegisError("E_STATE", `the target database already has rows in ${t}`, {
        hint: "copy into a new, empty database (aegis creates the schema on first use)",
        data: { nonEmpty: t },
      });
    }
  }
  const pgTarget = to.kind === "postgres" ? to.sql : undefined;
  // Triggers off on the target for the copy (NOTIFY too: nobody listens to an empty database); back on before commit.
  for (const t of pgTarget ? [...TABLES.map((x) => x.name), ...DERIVED] : []) await pgTarget!.unsafe(`ALTER TABLE ${t} DISABLE TRIGGER USER`);
  for (const t of pgTarget ? [...TABLES, ...DERIVED.map((name) => ({ name, key: "queue" }))] : TABLES) {
    const columns = await sharedColumns(from, to, t.name);
    const total = await count(from, t.name);
    opts.onProgress?.({ table: t.name, copied: 0, total });
    const keys = t.key.split(", ").map((k) => columns.indexOf(k));
    let after: unknown[] | undefined;
    for (let copied = 0; ;) {
      const rows = await read(from, t.name, columns, t.key, after);
      if (rows.length === 0) break;
      await write(to, t.name, columns, rows);
      opts.onProgress?.({ table: t.name, copied: (copied += rows.length), total });
      if (rows.length < CHUNK) break;
      after = keys.map((i) => rows.at(-1)![i]);
    }
    if (pgTarget && "identity" in t && t.identity) {
      await pgTarget.unsafe(`SELECT setval(pg_get_serial_sequence('${t.name}', '${t.identity}'), coalesce(max(${t.identity}), 0) + 1, false) FROM ${t.name}`);
    }
  }
  for (const t of pgTarget ? [...TABLES.map((x) => x.name), ...DERIVED] : []) await pgTarget!.unsafe(`ALTER TABLE ${t} ENABLE TRIGGER USER`);
  const counts: TableCount[] = [];
  for (const t of [...TABLES.map((x) => x.name), ...DERIVED]) counts.push({ table: t, source: await count(from, t), target: await count(to, t) });
  const wrong = counts.filter((c) => c.source !== c.target).map((c) => `${c.table} ${c.target} of ${c.source} rows`);
  for (const t of TABLES) {
    if (!t.identity) continue;
    const [a, b] = [await maxOf(from, t.name, t.identity), await maxOf(to, t.name, t.identity)];
    if (a !== b) wrong.push(`${t.name} largest ${t.identity} ${b}, not ${a}`);
  }
  if (wrong.length) {
    throw new AegisError("E_STATE", `the copy is incomplete: ${wrong.join(", ")}`, { data: { counts } });
  }
  return counts;
}

async function count(end: CopyEnd, table: string): Promise<number> {
  if (end.kind === "sqlite") return end.store.db.query<{ n: number }, []>(`SELECT count(*) AS n FROM ${table}`).get()?.n ?? 0;
  const [r] = await end.sql.unsafe(`SELECT count(*)::int8 AS n FROM ${table}`);
  return Number(r.n);
}

async function maxOf(end: CopyEnd, table: string, column: string): Promise<number> {
  if (end.kind === "sqlite") return end.store.db.query<{ n: number | null }, []>(`SELECT max(${column}) AS n FROM ${table}`).get()?.n ?? 0;
  const [r] = await end.sql.unsafe(`SELECT coalesce(max(${column}), 0)::int8 AS n FROM ${table}`);
  return Number(r.n);
}

async function columnsOf(end: CopyEnd, table: string): Promise<string[]> {
  if (end.kind === "sqlite") return end.store.db.query<{ name: string }, []>(`PRAGMA table_info(${table})`).all().map((c) => c.name);
  return (await end.sql`SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ${table}
    ORDER BY ordinal_position`).map((c: { column_name: string }) => c.column_name);
}

/** The source's columns, all of which the target must have (same schema version on both sides). */
async function sharedColumns(from: CopyEnd, to: CopyEnd, table: string): Promise<string[]> {
  const source = await columnsOf(from, table);
  const target = new Set(await columnsOf(to, table));
  const missing = source.filter((c) => !target.has(c));
  if (missing.length) {
    throw new AegisError("E_STATE", `the target's ${table} table lacks ${missing.join(", ")}: the two databases are at different schema versions`, {
      hint: "run the same aegis version against both (it migrates each database when it opens it)",
    });
  }
  return source;
}

/** The next chunk after the key `after` (keyset paging: each chunk costs the same however deep into the table). */
async function read(end: CopyEnd, table: string, columns: string[], key: string, after: unknown[] | undefined): Promise<unknown[][]> {
  const where = after ? `WHERE (${key}) > (${after.map((_, i) => (end.kind === "sqlite" ? "?" : `$${i + 1}`)).join(", ")})` : "";
  const text = `SELECT ${columns.join(", ")} FROM ${table} ${where} ORDER BY ${key} LIMIT ${CHUNK}`;
  if (end.kind === "sqlite") return end.store.db.query<Record<string, unknown>, never[]>(text).all(...((after ?? []) as never[])).map((r) => columns.map((c) => r[c]));
  // int8 arrives as a string; SQLite's INTEGER affinity stores such a string as the integer it spells.
  return (await end.sql.unsafe(text, after ?? [])).map((r: Record<string, unknown>) => columns.map((c) => r[c]));
}

async function write(end: CopyEnd, table: string, columns: string[], rows: unknown[][]): Promise<void> {
  if (end.kind === "sqlite") {
    const insert = end.store.db.prepare(`INSERT INTO ${table} (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`);
    end.store.write(() => {
      for (const r of rows) insert.run(...(r as never[]));
    });
    insert.finalize();
    return;
  }
  const objects = rows.map((r) => Object.fromEntries(columns.map((c, i) => [c, r[i]])));
  await end.sql`INSERT INTO ${end.sql(table)} ${end.sql(objects, ...columns)}`;
}
