// The store check behind `aegis doctor` (#15): it reports the backend, the schema version against this aegis's, the
// server and (PostgreSQL) a notification round trip, flags a database newer than aegis, an unreachable server or a
// wrong password with the URL redacted, flags two machines claiming one host id, and never creates or migrates
// anything.

import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkStore } from "../../src/store/check.ts";
import { MIGRATIONS } from "../../src/store/migrations.ts";
import { machineId } from "../../src/store/owners.ts";
import { openPgDb } from "../../src/store/postgres/db.ts";
import { openStore } from "../../src/store/store.ts";
import { freshDatabase, pgAvailability, sharedPostgres } from "../helpers/postgres.ts";

const pg = pgAvailability();
const dir = mkdtempSync(join(tmpdir(), "aegis-check-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const settings = (stateDir: string, url?: string) => ({ stateDir, store: { pool: 8, leaseMs: 30_000, ...(url ? { url } : {}) } });

test("SQLite: a missing file is fine and left missing; a database newer than aegis is a problem (#15)", async () => {
  const stateDir = join(dir, "lite");
  const missing = await checkStore(settings(stateDir), { env: {} });
  expect([missing.backend, missing.ok, missing.location]).toEqual(["sqlite", true, `SQLite ${join(stateDir, "state.db")}`]);
  expect(missing.notes.join(" ")).toContain("created on first use");
  expect(existsSync(join(stateDir, "state.db"))).toBe(false);

  const store = openStore(join(stateDir, "state.db"));
  const current = await checkStore(settings(stateDir), { env: {} });
  expect([current.ok, current.schema?.state, current.schema?.aegis]).toEqual([true, "current", MIGRATIONS.length]);
  expect(current.server).toStartWith("SQLite 3.");
  expect(String(current.connectMs)).toMatch(/^\d+(\.\d)?$/); // to 0.1 ms (#15)
  store.write(() => store.db.run(`INSERT INTO schema_version (version, name, applied_at) VALUES (${MIGRATIONS.length + 1}, 'future', 0)`));
  store.close();
  const ahead = await checkStore(settings(stateDir), { env: {} });
  expect([ahead.ok, ahead.schema?.state]).toEqual([false, "ahead"]);
  expect(ahead.problems.join(" ")).toContain("upgrade aegis");
});

test.skipIf(!pg.ok)("PostgreSQL: server, schema and a notification round trip; nothing is created (#15)", async () => {
  const url = await freshDatabase(await sharedPostgres());
  const empty = await checkStore(settings(dir), { env: { AEGIS_DATABASE_URL: url } });
  expect(empty.problems).toEqual([]);
  expect([empty.backend, empty.schema?.state, empty.location]).toEqual(["postgres", "none", expect.stringContaining(":***@")]);
  expect(empty.server).toMatch(/^PostgreSQL \d+/);
  expect(empty.notifyMs).toBeGreaterThanOrEqual(0);
  const again = await checkStore(settings(dir, url), { env: {} });
  expect(again.schema?.state).toBe("none"); // the first check created nothing

  const db = await openPgDb(url);
  const owner = await db.owners.registerOwner();
  const current = await checkStore(settings(dir, url), { env: {} });
  expect([current.ok, current.schema?.state, current.workers]).toEqual([true, "current", 1]);
  await db.owners.removeOwner(owner);
  await db.close();
}, 30_000);

test.skipIf(!pg.ok || machineId() === null)("PostgreSQL: two machines claiming one host id are flagged, by the machine id every owner records (#15)", async () => {
  const url = await freshDatabase(await sharedPostgres());
  const db = await openPgDb(url);
  await db.owners.leaseOwner("own_here", { labels: [], queues: ["q"], concurrency: 1, leaseMs: 60_000 });
  expect((await checkStore(settings(dir, url), { env: {} })).problems).toEqual([]);
  // A second machine whose AEGIS_HOST_ID (or hostname) is the same as this one's, with its own machine id.
  const [me] = await db.owners.listOwners();
  const raw = new Bun.SQL({ url, max: 1 });
  await raw`INSERT INTO owners (id, pid, host, started_at, machine_id) VALUES ('own_twin', 1, ${me!.host}, 0, ${`not-${me!.machine_id}`})`;
  await raw.close();
  const clash = await checkStore(settings(dir, url), { env: {} });
  expect(clash.problems).toEqual([`two machines use the host id ${JSON.stringify(me!.host)}: set AEGIS_HOST_ID to a different name on one of them`]);
  await db.close();
}, 30_000);

test.skipIf(!pg.ok)("PostgreSQL: a wrong password or a closed port is a problem naming the URL redacted (#15)", async () => {
  const url = await freshDatabase(await sharedPostgres());
  const password = new URL(url).password;
  const wrong = await checkStore(settings(dir, url.replace(`:${password}@`, ":guessed-pw@")), { env: {}, timeoutMs: 3_000 });
  expect(wrong.ok).toBe(false);
  expect(wrong.problems.join(" ")).toContain(":***@");
  expect(JSON.stringify(wrong)).not.toContain("guessed-pw");
  const closed = await checkStore(settings(dir, "postgres://aegis:pw@127.0.0.1:1/x"), { env: {}, timeoutMs: 2_000 });
  expect(closed.ok).toBe(false);
  expect(closed.problems[0]).toStartWith("cannot connect to the database postgres://aegis:***@127.0.0.1:1/x: nothing accepts connections there");
  expect(closed.hint).toContain("that the server runs");
}, 30_000);
