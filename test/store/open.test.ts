// Choosing the state backend (#15): AEGIS_DATABASE_URL over `store.url` over the SQLite file; a bad URL is a config
// error at its key; the password never appears in a message, in `config show`, or in the opened Db's location; a
// PostgreSQL URL opens a migrated database behind the same contract.

import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Scripted } from "../../src/config/providers.ts";
import { validateConfig, type LoadedConfig } from "../../src/config/validate.ts";
import { MIGRATIONS } from "../../src/store/migrations.ts";
import { describeTarget, openDb, openSqliteStore, storeTarget } from "../../src/store/open.ts";
import { createRuntime } from "../../src/runtime.ts";
import { AegisError, ConfigError } from "../../src/util/errors.ts";
import { freshDatabase, pgAvailability, sharedPostgres } from "../helpers/postgres.ts";

const pg = pgAvailability();
const dir = mkdtempSync(join(tmpdir(), "aegis-open-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config = (store: Record<string, unknown> = {}): LoadedConfig =>
  validateConfig({ agents: { demo: { provider: new Scripted({ reply: (p: string) => p }) } }, stateDir: dir, store }, "/proj/.aegis.ts", "/proj");

function configIssue(store: unknown): { path: string; message: string }[] {
  try {
    validateConfig({ agents: { demo: { provider: new Scripted({ reply: (p: string) => p }) } }, store }, "/proj/.aegis.ts", "/proj");
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues;
  }
  throw new Error("the config was accepted");
}

test("no URL keeps the SQLite file; store.url names PostgreSQL; AEGIS_DATABASE_URL wins over it (#15)", () => {
  expect(storeTarget(config(), {})).toEqual({ backend: "sqlite", path: join(dir, "state.db") });
  expect(storeTarget(config(), { AEGIS_STATE_DIR: "/elsewhere", AEGIS_DATABASE_URL: " " })).toEqual({ backend: "sqlite", path: "/elsewhere/state.db" });
  const withUrl = config({ url: "postgres://a:pw1@db1/x" });
  expect(storeTarget(withUrl, {})).toEqual({ backend: "postgres", url: "postgres://a:pw1@db1/x", from: "store.url" });
  const env = { AEGIS_DATABASE_URL: "postgresql://b:pw2@db2:6543/y" };
  expect(storeTarget(withUrl, env)).toEqual({ backend: "postgres", url: env.AEGIS_DATABASE_URL, from: "AEGIS_DATABASE_URL" });
  expect(describeTarget(storeTarget(withUrl, env))).toBe("PostgreSQL postgresql://b:***@db2:6543/y (from AEGIS_DATABASE_URL)");
  expect(withUrl.store).toEqual({ url: "postgres://a:pw1@db1/x", pool: 8, leaseMs: 30_000 });
});

test("a bad store URL is reported at its key, and its password is never shown (#15)", () => {
  const [issue] = configIssue({ url: "mysql://root:hunter2@db/x" });
  expect(issue?.path).toBe("store.url");
  expect(issue?.message).toContain("postgres://");
  expect(issue?.message).not.toContain("hunter2");
  expect(configIssue({ url: "not a url :hunter2" })[0]?.message).not.toContain("hunter2");
  expect(configIssue({ urll: "postgres://h/x" })[0]?.message).toContain("url, pool, pollMs, leaseMs");
  expect(configIssue({ pool: 0 })[0]).toEqual(expect.objectContaining({ path: "store.pool" }));
  let caught: unknown;
  try {
    storeTarget(config(), { AEGIS_DATABASE_URL: "redis://u:hunter2@h/0" });
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(AegisError);
  expect((caught as AegisError).code).toBe("E_CONFIG");
  expect((caught as AegisError).message).toStartWith("AEGIS_DATABASE_URL must start with postgres://");
  expect((caught as AegisError).message).not.toContain("hunter2");
});

test("openDb opens the SQLite file by default, migrated to this aegis's schema (#15)", async () => {
  const db = await openDb({ config: config(), env: {} });
  try {
    expect([db.backend, db.location, await db.schemaVersion()]).toEqual(["sqlite", join(dir, "state.db"), MIGRATIONS.length]);
  } finally {
    await db.close();
  }
});

test.skipIf(!pg.ok)("openDb on a PostgreSQL URL gives a migrated database with the password hidden (#15)", async () => {
  const url = await freshDatabase(await sharedPostgres());
  const password = new URL(url).password;
  expect(password.length).toBeGreaterThan(0);
  const db = await openDb({ config: config({ url }), env: {} });
  try {
    expect(db.backend).toBe("postgres");
    expect(db.location).toContain(":***@");
    expect(db.location).not.toContain(password);
    expect(await db.schemaVersion()).toBe(MIGRATIONS.length);
  } finally {
    await db.close();
  }
  const wrong = url.replace(`:${password}@`, ":not-the-password@");
  const failed = openDb({ config: config({ url: wrong }), env: {} });
  await expect(failed).rejects.toMatchObject({ code: "E_STATE" });
  await expect(failed).rejects.toThrow(":***@");
  await failed.catch((err: Error) => expect(`${err.message} ${String((err as AegisError).hint)}`).not.toContain("not-the-password"));
}, 30_000);

test("config show prints the chosen store with the password replaced (#15)", async () => {
  const root = join(import.meta.dir, "..", "..");
  const p = Bun.spawn([process.execPath, join(root, "src", "main.ts"), "config", "show", "--config", join(root, "test", "fixtures", "configs", "good", "inherit-env.aegis.ts")], {
    cwd: root, stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1", AEGIS_DATABASE_URL: "postgres://ops:s3cr3t-pw@db.internal:5432/aegis" },
  });
  const [stdout, code] = await Promise.all([new Response(p.stdout).text(), p.exited]);
  expect(code).toBe(0);
  expect(stdout).toContain("store: PostgreSQL postgres://ops:***@db.internal:5432/aegis (from AEGIS_DATABASE_URL) pool=8 leaseMs=30000");
  expect(stdout).not.toContain("s3cr3t");
});

test("code still on the SQLite store refuses a project whose state is on PostgreSQL, instead of writing a file nobody reads (#15)", () => {
  const pgConfig = config({ url: "postgres://a:hunter2@127.0.0.1:1/x" });
  expect(() => openSqliteStore(pgConfig, {})).toThrow(expect.objectContaining({ code: "E_CONFIG", message: expect.stringContaining("postgres://a:***@127.0.0.1:1/x") }));
  expect(() => openSqliteStore(config(), { AEGIS_DATABASE_URL: "postgres://b@h/y" })).toThrow(expect.objectContaining({ code: "E_CONFIG" }));
  expect(() => createRuntime({ config: pgConfig, plane: false })).toThrow(expect.objectContaining({ code: "E_INTERNAL", message: expect.stringContaining("startRuntime") }));
  openSqliteStore(config(), {}).close();
});

test("aegis ui's data source reads a project whose state is on PostgreSQL from that database, never from a SQLite file (#15)", async () => {
  const { openDataSource } = await import("../../src/tui/source/open.ts");
  // Unreachable: the error names the database (password redacted), and no SQLite file is opened instead.
  const err = await openDataSource(config({ url: "postgres://a:hunter2@127.0.0.1:1/x" })).then(() => undefined, (e: unknown) => e);
  expect(err).toMatchObject({ code: "E_STATE", message: expect.stringContaining("postgres://a:***@127.0.0.1:1/x") });
  expect(String((err as Error).message)).not.toContain("hunter2");
});
