// The compiled binary against PostgreSQL (#15): Bun.sql is built into it, so `aegis migrate` copies a project's
// SQLite state to a throwaway cluster and back and `aegis doctor` checks the database, from a folder with no
// node_modules. A `.env` in that folder naming a database is not read (the binary is built with
// --no-compile-autoload-dotenv): only AEGIS_DATABASE_URL in the real environment, or store.url, chooses PostgreSQL.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { cpSync, existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { openStore } from "../../src/store/store.ts";
import { insertTask } from "../../src/store/tasks.ts";
import { tempDir } from "../fixtures/helpers/temp-dir.ts";
import { freshDatabase, pgAvailability, sharedPostgres } from "../helpers/postgres.ts";
import { aegisBinary } from "../tui/e2e-helpers.ts";

const pg = pgAvailability();
const dir = tempDir("aegis-pg-binary");
const project = dir.join("project");
let bin = "";

beforeAll(async () => {
  if (pg.ok) bin = await aegisBinary(); // compiled once per test process, shared with the terminal UI's tests
}, 180_000);
afterAll(() => dir.remove());

async function run(args: string[], env: Record<string, string> = {}, cwd = project) {
  const p = Bun.spawn([bin, ...args], { cwd, stdout: "pipe", stderr: "pipe", env: { PATH: "/usr/bin:/bin", HOME: dir.path, NO_COLOR: "1", ...env } });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout, stderr };
}

test.skipIf(!pg.ok)("the binary migrates a project's state to PostgreSQL and back and doctor checks the database; a .env is ignored (#15)", async () => {
  const store = openStore(`${project}/.aegis/state.db`);
  store.write(() => {
    for (let i = 0; i < 40; i++) insertTask(store, { id: `task_${i}`, queue: "q", payload: `p${i}`, enqueuedBy: "test", callback: false, at: 1_700_000_000_000 + i });
  });
  store.close();
  writeFileSync(`${project}/.aegis.ts`, `import { defineConfig, Scripted } from "aegis";
export default defineConfig({ agents: { w: { provider: new Scripted({ reply: () => "ok" }) } }, queues: { q: { agent: "w" } } });
`);
  writeFileSync(`${project}/.env`, "AEGIS_DATABASE_URL=postgres://x:leak@127.0.0.1:1/x\nDATABASE_URL=postgres://x:leak@127.0.0.1:1/x\n");
  expect(existsSync(`${project}/node_modules`) || existsSync(`${dir.path}/node_modules`)).toBe(false);

  const local = await run(["doctor", "--json"]);
  expect(local.code).toBe(0);
  expect(JSON.parse(local.stdout).store).toMatchObject({ backend: "sqlite", ok: true, location: `SQLite ${project}/.aegis/state.db` });

  const url = await freshDatabase(await sharedPostgres());
  const secret = decodeURIComponent(new URL(url).password);
  const there = await run(["migrate", "--to", url, "--json"]);
  expect(there.stderr).toBe("");
  expect(there.code).toBe(0);
  expect(JSON.parse(there.stdout).counts.find((c: { table: string }) => c.table === "tasks")).toEqual({ table: "tasks", source: 40, target: 40 });
  expect(there.stdout).not.toContain(secret);

  const remote = await run(["doctor"], { AEGIS_DATABASE_URL: url });
  expect(remote.code).toBe(0);
  expect(remote.stdout).toMatch(/✓ store: PostgreSQL postgres:\/\/aegis:\*\*\*@127\.0\.0\.1:\d+\/\w+ \(from AEGIS_DATABASE_URL\): PostgreSQL \d+\.\d+.*, schema \d+, connect [\d.]+ ms, query [\d.]+ ms, notify [\d.]+ ms, 0 live workers/);
  expect(remote.stdout).not.toContain(secret);

  const back = await run(["migrate", "--from", url, "--to", "back.db"]);
  expect(back.code).toBe(0);
  expect(back.stdout).toMatch(/\ntasks\s+40\s+40\n/);
  expect(existsSync(`${project}/back.db`)).toBe(true);
}, 60_000);

test.skipIf(!pg.ok)("the binary runs a workflow and a queue task with its state on PostgreSQL only (#15)", async () => {
  const qs = dir.join("quickstart");
  cpSync(join(import.meta.dir, "..", "..", "examples", "quickstart"), qs, { recursive: true, filter: (src) => !src.includes("/.aegis/") && !src.endsWith("/.aegis") });
  const env = { AEGIS_DATABASE_URL: await freshDatabase(await sharedPostgres()) };
  const r = await run(["run", "quickstart", "--topic=fleets"], env, qs);
  expect(r.stderr).toContain("✓ quickstart done");
  expect(r.code).toBe(0);
  const runs = JSON.parse((await run(["runs", "--json"], env, qs)).stdout);
  expect(runs.map((x: { workflow: string; status: string }) => [x.workflow, x.status])).toEqual([["quickstart", "done"]]);
  const queued = await run(["enqueue", "review", "the fleet section", "--json"], env, qs);
  expect(queued.code).toBe(0);
  const { taskId } = JSON.parse(queued.stdout);
  expect((await run(["work", "--until-idle"], env, qs)).code).toBe(0);
  expect(JSON.parse((await run(["task", taskId, "--json"], env, qs)).stdout)).toMatchObject({ taskId, status: "done" });
  const doctor = await run(["doctor", "--json"], env, qs);
  expect(JSON.parse(doctor.stdout).store).toMatchObject({ backend: "postgres", ok: true, schema: { state: "current" } });
  expect(existsSync(join(qs, ".aegis", "state.db"))).toBe(false); // nothing went to a SQLite file
}, 60_000);
