// The compiled binary carries the migrations: it creates and migrates a fresh state database, and brings an older
// one (written by an earlier schema) up to date without losing its rows, from a folder with no node_modules.

import { Database } from "bun:sqlite";
import { afterAll, beforeAll, expect, test } from "bun:test";
import { cpSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { MIGRATIONS } from "../../src/store/migrations.ts";
import { openStore } from "../../src/store/store.ts";
import { insertTask } from "../../src/store/tasks.ts";
import { tempDir } from "../fixtures/helpers/temp-dir.ts";
import { compileAegis } from "../../scripts/compile.ts";

const ROOT = join(import.meta.dir, "..", "..");
const dir = tempDir("aegis-binary-migrate");
const bin = dir.join("aegis");

beforeAll(async () => {
  await compileAegis(bin);
}, 120_000);
afterAll(() => dir.remove());

async function aegis(args: string[], cwd: string) {
  const p = Bun.spawn([bin, ...args], { cwd, stdout: "pipe", stderr: "pipe", env: { PATH: "/usr/bin:/bin", HOME: dir.path, NO_COLOR: "1" } });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout, stderr };
}

function project(name: string): string {
  const path = dir.join(name);
  mkdirSync(path, { recursive: true });
  // The example's config and the workflows/ folder it names (which must exist); never a state folder left in it.
  cpSync(join(ROOT, "examples", "quickstart", ".aegis.ts"), join(path, ".aegis.ts"));
  cpSync(join(ROOT, "examples", "quickstart", "workflows"), join(path, "workflows"), { recursive: true });
  return path;
}

function schemaVersion(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return db.query<{ v: number }, []>("SELECT max(version) AS v FROM schema_version").get()!.v;
  } finally {
    db.close();
  }
}

test("the binary creates and migrates a fresh state database", async () => {
  const cwd = project("fresh");
  const r = await aegis(["enqueue", "review", "check this", "--json"], cwd);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  expect(schemaVersion(join(cwd, ".aegis", "state.db"))).toBe(MIGRATIONS.length);
  const tasks = JSON.parse((await aegis(["tasks", "--json"], cwd)).stdout);
  expect(tasks).toEqual([expect.objectContaining({ queue: "review", status: "pending", payload: "check this" })]);
}, 30_000);

test("the binary brings an older database up to date and keeps its tasks", async () => {
  const cwd = project("older");
  const path = join(cwd, ".aegis", "state.db");
  const old = openStore(path, { migrations: MIGRATIONS.slice(0, 5) });
  old.write(() => insertTask(old, { id: "task_old", queue: "review", payload: "from before", enqueuedBy: "user", callback: false, at: Date.now() }));
  old.close();
  expect(schemaVersion(path)).toBe(5);
  const r = await aegis(["enqueue", "review", "new one", "--json"], cwd);
  expect(r.code).toBe(0);
  // Position 2: the migration counted the older pending task into the queue counts.
  expect(JSON.parse(r.stdout)).toMatchObject({ position: 2 });
  expect(schemaVersion(path)).toBe(MIGRATIONS.length);
  const tasks = JSON.parse((await aegis(["tasks", "--json"], cwd)).stdout);
  expect(tasks.map((t: { taskId: string; payload: string }) => [t.taskId === "task_old", t.payload])).toEqual([[true, "from before"], [false, "new one"]]);
}, 30_000);
