// The two schemas stay one (#15): a fresh SQLite database and a fresh PostgreSQL one have the same tables, the same
// columns with the same nullability and kind (integer, real, text), and the same named indexes. A migration added on
// one side only fails here, and so does a migration after the PostgreSQL baseline without its `postgres` text.

import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MIGRATIONS, PG_BASELINE_VERSION } from "../../src/store/migrations.ts";
import { PG_MIGRATIONS } from "../../src/store/postgres/baseline.ts";
import { openPg } from "../../src/store/postgres/connect.ts";
import { openStore } from "../../src/store/store.ts";
import { freshDatabase, pgAvailability, sharedPostgres } from "../helpers/postgres.ts";

const pg = pgAvailability();
const dir = mkdtempSync(join(tmpdir(), "aegis-parity-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Shape = Record<string, Record<string, string>>;

function kind(type: string): string {
  const t = type.toLowerCase();
  if (/int/.test(t)) return "integer";
  if (/real|double|float/.test(t)) return "real";
  return "text";
}

function sqliteShape(): { tables: Shape; indexes: string[] } {
  const store = openStore(join(dir, "state.db"), { migrations: MIGRATIONS });
  try {
    const tables: Shape = {};
    const names = store.db.query<{ name: string }, []>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'schema_version' ORDER BY name",
    ).all();
    for (const { name } of names) {
      tables[name] = {};
      for (const c of store.db.query<{ name: string; type: string; notnull: number; pk: number }, []>(`PRAGMA table_info(${name})`).all()) {
        tables[name]![c.name] = `${kind(c.type)} ${c.notnull || c.pk ? "not null" : "null"}`;
      }
    }
    const indexes = store.db.query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name")
      .all().map((r) => r.name);
    return { tables, indexes };
  } finally {
    store.close();
  }
}

async function pgShape(): Promise<{ tables: Shape; indexes: string[] }> {
  const { sql } = await openPg(await freshDatabase(await sharedPostgres()), PG_MIGRATIONS, 1);
  try {
    const tables: Shape = {};
    const cols = await sql`SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name != 'schema_version' ORDER BY table_name, ordinal_position`;
    for (const c of cols) (tables[c.table_name] ??= {})[c.column_name] = `${kind(c.data_type)} ${c.is_nullable === "NO" ? "not null" : "null"}`;
    // Primary keys and UNIQUE constraints are implicit indexes on both sides (sqlite_autoindex_*), not named ones.
    const indexes = (await sql`SELECT indexname FROM pg_indexes i WHERE schemaname = 'public' AND NOT EXISTS (
        SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname) ORDER BY indexname`).map((r: { indexname: string }) => r.indexname);
    return { tables, indexes };
  } finally {
    await sql.close();
  }
}

test.skipIf(!pg.ok)("SQLite and PostgreSQL have the same tables, columns and indexes (#15)", async () => {
  const lite = sqliteShape();
  const post = await pgShape();
  expect(Object.keys(post.tables).sort()).toEqual(Object.keys(lite.tables).sort());
  for (const table of Object.keys(lite.tables)) expect({ table, columns: post.tables[table] }).toEqual({ table, columns: lite.tables[table] });
  expect(post.indexes).toEqual(lite.indexes);
});

test("every migration after the PostgreSQL baseline has its PostgreSQL text, and both lists end at one version (#15)", () => {
  const missing = MIGRATIONS.filter((m) => m.version > PG_BASELINE_VERSION && !m.postgres?.trim()).map((m) => `${m.version} ${m.name}`);
  expect(missing).toEqual([]);
  expect(PG_MIGRATIONS.at(-1)?.version).toBe(MIGRATIONS.length);
});
