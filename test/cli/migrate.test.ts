// `aegis migrate` end to end, each command in its own process (#15): a project's SQLite state goes to a throwaway
// PostgreSQL database and back to a new SQLite file with every table equal, a counts table printed and the password
// never shown; refusals (live workers unless --force, a non-empty target, a bad or unreachable URL, a missing
// database) exit with a clear message; a big table prints progress.

import { afterAll, expect, test } from "bun:test";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { appendEvents } from "../../src/store/events.ts";
import { insertInbox } from "../../src/store/inbox.ts";
import { registerOwner } from "../../src/store/owners.ts";
import { insertRun } from "../../src/store/runs.ts";
import { insertSession } from "../../src/store/sessions.ts";
import { openStore, type Store } from "../../src/store/store.ts";
import { insertTask } from "../../src/store/tasks.ts";
import { tempDir } from "../fixtures/helpers/temp-dir.ts";
import { freshDatabase, pgAvailability, sharedPostgres } from "../helpers/postgres.ts";

const pg = pgAvailability();
const MAIN = join(import.meta.dir, "..", "..", "src", "main.ts");
const dir = tempDir("aegis-migrate");
afterAll(() => dir.remove());
const T = 1_700_000_000_000;

writeFileSync(dir.join(".aegis.ts"), `import { defineConfig, Scripted } from "aegis";
export default defineConfig({ agents: { w: { provider: new Scripted({ reply: () => "ok" }) } } });
`);

async function aegis(args: string[], env: Record<string, string> = {}) {
  const p = Bun.spawn([process.execPath, MAIN, "migrate", ...args, "--cwd", dir.path], {
    cwd: dir.path, stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1", AEGIS_STATE_DIR: "", AEGIS_DATABASE_URL: "", ...env },
  });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout, stderr };
}

function seed(store: Store, events = 2): void {
  store.write(() => {
    insertSession(store, { id: "ses_1", handle: "alice", agent: "w", provider: "scripted", owner: "own_gone", createdAt: T });
    for (let i = 0; i < events; i += 1_000) {
      appendEvents(store, "ses_1", Array.from({ length: Math.min(1_000, events - i) }, (_, j) => ({ turn: 1, at: T + i + j, event: { type: "prompt" as const, text: `e${i + j}` } })));
    }
    insertInbox(store, { target: "alice", sender: "bob", body: "a note", at: T + 3 });
    for (let i = 0; i < 25; i++) insertTask(store, { id: `task_${i}`, queue: "q", payload: `p${i}`, enqueuedBy: "test", callback: false, at: T + i });
    insertRun(store, { id: "run_1", workflow: "tdd", args: { n: 1 }, owner: "own_gone", at: T });
  });
}

function dump(path: string): Record<string, unknown[]> {
  const store = openStore(path);
  try {
    const out: Record<string, unknown[]> = {};
    const tables = store.db.query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'schema_version' ORDER BY name").all();
    for (const { name } of tables) out[name] = store.db.query(`SELECT * FROM ${name} ORDER BY 1, 2`).all();
    return out;
  } finally {
    store.close();
  }
}

const password = (url: string) => decodeURIComponent(new URL(url).password);

test.skipIf(!pg.ok)("aegis migrate copies the project's SQLite state to PostgreSQL and back, table by table, never printing the password (#15)", async () => {
  const source = openStore(dir.join(".aegis", "state.db"));
  seed(source);
  source.close();
  const url = await freshDatabase(await sharedPostgres());
  const there = await aegis(["--to", url]);
  expect(there.stderr).toBe("");
  expect(there.code).toBe(0);
  expect(there.stdout).toMatch(/^copied .*state\.db → postgres:\/\/aegis:\*\*\*@127\.0\.0\.1:\d+\/aegis_\w+ in [\d.]+ s\n/);
  expect(there.stdout).toMatch(/\ntasks\s+25\s+25\n/);
  expect(there.stdout).toMatch(/\nevents\s+2\s+2\n/);
  expect(there.stdout).toMatch(/\nqueue_counts\s+1\s+1\n/);
  expect(there.stdout).toContain("tables verified: 30 rows; the source is unchanged");
  expect(there.stdout).not.toContain(password(url));
  // aegis then works on the copy: its tasks are listed from PostgreSQL.
  const tasks = Bun.spawnSync([process.execPath, MAIN, "tasks", "--json", "--cwd", dir.path], { env: { ...process.env, AEGIS_DATABASE_URL: url, AEGIS_STATE_DIR: "" } });
  expect(tasks.exitCode).toBe(0);
  expect(JSON.parse(tasks.stdout.toString())).toHaveLength(25);

  const back = await aegis(["--from", url, "--to", dir.join("back", "state.db"), "--json"]);
  expect(back.code).toBe(0);
  const report = JSON.parse(back.stdout);
  expect(report.from).toBe(url.replace(password(url), "***"));
  expect(report.rows).toBe(30);
  expect(report.counts.find((c: { table: string }) => c.table === "inbox")).toEqual({ table: "inbox", source: 1, target: 1 });
  expect(dump(dir.join("back", "state.db"))).toEqual(dump(dir.join(".aegis", "state.db")));
  expect(readdirSync(dir.join("back")).filter((f) => f.includes("migrating"))).toEqual([]);

  // Again into the now non-empty database: refused, nothing printed with the password.
  const again = await aegis(["--to", url]);
  expect(again.code).toBe(1);
  expect(again.stderr).toContain(`${url.replace(password(url), "***")} already holds aegis state (rows in sessions): aegis migrate copies only into an empty database`);
  expect(again.stderr).toContain("createdb");
  expect(again.stderr + again.stdout).not.toContain(password(url));
  // AEGIS_DATABASE_URL is the project's state when set: to a SQLite file that exists with rows, refused.
  const env = await aegis(["--to", dir.join("back")], { AEGIS_DATABASE_URL: url });
  expect(env.code).toBe(1);
  expect(env.stderr).toContain(`${dir.join("back", "state.db")} already holds aegis state`);
  expect(env.stderr).toContain("move this one aside");
}, 60_000);

