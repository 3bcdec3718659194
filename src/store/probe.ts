// Checking the state database without changing it (#15, `aegis doctor`): can this machine reach it, which server and
// schema version it has against this aegis, how long a query and a NOTIFY round trip take, how many aegis processes
// hold live leases on it. It never creates or migrates anything (a missing SQLite file stays missing) and names a
// database URL only redacted. The doctor command formats the result.

import { Database } from "bun:sqlite";
import { existsSync } from "node:fs";
import { SQL } from "bun";
import { errorMessage } from "../util/errors.ts";
import { logIgnored } from "../util/log-ignored.ts";
import type { StoreLocation } from "./location.ts";
import { MIGRATIONS } from "./migrations.ts";
import { PG_MIGRATIONS } from "./postgres/baseline.ts";
import { connectError, liveOwners } from "./transfer.ts";

/** The oldest PostgreSQL aegis supports (GENERATED … AS IDENTITY, SKIP LOCKED, pg_notify all need ≤ 10; 13 is tested). */
export const MIN_PG_VERSION = 13;

export interface StoreProbe {
  backend: "sqlite" | "postgres";
  /** Path, or the URL with its password hidden. */
  location: string;
  /** False when aegis cannot use this database as it is (unreachable, server too old, schema newer than aegis). */
  ok: boolean;
  /** Why not ok, in a sentence; and what to do. */
  error?: string;
  hint?: string;
  /** A SQLite file not created yet (the first command that needs it creates it). */
  missing?: boolean;
  /** Connecting plus a first query, ms. */
  connectMs?: number;
  /** "15.18" */
  serverVersion?: string;
  /** The database's schema version, this aegis's, and how they compare ("empty": no aegis table yet). */
  schema?: { version: number; known: number; state: "current" | "behind" | "ahead" | "empty" };
  /** Median of 5 `SELECT 1` round trips, ms. */
  queryMs?: number;
  /** A NOTIFY sent and received back on this connection, ms (what wakes idle workers). */
  notifyMs?: number;
  /** aegis processes with a live lease (or, without one, a live pid on this host). */
  workers?: number;
}

const round = (ms: number) => Math.round(ms * 100) / 100;

export async function probeStore(loc: StoreLocation, opts: { timeoutS?: number } = {}): Promise<StoreProbe> {
  return loc.kind === "sqlite" ? await probeSqlite(loc.path) : await probePostgres(loc.url, opts.timeoutS ?? 5);
}

async function probeSqlite(path: string): Promise<StoreProbe> {
  const base = { backend: "sqlite" as const, location: path };
  if (!existsSync(path)) return { ...base, ok: true, missing: true };
  let db: Database | undefined;
  try {
    const t0 = performance.now();
    db = new Database(path, { readonly: true, strict: true });
    db.run("PRAGMA busy_timeout = 2000");
    const hasSchema = db.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").get() !== null;
    const version = hasSchema ? (db.query<{ v: number | null }, []>("SELECT max(version) AS v FROM schema_version").get()?.v ?? 0) : 0;
    const connectMs = round(performance.now() - t0);
    const schema = compare(version, MIGRATIONS.length);
    const workers = schema.state === "empty" ? 0 : (await liveOwners({ kind: "sqlite", db })).length;
    return { ...base, ...verdict(schema), connectMs, schema, workers };
  } catch (err) {
    return { ...base, ok: false, error: `cannot read ${path}: ${errorMessage(err)}`, hint: "if the file is damaged, move it aside: aegis starts a new one" };
  } finally {
    db?.close();
  }
}

async function probePostgres(url: string, timeoutS: number): Promise<StoreProbe> {
  const { redactUrl } = await import("./url.ts");
  const base = { backend: "postgres" as const, location: redactUrl(url) };
  const sql = new SQL({ url, max: 1, connectionTimeout: timeoutS });
  try {
    const t0 = performance.now();
    try {
      await sql`SELECT 1`;
    } catch (err) {
      const e = connectError(url, err, timeoutS);
      return { ...base, ok: false, error: e.message, ...(e.hint ? { hint: e.hint } : {}) };
    }
    const connectMs = round(performance.now() - t0);
    const [v] = await sql`SELECT current_setting('server_version') AS v, current_setting('server_version_num')::int4 AS n`;
    const serverVersion = String(v.v).split(" ")[0]!;
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      await sql`SELECT 1`;
      times.push(performance.now() - t);
    }
    const queryMs = round(times.sort((a, b) => a - b)[2]!);
    const notifyMs = await notifyRoundTrip(sql, timeoutS);
    const [r] = await sql`SELECT to_regclass('schema_version') IS NOT NULL AS has`;
    const version = r.has ? Number((await sql`SELECT coalesce(max(version), 0)::int4 AS v FROM schema_version`)[0].v) : 0;
    const schema = compare(version, PG_MIGRATIONS.at(-1)!.version);
    const workers = schema.state === "empty" ? 0 : (await liveOwners({ kind: "postgres", sql })).length;
    const out: StoreProbe = { ...base, ...verdict(schema), connectMs, serverVersion, schema, queryMs, notifyMs, workers };
    if (Number(v.n) < MIN_PG_VERSION * 10_000) {
      return { ...out, ok: false, error: `PostgreSQL ${serverVersion} is older than ${MIN_PG_VERSION}, the oldest aegis supports`, hint: `upgrade the server to PostgreSQL ${MIN_PG_VERSION} or newer` };
    }
    return out;
  } catch (err) {
    return { ...base, ok: false, error: `checking ${base.location} failed: ${errorMessage(err)}` };
  } finally {
    await sql.close().catch(logIgnored("closing the doctor's database connection"));
  }
}

/** LISTEN on a channel of our own, NOTIFY it, and time the delivery; undefined if it never came back. */
async function notifyRoundTrip(sql: SQL, timeoutS: number): Promise<number | undefined> {
  const channel = `aegis_doctor_${process.pid}`;
  let heard: () => void = () => undefined;
  const back = new Promise<void>((resolve) => (heard = resolve));
  const sub = await sql.listen(channel, () => heard());
  try {
    const t = performance.now();
    await sql.notify(channel, "ping");
    let timer: ReturnType<typeof setTimeout> | undefined;
    const came = await Promise.race([back.then(() => true), new Promise<false>((r) => (timer = setTimeout(() => r(false), timeoutS * 1000)))]);
    clearTimeout(timer);
    return came ? round(performance.now() - t) : undefined;
  } finally {
    await sub.unlisten();
  }
}

function compare(version: number, known: number): NonNullable<StoreProbe["schema"]> {
  const state = version === 0 ? "empty" : version === known ? "current" : version < known ? "behind" : "ahead";
  return { version, known, state };
}

function verdict(schema: NonNullable<StoreProbe["schema"]>): Pick<StoreProbe, "ok" | "error" | "hint"> {
  if (schema.state !== "ahead") return { ok: true };
  return {
    ok: false,
    error: `the database is at schema version ${schema.version}, newer than this aegis knows (${schema.known})`,
    hint: "upgrade aegis on this machine: every process sharing one database must run the same or a newer version",
  };
}
