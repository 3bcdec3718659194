// describeBackends / describeDb (#15): run one suite against every store backend — SQLite (a temp file) always, PostgreSQL (a fresh
// database on the shared throwaway cluster) when the server binaries are present or AEGIS_PG=1 demands them. Each
// `open()` gives a new, empty store; everything opened is closed after each test.

import { afterEach, describe } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BackendName, FleetStore, OpenFleetOptions } from "../../src/store/contract.ts";
import { openPgFleet } from "../../src/store/postgres/fleet.ts";
import { openSqliteFleet } from "../../src/store/sqlite/fleet.ts";
import type { Db } from "../../src/store/api.ts";
import { openPgDb } from "../../src/store/postgres/db.ts";
import { sqliteDb } from "../../src/store/sqlite/db.ts";
import { openStore } from "../../src/store/store.ts";
import { freshDatabase, pgAvailability, sharedPostgres } from "./postgres.ts";

export interface BackendUnderTest {
  name: BackendName;
  /** A new empty store, and where it lives (a file path or a database URL) for other processes to open. */
  open(opts?: OpenFleetOptions): Promise<{ store: FleetStore; location: string }>;
  /** Another handle on the same database (a second "process" inside this one). */
  reopen(location: string, opts?: OpenFleetOptions): Promise<FleetStore>;
}

const pg = pgAvailability();
if (!pg.ok) console.warn(`store suites run on SQLite only: ${pg.reason}`);

export function describeBackends(title: string, fn: (b: BackendUnderTest) => void): void {
  for (const name of ["sqlite", "postgres"] as const) {
    const skip = name === "postgres" && !pg.ok;
    describe.skipIf(skip)(`${title} [${name}]`, () => {
      const opened: FleetStore[] = [];
      const dirs: string[] = [];
      afterEach(async () => {
        for (const s of opened.splice(0)) await s.close();
        for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
      });
      const reopen = async (location: string, opts?: OpenFleetOptions) => {
        const s = name === "sqlite" ? openSqliteFleet(location, opts) : await openPgFleet(location, opts);
        opened.push(s);
        return s;
      };
      fn({
        name,
        reopen,
        async open(opts) {
          let location: string;
          if (name === "sqlite") {
            const dir = mkdtempSync(join(tmpdir(), "aegis-store-"));
            dirs.push(dir);
            location = join(dir, "state.db");
          } else {
            location = await freshDatabase(await sharedPostgres());
          }
          return { store: await reopen(location, opts), location };
        },
      });
    });
  }
}

export interface DbUnderTest {
  name: BackendName;
  /** A new empty database behind the async contract, and where it lives. */
  open(): Promise<{ db: Db; location: string }>;
  /** Another connection to the same database (another "process"). */
  reopen(location: string): Promise<Db>;
}

/** describeBackends for the async contract `Db` (src/store/api.ts): SQLite through sqliteDb(), PostgreSQL through openPgDb(). */
export function describeDb(title: string, fn: (b: DbUnderTest) => void): void {
  for (const name of ["sqlite", "postgres"] as const) {
    describe.skipIf(name === "postgres" && !pg.ok)(`${title} [${name}]`, () => {
      const opened: Db[] = [];
      const dirs: string[] = [];
      afterEach(async () => {
        for (const d of opened.splice(0)) await d.close();
        for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
      });
      const reopen = async (location: string) => {
        const db = name === "sqlite" ? sqliteDb(openStore(location), NO_POLL) : await openPgDb(location, NO_POLL);
        opened.push(db);
        return db;
      };
      fn({
        name,
        reopen,
        async open() {
          let location: string;
          if (name === "sqlite") {
            const dir = mkdtempSync(join(tmpdir(), "aegis-db-"));
            dirs.push(dir);
            location = join(dir, "state.db");
          } else {
            location = await freshDatabase(await sharedPostgres());
          }
          return { db: await reopen(location), location };
        },
      });
    });
  }
}

/** Suites wait for wake-ups explicitly; the safety poll would hide a missing one. */
const NO_POLL = { safetyPollMs: 3_600_000 };
