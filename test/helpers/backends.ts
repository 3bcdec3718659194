// describeDb (#15): run one suite against every store backend — SQLite (a temp file) always, PostgreSQL (a fresh
// database on the shared throwaway cluster) when the server binaries are present or AEGIS_PG=1 demands them. Each
// `open()` gives a new, empty store; everything opened is closed after each test.

import { afterEach, describe } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BackendName, Db } from "../../src/store/api.ts";
import { openPgDb } from "../../src/store/postgres/db.ts";
import { sqliteDb } from "../../src/store/sqlite/db.ts";
import { openStore } from "../../src/store/store.ts";
import { freshDatabase, pgAvailability, sharedPostgres } from "./postgres.ts";

const pg = pgAvailability();
if (!pg.ok) console.warn(`store suites run on SQLite only: ${pg.reason}`);

export interface DbUnderTest {
  name: BackendName;
  /** A new empty database behind the async contract, and where it lives. */
  open(): Promise<{ db: Db; location: string }>;
  /** Another connection to the same database (another "process"). */
  reopen(location: string): Promise<Db>;
}

/** Runs `fn`'s suite on each backend of the async contract `Db` (src/store/api.ts): SQLite through sqliteDb(), PostgreSQL through openPgDb(). */
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
