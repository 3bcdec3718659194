// The state backend's health for `aegis doctor` (#15): which backend and where (the URL redacted), whether it
// answers and how fast, the server's version, the schema version against this aegis's, whether notifications come
// back (PostgreSQL: LISTEN/NOTIFY through the same URL, which a transaction-mode pooler breaks), and the live
// workers (a lease not expired by the database's clock, and not a gone pid on this host) and host ids two machines
// share. It never migrates or writes: a database that is missing or behind is reported, not changed.

import { Database } from "bun:sqlite";
import { existsSync } from "node:fs";
import type { LoadedConfig } from "../config/validate.ts";
import { errorMessage } from "../util/errors.ts";
import { logIgnored } from "../util/log-ignored.ts";
import { MIGRATIONS } from "./migrations.ts";
import { describeTarget, storeTarget, type StoreTarget } from "./open.ts";
import { connectError, liveOwners } from "./transfer.ts";
import { redactUrl } from "./url.ts";

/** The oldest PostgreSQL server aegis supports. */
export const MIN_PG_VERSION = 13;

export interface StoreCheck {
  backend: "sqlite" | "postgres";
  /** describeTarget(): "SQLite <path>" or "PostgreSQL <url with ***> (from <setting>)". */
  location: string;
  /** No problem found (notes may still say something). */
  ok: boolean;
  /** Connecting plus `SELECT 1`, in ms. */
  connectMs?: number;
  /** PostgreSQL: the median of 5 `SELECT 1` round trips on the open connection, in ms. */
  queryMs?: number;
  /** "PostgreSQL 15.4", "SQLite 3.46.0". */
  server?: string;
  /** The database's schema version, this aegis's, and what that means ("none": not set up yet, done on first use). */
  schema?: { database: number; aegis: number; state: "none" | "behind" | "current" | "ahead" };
  /** PostgreSQL: a NOTIFY sent and heard back on this connection, in ms. */
  notifyMs?: number;
  /** Owners registered with a live lease (or no lease: a process on its own host, checked by pid elsewhere). */
  workers?: number;
  /** What is wrong, one sentence each. */
  problems: string[];
  /** What to do about the first problem, when there is a clear answer. */
  hint?: string;
  /** What is worth knowing but not wrong. */
  notes: string[];
}

export interface CheckOptions {
  env?: Record<string, string | undefined>;
  /** Give up on a server (connect, notification) after this long; default 5 s. */
  timeoutMs?: number;
}

/** Checks the backend the config and environment choose; never throws for a broken database (that is the report). */
export async function checkStore(config: Pick<LoadedConfig, "stateDir" | "store">, opts: CheckOptions = {}): Promise<StoreCheck> {
  let target: StoreTarget;
  try {
    target = storeTarget(config, opts.env ?? process.env);
  } catch (err) {
    return { backend: "postgres", location: "(unusable AEGIS_DATABASE_URL)", ok: false, problems: [errorMessage(err)], notes: [] };
  }
  const report = target.backend === "sqlite" ? await checkSqlite(target.path) : await checkPostgres(target.url, opts.timeoutMs ?? 5_000);
  for (const k of ["connectMs", "queryMs", "notifyMs"] as const) if (report[k] !== undefined) report[k] = round01(report[k]);
  const problems = report.problems ?? [];
  return { backend: target.backend, location: describeTarget(target), ...report, problems, notes: report.notes ?? [], ok: problems.length === 0 };
}

/** Timings to 0.1 ms: finer digits are noise, and `aegis doctor --json` should not print 0.30000000000000004. */
const round01 = (ms: number) => Math.round(ms * 10) / 10;

type Partial = Omit<StoreCheck, "backend" | "location" | "ok" | "problems" | "notes"> & { problems?: string[]; notes?: string[] };

function schemaState(database: number): NonNullable<StoreCheck["schema"]> {
  const aegis = MIGRATIONS.length;
  const state = database === 0 ? "none" : database < aegis ? "behind" : database === aegis ? "current" : "ahead";
  return { database, aegis, state };
}

function schemaProblems(s: NonNullable<StoreCheck["schema"]>, problems: string[], notes: string[]): void {
  if (s.state === "ahead") problems.push(`the database is at schema version ${s.database}, newer than this aegis (${s.aegis}): upgrade aegis on this machine`);
  if (s.state === "behind") notes.push(`the database is at schema version ${s.database}; this aegis migrates it to ${s.aegis} on first use`);
  if (s.state === "none") notes.push("the database has no aegis schema yet; it is created on first use");
}

