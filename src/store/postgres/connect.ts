// Opening a PostgreSQL store (#15): the connection pool (Bun.sql, given the URL explicitly so DATABASE_URL / PG* are
// never read), the URL with its password hidden for every message, and the versioned schema migrations, applied once
// under a transaction-scoped advisory lock so that N processes starting together never race. It knows no table.

import { SQL } from "bun";
import { AegisError, errorMessage } from "../../util/errors.ts";
import { logIgnored } from "../../util/log-ignored.ts";
import type { PgMigration } from "./schema.ts";
import { redactUrl } from "../url.ts";

export { redactUrl };

/** How long a new connection may take (Bun.sql's default, named so the error can say it). */
const CONNECT_TIMEOUT_S = 30;

/** The lock every migrating process takes first (an arbitrary constant: "aegis" in ASCII). */
const MIGRATION_LOCK = 0x6165676973;

export interface PgPool {
  readonly sql: SQL;
  readonly url: string;
}

export interface OpenPgOptions {
  /**
   * The server ends any connection of this pool left idle inside a transaction this long (SQLSTATE 25P03), which
   * rolls it back and frees its row locks: a paused or cut-off process then cannot hold up the rest of the fleet.
   */
  idleInTxTimeoutMs?: number;
}

/** Connects and brings the schema up to date; the pool holds at most `max` connections (plus one for LISTEN). */
export async function openPg(url: string, migrations: readonly PgMigration[], max = 8, o: OpenPgOptions = {}): Promise<PgPool> {
  const timeout = o.idleInTxTimeoutMs;
  const sql = new SQL({ url, max, idleTimeout: 60, connectionTimeout: CONNECT_TIMEOUT_S, ...(timeout ? { connection: { idle_in_transaction_session_timeout: Math.ceil(timeout) } } : {}) });
  try {
    await sql`SELECT 1`;
  } catch (err) {
    // The connect error is the one to report; a failure closing the pool that never connected adds nothing.
    await sql.close().catch(logIgnored("closing a pool that could not connect"));
    // The same words as aegis doctor's check: what to check, the URL only redacted.
    throw connectError(url, err, CONNECT_TIMEOUT_S);
  }
  try {
    await migratePg(sql, url, migrations);
  } catch (err) {
    await sql.close();
    throw err;
  }
  return { sql, url };
}

/** Applies the migrations newer than the database in one transaction, holding the migration lock. */
export async function migratePg(sql: SQL, url: string, migrations: readonly PgMigration[]): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`;
    await tx`CREATE TABLE IF NOT EXISTS schema_version (version int4 PRIMARY KEY, name text NOT NULL, applied_at int8 NOT NULL)`;
    const [row] = await tx`SELECT coalesce(max(version), 0)::int4 AS v FROM schema_version`;
    const have = Number(row.v);
    const known = migrations.at(-1)?.version ?? 0;
    if (have > known) {
      throw new AegisError("E_STATE", `the database ${redactUrl(url)} is at schema version ${have}, newer than this aegis knows (${known})`, {
        hint: "upgrade aegis on this machine: every process sharing one database must run the same or a newer version",
        data: { have, known },
      });
    }
    for (const m of migrations) {
      if (m.version <= have) continue;
      if (!m.up.trim()) throw new AegisError("E_INTERNAL", `migration ${m.version} (${m.name}) has no PostgreSQL text`);
      try {
        await tx.unsafe(m.up);
      } catch (err) {
        throw new AegisError("E_STATE", `migration ${m.version} (${m.name}) failed on ${redactUrl(url)}: ${errorMessage(err)}`, { cause: err });
      }
      await tx`INSERT INTO schema_version (version, name, applied_at) VALUES (${m.version}, ${m.name}, ${Date.now()})`;
    }
  });
}

/** Why a PostgreSQL server could not be used, in words that say what to check; the URL only redacted. */
export function connectError(url: string, err: unknown, timeoutS: number): AegisError {
  const e = err as { code?: string; errno?: string };
  const where = redactUrl(url);
  const hint = "check the URL (AEGIS_DATABASE_URL, store.url or --to), that the server runs and accepts connections from this host";
  const reason = e.code === "ERR_POSTGRES_CONNECTION_REFUSED" ? "nothing accepts connections there (server down, wrong host or port, or a host name that does not resolve)"
    : e.code === "ERR_POSTGRES_CONNECTION_FAILED" || e.code === "ERR_POSTGRES_CONNECTION_TIMEOUT" ? `no connection within ${timeoutS} s (${errorMessage(err)})`
    : e.errno === "28P01" || e.errno === "28000" ? `the server refused the login: ${errorMessage(err)}`
    : e.errno === "3D000" ? `${errorMessage(err)}`
    : errorMessage(err);
  return new AegisError("E_STATE", `cannot connect to the database ${where}: ${reason}`, {
    hint: e.errno === "3D000" ? "create the database first (createdb <name>, or CREATE DATABASE <name>); aegis creates its tables in it" : hint,
    data: { location: where, ...(e.errno ? { sqlstate: e.errno } : {}) },
    cause: err,
  });
}
