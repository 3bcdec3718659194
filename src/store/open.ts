// Choosing and opening the state backend (#15): AEGIS_DATABASE_URL, else `store.url` in the config, names a
// PostgreSQL database; neither means the SQLite file in the state folder, as before. It opens the async contract
// `Db` for it; every message names the URL only redacted. It must not hold any SQL or family logic.

import type { LoadedConfig } from "../config/validate.ts";
import { AegisError } from "../util/errors.ts";
import type { Db } from "./api.ts";
import { sqliteDb } from "./sqlite/db.ts";
import { openStore, type Store } from "./store.ts";
import { pgUrlProblem, redactUrl } from "./url.ts";
import { join, resolve } from "node:path";

type Env = Record<string, string | undefined>;
type StoreSettings = Pick<LoadedConfig, "stateDir" | "store">;

/**
 * Whether every part of aegis reads and writes its state through the contract, so a PostgreSQL database can hold it
 * (a few commands that read the SQLite file directly, aegis ui and chat, refuse a PostgreSQL project by themselves).
 */
export const PG_READY = true;

/** Where the state lives: the SQLite file, or a PostgreSQL database and which setting named it. */
export type StoreTarget =
  | { readonly backend: "sqlite"; readonly path: string }
  | { readonly backend: "postgres"; readonly url: string; readonly from: "AEGIS_DATABASE_URL" | "store.url" };

/**
 * The SQLite state database: `$AEGIS_STATE_DIR/state.db` if that is set (relative to the cwd), else
 * `<stateDir>/state.db` (stateDir defaults to `.aegis/` in the project root).
 */
export function sqlitePath(config: Pick<LoadedConfig, "stateDir">, env: Env = process.env): string {
  return join(env.AEGIS_STATE_DIR ? resolve(env.AEGIS_STATE_DIR) : config.stateDir, "state.db");
}

/** The backend this config and environment choose; E_CONFIG for an AEGIS_DATABASE_URL that is no PostgreSQL URL. */
export function storeTarget(config: StoreSettings, env: Env = process.env): StoreTarget {
  const fromEnv = env.AEGIS_DATABASE_URL?.trim();
  if (fromEnv) {
    const problem = pgUrlProblem(fromEnv);
    if (problem) {
      throw new AegisError("E_CONFIG", `AEGIS_DATABASE_URL ${problem}`, {
        hint: "unset AEGIS_DATABASE_URL to use store.url from the config, or the SQLite file in the state folder",
      });
    }
    return { backend: "postgres", url: fromEnv, from: "AEGIS_DATABASE_URL" };
  }
  if (config.store.url !== undefined) return { backend: "postgres", url: config.store.url, from: "store.url" };
  return { backend: "sqlite", path: sqlitePath(config, env) };
}

/** The target in one line for people: "SQLite <path>" or "PostgreSQL <redacted url> (from <setting>)". */
export function describeTarget(t: StoreTarget): string {
  return t.backend === "sqlite" ? `SQLite ${t.path}` : `PostgreSQL ${redactUrl(t.url)} (from ${t.from})`;
}

/**
 * The synchronous SQLite store of the config, for code not yet on the contract: E_CONFIG when the config or
 * environment names a PostgreSQL database, so such code never writes to a SQLite file nobody else reads.
 */
export function openSqliteStore(config: StoreSettings, env: Env = process.env): Store {
  const target = storeTarget(config, env);
  if (target.backend === "postgres") {
    throw new AegisError("E_CONFIG", `this command does not work on PostgreSQL yet, and ${target.from} names ${redactUrl(target.url)}`, {
      hint: `unset ${target.from} to use the SQLite file ${sqlitePath(config, env)}`,
    });
  }
  return openStore(target.path);
}

export interface OpenDbOptions {
  config: StoreSettings;
  env?: Env;
  /** An open SQLite store to use instead of opening one (the runtime's); close() then leaves it open. */
  store?: Store;
  /** Tests: open PostgreSQL before PG_READY. */
  allowIncompletePostgres?: boolean;
}

/** Opens the state backend the config and environment choose, migrated to this aegis's schema. */
export async function openDb(opts: OpenDbOptions): Promise<Db> {
  const { config } = opts;
  const target = storeTarget(config, opts.env ?? process.env);
  const pollMs = config.store.pollMs;
  if (target.backend === "sqlite") {
    if (opts.store) return sqliteDb(opts.store, { closeStore: false, ...(pollMs !== undefined ? { safetyPollMs: pollMs } : {}) });
    return sqliteDb(openStore(target.path), pollMs !== undefined ? { safetyPollMs: pollMs } : {});
  }
  if (!PG_READY && !opts.allowIncompletePostgres) {
    throw new AegisError("E_CONFIG", `${target.from} names a PostgreSQL database (${redactUrl(target.url)}), and not all of this aegis's state is on the store contract yet`, {
      hint: `unset ${target.from} to keep the state in the SQLite file ${sqlitePath(config, opts.env ?? process.env)}`,
    });
  }
  // Imported here so a SQLite-only process never loads the PostgreSQL client.
  const { openPgDb } = await import("./postgres/db.ts");
  // A transaction idle for half a lease is ended by the server, so a paused worker's locks are gone before its lease.
  return await openPgDb(target.url, {
    pool: config.store.pool, idleInTxTimeoutMs: Math.max(100, Math.floor(config.store.leaseMs / 2)),
    ...(pollMs !== undefined ? { safetyPollMs: pollMs } : {}),
  });
}
