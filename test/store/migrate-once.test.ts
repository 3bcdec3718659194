// Versioned migrations run once (#15): several processes opening a new database at the same moment all succeed,
// and each migration is applied and recorded exactly once — SQLite under its write lock, PostgreSQL under the
// migration advisory lock.

import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MIGRATIONS } from "../../src/store/migrations.ts";
import { PG_MIGRATIONS } from "../../src/store/postgres/baseline.ts";
import { openPg } from "../../src/store/postgres/connect.ts";
import { openStore } from "../../src/store/store.ts";
import { freshDatabase, pgAvailability, sharedPostgres } from "../helpers/postgres.ts";

const pg = pgAvailability();
const dir = mkdtempSync(join(tmpdir(), "aegis-migrate-once-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const STORE = join(import.meta.dir, "..", "..", "src", "store", "store.ts");

test("four processes opening a new SQLite file together apply each migration once (#15)", async () => {
  const path = join(dir, "state.db");
  const script = `const { openStore } = await import(${JSON.stringify(STORE)}); openStore(process.argv.at(-1)).close();`;
  const procs = Array.from({ length: 4 }, () => Bun.spawn([process.execPath, "-e", script, path], { stdout: "pipe", stderr: "pipe" }));
  const results = await Promise.all(procs.map(async (p) => ({ code: await p.exited, err: await new Response(p.stderr).text() })));
  expect(results).toEqual(Array.from({ length: 4 }, () => ({ code: 0, err: "" })));
  const store = openStore(path);
  try {
    const rows = store.db.query<{ version: number; n: number }, []>("SELECT version, count(*) AS n FROM schema_version GROUP BY version ORDER BY version").all();
    expect(rows).toEqual(MIGRATIONS.map((m) => ({ version: m.version, n: 1 })));
  } finally {
    store.close();
  }
});

test.skipIf(!pg.ok)("six connections migrating a new PostgreSQL database together apply each migration once (#15)", async () => {
  const url = await freshDatabase(await sharedPostgres());
  const pools = await Promise.all(Array.from({ length: 6 }, () => openPg(url, PG_MIGRATIONS, 1)));
  try {
    const rows = await pools[0]!.sql`SELECT version, count(*)::int4 AS n FROM schema_version GROUP BY version ORDER BY version`;
    expect(rows.map((r: { version: number; n: number }) => ({ version: r.version, n: r.n }))).toEqual(PG_MIGRATIONS.map((m) => ({ version: m.version, n: 1 })));
    expect(PG_MIGRATIONS.at(-1)?.version).toBe(MIGRATIONS.length);
  } finally {
    await Promise.all(pools.map((p) => p.sql.close()));
  }
}, 30_000);