async function checkSqlite(path: string): Promise<Partial> {
  const problems: string[] = [];
  const notes: string[] = [];
  if (!existsSync(path)) return { notes: [`${path} does not exist yet; it is created on first use`], schema: schemaState(0) };
  const started = performance.now();
  let db: Database | undefined;
  try {
    db = new Database(path, { readonly: true });
    const version = db.query<{ v: string }, []>("SELECT sqlite_version() AS v").get()?.v;
    const connectMs = performance.now() - started;
    const hasSchema = db.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").get() !== null;
    const schema = schemaState(hasSchema ? db.query<{ v: number | null }, []>("SELECT max(version) AS v FROM schema_version").get()?.v ?? 0 : 0);
    schemaProblems(schema, problems, notes);
    const hasOwners = db.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'owners'").get() !== null;
    const workers = hasOwners ? (await liveOwners({ kind: "sqlite", db })).length : 0;
    return { connectMs, ...(version ? { server: `SQLite ${version}` } : {}), schema, workers, problems, notes };
  } catch (err) {
    return { problems: [`cannot read ${path}: ${errorMessage(err)}`] };
  } finally {
    db?.close();
  }
}

async function checkPostgres(url: string, timeoutMs: number): Promise<Partial> {
  const problems: string[] = [];
  const notes: string[] = [];
  const { SQL } = await import("bun");
  const sql = new SQL({ url, max: 1, connectionTimeout: Math.ceil(timeoutMs / 1000) });
  const started = performance.now();
  try {
    try {
      await within(sql`SELECT 1`, timeoutMs, "connecting");
    } catch (err) {
      const e = connectError(url, err, Math.ceil(timeoutMs / 1000));
      return { problems: [e.message], ...(e.hint ? { hint: e.hint } : {}) };
    }
    const connectMs = performance.now() - started;
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      await sql`SELECT 1`;
      times.push(performance.now() - t);
    }
    const queryMs = times.sort((a, b) => a - b)[2]!;
    const [v] = await sql`SELECT current_setting('server_version_num')::int4 AS num, current_setting('server_version') AS text`;
    const major = Math.floor(Number(v.num) / 10_000);
    if (major < MIN_PG_VERSION) problems.push(`the server runs PostgreSQL ${v.text}; aegis needs ${MIN_PG_VERSION} or newer`);
    const [has] = await sql`SELECT to_regclass('schema_version') IS NOT NULL AS schema, to_regclass('owners') IS NOT NULL AS owners`;
    const schema = schemaState(has.schema ? Number((await sql`SELECT coalesce(max(version), 0)::int4 AS v FROM schema_version`)[0].v) : 0);
    schemaProblems(schema, problems, notes);
    let workers: number | undefined;
    if (has.owners && schema.database >= 15) {
      workers = (await liveOwners({ kind: "postgres", sql })).length;
      const clash = await sql`SELECT host FROM owners WHERE machine_id IS NOT NULL GROUP BY host HAVING count(DISTINCT machine_id) > 1`;
      for (const r of clash) problems.push(`two machines use the host id ${JSON.stringify(r.host)}: set AEGIS_HOST_ID to a different name on one of them`);
    }
    const notifyMs = await notifyRoundTrip(sql, timeoutMs).catch((err: unknown) => {
      problems.push(`notifications do not come back through this URL (${errorMessage(err)}): wake-ups fall back to polling; connect to the server directly, not through a pooler in transaction mode`);
      return undefined;
    });
    return {
      connectMs, queryMs, server: `PostgreSQL ${v.text}`, schema, ...(notifyMs !== undefined ? { notifyMs } : {}),
      ...(workers !== undefined ? { workers } : {}), problems, notes,
    };
  } catch (err) {
    problems.push(`checking ${redactUrl(url)} failed: ${errorMessage(err)}`);
    return { problems, notes };
  } finally {
    await sql.close().catch(logIgnored("closing the doctor's connection (a pool that never connected has nothing to close)"));
  }
}

/** LISTEN on a channel of its own, NOTIFY it, and time the notification's arrival. */
async function notifyRoundTrip(sql: import("bun").SQL, timeoutMs: number): Promise<number> {
  const channel = `aegis_doctor_${process.pid}`;
  let heard!: () => void;
  const arrived = new Promise<void>((r) => (heard = r));
  const listener = await within(sql.listen(channel, () => heard()), timeoutMs, "listening");
  try {
    const sent = performance.now();
    await sql`SELECT pg_notify(${channel}, 'ping')`;
    await within(arrived, timeoutMs, "waiting for the notification");
    return performance.now() - sent;
  } finally {
    await listener.unlisten();
  }
}

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer after ${ms} ms ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