test.skipIf(!pg.ok)("aegis migrate refuses while an aegis process uses the source, and copies anyway with --force (#15)", async () => {
  const path = dir.join("live", "state.db");
  const store = openStore(path);
  seed(store);
  const owner = registerOwner(store); // this test process: alive
  store.close();
  const url = await freshDatabase(await sharedPostgres());
  const refused = await aegis(["--from", path, "--to", url]);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain(`1 aegis process is using ${path}: ${owner} (pid ${process.pid}`);
  expect(refused.stderr).toContain("--force");
  const forced = await aegis(["--from", path, "--to", url, "--force", "--json"]);
  expect(forced.code).toBe(0);
  expect(forced.stderr).toContain(`copied while 1 aegis process was using the source (--force): ${owner}`);
  expect(JSON.parse(forced.stdout).forced).toEqual([{ id: owner, host: expect.any(String), pid: process.pid, leaseLeftMs: null }]);
}, 60_000);

test.skipIf(!pg.ok)("aegis migrate explains a bad URL, an unreachable server, a missing database and a missing source (#15)", async () => {
  const bad = await aegis(["--to", "mysql://u:hunter2@db/x"]);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain("--to must start with postgres:// or postgresql:// (PostgreSQL is the only database server aegis supports); got mysql://u:***@db/x");
  expect(bad.stderr).not.toContain("hunter2");
  const none = await aegis([]);
  expect(none.code).toBe(2);
  expect(none.stderr).toContain("needs --to");
  const from = dir.join("nothing-here.db");
  const missing = await aegis(["--from", from, "--to", dir.join("x.db")]);
  expect(missing.code).toBe(1);
  expect(missing.stderr).toContain(`there is no state database at ${from}`);
  expect(existsSync(dir.join("x.db"))).toBe(false);

  const src = dir.join("small", "state.db");
  const s = openStore(src);
  seed(s);
  s.close();
  const refused = await aegis(["--from", src, "--to", "postgres://aegis:hunter2@127.0.0.1:1/aegis"]);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain("cannot connect to the database postgres://aegis:***@127.0.0.1:1/aegis: nothing accepts connections there");
  expect(refused.stderr).not.toContain("hunter2");
  const url = (await sharedPostgres()).url.replace(/\/aegis$/, "/no_such_db");
  const nodb = await aegis(["--from", src, "--to", url]);
  expect(nodb.code).toBe(1);
  expect(nodb.stderr).toContain('database "no_such_db" does not exist');
  expect(nodb.stderr).toContain("create the database first");
  expect(nodb.stderr).not.toContain(password(url));
  const wrong = await aegis(["--from", src, "--to", url.replace(/:[^:@/]+@/, ":wrong@").replace("no_such_db", "aegis")]);
  expect(wrong.code).toBe(1);
  expect(wrong.stderr).toContain("the server refused the login");
  const same = await aegis(["--from", src, "--to", dir.join("small")]);
  expect(same.code).toBe(2);
  expect(same.stderr).toContain("the source and the target are the same database");
}, 60_000);

test.skipIf(!pg.ok)("aegis migrate reports progress through a big table (#15)", async () => {
  const src = dir.join("big", "state.db");
  const s = openStore(src);
  seed(s, 12_500);
  s.close();
  const r = await aegis(["--from", src, "--to", await freshDatabase(await sharedPostgres())]);
  expect(r.code).toBe(0);
  expect(r.stderr).toContain("aegis: copying events: 0 of 12,500 rows\n");
  expect(r.stderr).toContain("aegis: copying events: 12,500 of 12,500 rows\n");
  expect(r.stdout).toMatch(/\nevents\s+12,500\s+12,500\n/);
}, 60_000);
