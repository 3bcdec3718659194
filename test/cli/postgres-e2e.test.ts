// aegis on PostgreSQL end to end (#15): the quickstart project, its state in a PostgreSQL database named by
// AEGIS_DATABASE_URL, driven through the CLI as a user would — `aegis run quickstart`, then a queue task enqueued by one
// process and worked by another — with every row in the database, no SQLite file created, and the password never
// printed.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, existsSync } from "node:fs";
import { join } from "node:path";
import { SQL } from "bun";
import { tempDir, type TempDir } from "../fixtures/helpers/temp-dir.ts";
import { waitFor, within } from "../fixtures/helpers/wait.ts";
import { freshDatabase, pgAvailability, sharedPostgres } from "../helpers/postgres.ts";

const ROOT = join(import.meta.dir, "..", "..");
const MAIN = join(ROOT, "src", "main.ts");
const pg = pgAvailability();
let dir: TempDir;
let url = "";

interface Result { code: number; stdout: string; stderr: string }

function start(args: string[]) {
  return Bun.spawn([process.execPath, MAIN, ...args, "--cwd", dir.path], {
    cwd: dir.path, stdin: "ignore", stdout: "pipe", stderr: "pipe",
    env: { ...process.env, NO_COLOR: "1", AEGIS_STATE_DIR: "", AEGIS_DATABASE_URL: url },
  });
}

async function aegis(args: string[]): Promise<Result> {
  const p = start(args);
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout, stderr };
}

async function rows<T>(query: (sql: SQL) => Promise<T>): Promise<T> {
  const sql = new SQL({ url, max: 1 });
  try {
    return await query(sql);
  } finally {
    await sql.close();
  }
}

describe.skipIf(!pg.ok)("aegis on PostgreSQL", () => {
  beforeAll(async () => {
    dir = tempDir("aegis-pg-e2e");
    const quickstart = join(ROOT, "examples", "quickstart");
    cpSync(join(quickstart, ".aegis.ts"), dir.join(".aegis.ts"));
    cpSync(join(quickstart, "workflows"), dir.join("workflows"), { recursive: true });
    url = await freshDatabase(await sharedPostgres());
  }, 30_000);
  afterAll(() => dir?.remove());

  test("aegis run quickstart keeps its run in the database, not in a SQLite file (#15)", async () => {
    const r = await aegis(["run", "quickstart", "--topic=durable workflows"]);
    expect({ code: r.code, stderr: r.code === 0 ? "" : r.stderr }).toEqual({ code: 0, stderr: "" });
    expect(r.stdout.trim().length).toBeGreaterThan(0);
    const runs = await rows((sql) => sql`SELECT workflow, status FROM runs`);
    expect(runs.map((x: { workflow: string; status: string }) => [x.workflow, x.status])).toEqual([["quickstart", "done"]]);
    expect(Number((await rows((sql) => sql`SELECT count(*) AS n FROM events`))[0].n)).toBeGreaterThan(0);
    expect(existsSync(dir.join(".aegis", "state.db"))).toBe(false);
    const listed = await aegis(["runs", "--json"]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain("quickstart");
  }, 60_000);

  test("a task enqueued by one process is worked by another and read back by a third (#15)", async () => {
    const e = await aegis(["enqueue", "review", "please review this draft", "--json"]);
    expect({ code: e.code, stderr: e.code === 0 ? "" : e.stderr }).toEqual({ code: 0, stderr: "" });
    const id = JSON.parse(e.stdout).taskId as string;
    const w = await aegis(["work", "--until-idle", "--queue", "review"]);
    expect({ code: w.code, done: w.stderr.includes("1 done, 0 failed") }).toEqual({ code: 0, done: true });
    const t = await aegis(["task", id, "--json"]);
    expect(JSON.parse(t.stdout)).toMatchObject({ status: "done", result: "LGTM: the draft reads well." });
    const logs = await aegis(["logs", id]);
    expect(logs.stdout).toContain("please review this draft");
    const all = [e, w, t, logs].map((x) => x.stdout + x.stderr).join("\n");
    expect(all).not.toContain(new URL(url).password);
  }, 60_000);

  test("aegis serve on the database works a task another process enqueues, and stops cleanly (#15)", async () => {
    const serve = start(["serve", "--poll-ms", "50"]);
    let log = "";
    void (async () => {
      for await (const chunk of serve.stderr) log += new TextDecoder().decode(chunk);
    })();
    try {
      await waitFor(() => log.includes("control socket") || serve.exitCode !== null, { timeoutMs: 20_000, what: "serve to listen" });
      expect(serve.exitCode).toBeNull();
      const e = await aegis(["enqueue", "review", "a draft for serve", "--json"]);
      expect({ code: e.code, stderr: e.code === 0 ? "" : e.stderr }).toEqual({ code: 0, stderr: "" });
      const id = JSON.parse(e.stdout).taskId as string;
      const status = async () => (await rows((sql) => sql`SELECT status FROM tasks WHERE id = ${id}`))[0]?.status as string | undefined;
      let last: string | undefined;
      await waitFor(async () => (last = await status()) === "done", { timeoutMs: 20_000, intervalMs: 100, what: "the serve to finish the task" });
      expect(last).toBe("done");
    } finally {
      serve.kill("SIGTERM");
      expect(await within(serve.exited, 20_000, "serve exit")).toBe(0);
    }
    expect(log).not.toContain(new URL(url).password);
  }, 60_000);
});
