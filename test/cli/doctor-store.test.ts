// `aegis doctor` checks the state database (#15): a SQLite file not created yet is fine (and stays uncreated); on a
// throwaway PostgreSQL it reports the server version, the schema against this aegis, query and NOTIFY latency and the
// live workers, never the password; an unreachable server or a schema newer than aegis fails the check (exit 1).

import { afterAll, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { SQL } from "bun";
import { transferState } from "../../src/store/transfer.ts";
import { openStore } from "../../src/store/store.ts";
import { MIGRATIONS } from "../../src/store/migrations.ts";
import { tempDir } from "../fixtures/helpers/temp-dir.ts";
import { freshDatabase, pgAvailability, sharedPostgres } from "../helpers/postgres.ts";

const pg = pgAvailability();
const MAIN = `${import.meta.dir}/../../src/main.ts`;
const dir = tempDir("aegis-doctor-store");
afterAll(() => dir.remove());
writeFileSync(dir.join(".aegis.ts"), `import { defineConfig, Scripted } from "aegis";
export default defineConfig({ agents: { w: { provider: new Scripted({ reply: () => "ok" }) } } });
`);

async function doctor(args: string[], env: Record<string, string> = {}) {
  const p = Bun.spawn([process.execPath, MAIN, "doctor", ...args], {
    cwd: dir.path, stdout: "pipe", stderr: "pipe",
    env: { ...process.env, PATH: "/usr/bin:/bin", HOME: dir.path, NO_COLOR: "1", AEGIS_STATE_DIR: "", AEGIS_DATABASE_URL: "", ...env },
  });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout, stderr };
}

test("doctor reports the project's SQLite state without creating it, then its schema and live workers (#15)", async () => {
  const missing = await doctor([]);
  expect(missing.code).toBe(0);
  expect(missing.stdout).toContain(`  ✓ store: SQLite ${dir.join(".aegis", "state.db")}\n    ${dir.join(".aegis", "state.db")} does not exist yet; it is created on first use\n`);
  expect(existsSync(dir.join(".aegis", "state.db"))).toBe(false);
  openStore(dir.join(".aegis", "state.db")).close();
  const r = await doctor(["--json"]);
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout).store).toMatchObject({ backend: "sqlite", ok: true, workers: 0, schema: { database: MIGRATIONS.length, aegis: MIGRATIONS.length, state: "current" } });
});

test.skipIf(!pg.ok)("doctor checks a PostgreSQL state: server, schema, latency, NOTIFY, workers, password hidden (#15)", async () => {
  const url = await freshDatabase(await sharedPostgres());
  const secret = decodeURIComponent(new URL(url).password);
  const empty = await doctor([], { AEGIS_DATABASE_URL: url });
  expect(empty.code).toBe(0);
  expect(empty.stdout).toMatch(/ {2}✓ store: PostgreSQL postgres:\/\/aegis:\*\*\*@127\.0\.0\.1:\d+\/aegis_\w+ \(from AEGIS_DATABASE_URL\): PostgreSQL 1\d\.\d+.*, connect [\d.]+ ms, query [\d.]+ ms, notify [\d.]+ ms\n/);
  expect(empty.stdout).toContain("the database has no aegis schema yet; it is created on first use");
  expect(empty.stdout + empty.stderr).not.toContain(secret);

  const src = dir.join("src.db");
  openStore(src).close();
  await transferState({ kind: "sqlite", path: src }, { kind: "postgres", url }); // the schema, at this aegis's version
  const sql = new SQL({ url, max: 1 });
  try {
    await sql`INSERT INTO owners (id, pid, host, started_at, lease_expires_at) VALUES ('own_w', 1, 'elsewhere', 1, ${Date.now() + 600_000})`;
    const r = await doctor(["--json"], { AEGIS_DATABASE_URL: url });
    expect(r.code).toBe(0);
    const state = JSON.parse(r.stdout).store;
    expect(state).toMatchObject({ backend: "postgres", ok: true, workers: 1, schema: { database: MIGRATIONS.length, state: "current" } });
    expect(r.stdout).toContain("(from AEGIS_DATABASE_URL)");
    expect(state.notifyMs).toBeGreaterThanOrEqual(0);
    for (const k of ["connectMs", "queryMs", "notifyMs"]) expect(String(state[k])).toMatch(/^\d+(\.\d)?$/); // to 0.1 ms
    expect(r.stdout).not.toContain(secret);
    await sql`INSERT INTO schema_version (version, name, applied_at) VALUES (${MIGRATIONS.length + 1}, 'from the future', 1)`;
    const ahead = await doctor([], { AEGIS_DATABASE_URL: url });
    expect(ahead.code).toBe(1);
    expect(ahead.stdout).toContain(`    ✗ the database is at schema version ${MIGRATIONS.length + 1}, newer than this aegis (${MIGRATIONS.length}): upgrade aegis on this machine`);
  } finally {
    await sql.close();
  }
}, 30_000);

test("doctor fails on an unreachable database and names it without the password (#15)", async () => {
  const r = await doctor([], { AEGIS_DATABASE_URL: "postgres://aegis:hunter2@127.0.0.1:1/aegis" });
  expect(r.code).toBe(1);
  expect(r.stdout).toContain("  ✗ store: PostgreSQL postgres://aegis:***@127.0.0.1:1/aegis (from AEGIS_DATABASE_URL)\n    ✗ cannot connect to the database postgres://aegis:***@127.0.0.1:1/aegis: nothing accepts connections there");
  expect(r.stdout).toContain("      hint: check the URL");
  expect(r.stdout).toContain("the state database is not usable (see above)");
  expect(r.stdout + r.stderr).not.toContain("hunter2");
  const bad = await doctor(["--json"], { AEGIS_DATABASE_URL: "mysql://u:hunter2@db/x" });
  expect(bad.code).toBe(1);
  expect(JSON.parse(bad.stdout).store.problems[0]).toContain("AEGIS_DATABASE_URL must start with postgres://");
  expect(bad.stdout).not.toContain("hunter2");
});
