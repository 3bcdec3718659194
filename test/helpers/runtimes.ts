// describeRuntimes (#15): run one suite of whole runtimes (queues, sessions) against every store backend — a SQLite
// file always, a fresh PostgreSQL database on the shared throwaway cluster when the server binaries are present or
// AEGIS_PG=1 demands them. A suite gets a new empty database's location (the file path, or the URL), runtimes on it
// (one per "process"; startRuntime's path on PostgreSQL, so the config's store.url chooses the backend as in
// production), plain SQL for seeding rows no Api call writes and for peeking from outside, and the environment a child
// `aegis` needs to share the database. Everything opened is closed after each test.

import { afterEach, describe } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Database } from "bun:sqlite";
import { createRuntime, startRuntime, type Runtime, type RuntimeOptions } from "../../src/runtime.ts";
import type { BackendName } from "../../src/store/api.ts";
import { openPgDb } from "../../src/store/postgres/db.ts";
import { openStore } from "../../src/store/store.ts";
import { freshDatabase, pgAvailability, sharedPostgres } from "./postgres.ts";

const pg = pgAvailability();

/** Plain SQL on a database, written so the same text runs on both backends (literals, no `?`/`$1`). */
export interface RawSql {
  run(sql: string): Promise<void>;
  /** Rows as the driver gives them; count(*) is a string on PostgreSQL, so read numbers through `num`. */
  all<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  /** The first column of the first row as a number (0 when there is no row). */
  num(sql: string): Promise<number>;
  close(): Promise<void>;
}

export interface RuntimeBackend {
  name: BackendName;
  /** A new database with the schema and no rows: the SQLite file path or the PostgreSQL URL. */
  fresh(): Promise<string>;
  /** A runtime — one aegis process's worth — on the database at `location`; closed after the test. */
  runtime(location: string, opts: Omit<RuntimeOptions, "store" | "db" | "owner" | "closeDb">): Promise<Runtime>;
  /** Plain SQL on `location`, a connection of its own (a SQLite one read-only with `readonly`). */
  sql(location: string, o?: { readonly?: boolean }): RawSql;
  /** What a child `aegis` process needs in its environment to use the database at `location`. */
  childEnv(location: string): Record<string, string>;
}

/** Runs `fn`'s suite once per backend, titled `<title> [sqlite]` / `<title> [postgres]`. */
export function describeRuntimes(title: string, fn: (b: RuntimeBackend) => void): void {
  for (const name of ["sqlite", "postgres"] as const) {
    describe.skipIf(name === "postgres" && !pg.ok)(`${title} [${name}]`, () => {
      const cleanups: (() => Promise<void> | void)[] = [];
      afterEach(async () => {
        for (const c of cleanups.splice(0).reverse()) await c();
      });
      fn({
        name,
        async fresh() {
          // Migrated here, so a test can seed rows before any runtime opens it.
          if (name === "postgres") {
            const url = await freshDatabase(await sharedPostgres());
            await (await openPgDb(url)).close();
            return url;
          }
          const dir = mkdtempSync(join(tmpdir(), "aegis-rt-"));
          cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
          const path = join(dir, "state.db");
          openStore(path).close();
          return path;
        },
        async runtime(location, opts) {
          let rt: Runtime;
          if (name === "sqlite") {
            const store = openStore(location);
            rt = createRuntime({ ...opts, store });
            cleanups.push(async () => {
              await rt.close();
              store.close();
            });
          } else {
            rt = await startRuntime({ ...opts, config: { ...opts.config, store: { ...opts.config.store, url: location } } });
            cleanups.push(() => rt.close());
          }
          return rt;
        },
        sql(location, o = {}) {
          const raw = openRawSql(location, o);
          cleanups.push(() => raw.close());
          return raw;
        },
        childEnv(location) {
          // The other variable emptied, so an outer environment never picks the backend for the child.
          return name === "sqlite"
            ? { AEGIS_STATE_DIR: dirname(location), AEGIS_DATABASE_URL: "" }
            : { AEGIS_DATABASE_URL: location, AEGIS_STATE_DIR: "" };
        },
      });
    });
  }
}

/** Plain SQL on the database at `location`: a PostgreSQL URL, else a SQLite file path. The caller closes it. */
export function openRawSql(location: string, o: { readonly?: boolean } = {}): RawSql {
  return isPgUrl(location) ? pgRaw(location) : sqliteRaw(location, o.readonly ?? false);
}

export const isPgUrl = (location: string): boolean => /^postgres(ql)?:\/\//.test(location);

function sqliteRaw(path: string, readonly: boolean): RawSql {
  let db: Database | undefined;
  // Opened on first use: a test may ask for it before a child process created the file.
  const conn = () => (db ??= readonly ? new Database(path, { readonly: true }) : new Database(path));
  const all = async <T>(sql: string) => conn().query(sql).all() as T[];
  return {
    async run(sql) {
      conn().run(sql);
    },
    all,
    async num(sql) {
      const row = (await all<Record<string, unknown>>(sql))[0];
      return row ? Number(Object.values(row)[0]) : 0;
    },
    async close() {
      db?.close();
    },
  };
}

function pgRaw(url: string): RawSql {
  const sql = new Bun.SQL({ url, max: 1 });
  const all = async <T>(text: string) => [...(await sql.unsafe(text))] as T[];
  return {
    async run(text) {
      await sql.unsafe(text);
    },
    all,
    async num(text) {
      const row = (await all<Record<string, unknown>>(text))[0];
      return row ? Number(Object.values(row)[0]) : 0;
    },
    async close() {
      await sql.close();
    },
  };
}
