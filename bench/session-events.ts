#!/usr/bin/env bun
// Transcript write throughput (#15): events per second a SessionManager stores end to end (agent event → session
// buffer → store write → committed), with in-process Scripted agents so only aegis's own path is measured. S sessions
// run T turns at once, each turn emitting 2 events per tool call plus init/text/usage/turn_end and the prompt row,
// into a SQLite file. `--against <dir>` runs the same rounds on another aegis tree (a `git worktree` of an earlier
// commit, with node_modules), interleaved so machine noise hits both alike: the goal is the current tree within 10 %
// of the earlier one (the async store contract must not slow the buffered event path). On a shared machine the wall
// figure swings with other load; events per CPU-second of this process (user + system) is the steadier one.
// `--postgres` also runs this tree on a throwaway PostgreSQL cluster (test/helpers/postgres.ts; fsync off), where the
// transcript is buffered and written as multi-row INSERTs, and reports its events/s beside SQLite's.
// Usage: bun bench/session-events.ts [--quick] [--sessions 8] [--turns 40] [--tools 50] [--rounds 5] [--against dir] [--postgres]

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Db } from "../src/store/api.ts";
import { numArg, report, strArg, type Figure } from "./lib/report.ts";

const SESSIONS = numArg("--sessions", 8, 4);
const TURNS = numArg("--turns", 40, 10);
const TOOLS = numArg("--tools", 50, 20);
const ROUNDS = numArg("--rounds", 5, 2);
const AGAINST = strArg("--against");
const POSTGRES = process.argv.includes("--postgres");

/** What the bench uses of an aegis tree; the same modules exist before and after the store contract. */
interface Tree {
  label: string;
  SessionManager: new (o: Record<string, unknown>) => {
    spawn(agent: string): Promise<{ handle: string }>;
    send(handle: string, text: string, from: string): Promise<string>;
    closeAll(): Promise<void>;
  };
  openStore(path: string): { flush(): void; close(): void; db: { query(sql: string): { get(): unknown } } };
  Scripted: new (o: Record<string, unknown>) => unknown;
  validateConfig(raw: unknown, file: string, root: string): unknown;
}

async function loadTree(root: string, label: string): Promise<Tree> {
  const [manager, store, providers, validate] = await Promise.all([
    import(join(root, "src/session/manager.ts")), import(join(root, "src/store/store.ts")),
    import(join(root, "src/config/providers.ts")), import(join(root, "src/config/validate.ts")),
  ]);
  return { label, SessionManager: manager.SessionManager, openStore: store.openStore, Scripted: providers.Scripted, validateConfig: validate.validateConfig };
}

type Rate = { wall: number; cpu: number };

/** One run on a SQLite file: events stored per second of wall time and per CPU-second of this process. */
async function once(tree: Tree): Promise<Rate> {
  const dir = mkdtempSync(join(tmpdir(), "aegis-bench-events-"));
  const store = tree.openStore(join(dir, "state.db"));
  try {
    return await drive(tree, dir, { store });
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The same run with the state in a new PostgreSQL database (this tree only). */
async function oncePg(url: string): Promise<Rate> {
  const { openPgDb } = await import("../src/store/postgres/db.ts");
  const db = await openPgDb(url);
  const dir = mkdtempSync(join(tmpdir(), "aegis-bench-events-"));
  try {
    return await drive(here, dir, { db });
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** S sessions × T turns; the rows are counted after everything is committed (closeAll, then a flush). */
async function drive(tree: Tree, dir: string, state: { store?: ReturnType<Tree["openStore"]>; db?: Db }): Promise<Rate> {
  const toolCalls = Array.from({ length: TOOLS }, (_, i) => ({ name: "Read", input: { path: `src/file-${i}.ts` }, output: `contents of file ${i}` }));
  const agent = { provider: new tree.Scripted({ reply: () => ({ text: "done", toolCalls }) }) };
  const config = tree.validateConfig({ agents: { w: agent }, queues: {} }, join(dir, ".aegis.ts"), dir);
  const m = new tree.SessionManager({ config, cwd: dir, ...state });
  const sessions = await Promise.all(Array.from({ length: SESSIONS }, () => m.spawn("w")));
  const count = async () => {
    if (state.db) {
      await state.db.flush();
      let n = 0;
      for (const s of sessions) n += await state.db.events.countEvents((s as unknown as { id: string }).id);
      return n;
    }
    state.store!.flush();
    return (state.store!.db.query("SELECT count(*) AS n FROM events").get() as { n: number }).n;
  };
  const before = await count();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(sessions.map(async (s) => {
    for (let i = 0; i < TURNS; i++) await m.send(s.handle, `turn ${i}`, "user");
  }));
  await m.closeAll();
  const n = (await count()) - before;
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wall: (n / ms) * 1000, cpu: (n / ((c.user + c.system) / 1000)) * 1000 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const here = await loadTree(resolve(import.meta.dir, ".."), "this tree");
const other = AGAINST ? await loadTree(resolve(AGAINST), `tree at ${AGAINST}`) : undefined;
await once(here); // warm-up: module loading and the JIT, not counted
if (other) await once(other);
const mine: Rate[] = [];
const theirs: Rate[] = [];
for (let r = 0; r < ROUNDS; r++) {
  mine.push(await once(here));
  if (other) theirs.push(await once(other));
}
const eventsPerTurn = 2 * TOOLS + 5;
const list = (xs: Rate[], k: "wall" | "cpu") => xs.map((x) => x[k].toFixed(0)).join(" ");
for (const k of ["cpu", "wall"] as const) {
  console.log(`session events (${k}): ${SESSIONS} sessions × ${TURNS} turns × ${eventsPerTurn} rows, ${ROUNDS} rounds: ` +
    `this tree ${list(mine, k)}${other ? `; ${other.label} ${list(theirs, k)}` : ""} events/s`);
}
const figure = (k: "wall" | "cpu", goal: boolean): Figure => ({
  figure: `transcript rows stored per ${k === "cpu" ? "CPU-second" : "second"}, ${SESSIONS} Scripted sessions at once (SQLite file)`,
  value: median(mine.map((x) => x[k])), unit: "events/s",
  ...(other ? { baseline: { label: other.label, value: median(theirs.map((x) => x[k])) } } : {}),
  ...(other && goal ? { goal: { on: "ratio" as const, op: ">=" as const, target: 0.9 } } : {}),
});
const figures: Figure[] = [figure("cpu", true), figure("wall", false)];
if (POSTGRES) {
  const { freshDatabase, startPostgres } = await import("../test/helpers/postgres.ts");
  const pg = await startPostgres();
  const onPg: Rate[] = [];
  try {
    await oncePg(await freshDatabase(pg)); // warm-up
    for (let r = 0; r < ROUNDS; r++) onPg.push(await oncePg(await freshDatabase(pg)));
  } finally {
    await pg.stop(); // the cluster is a child process: left running, it would keep this script alive
  }
  console.log(`session events on PostgreSQL (wall): ${list(onPg, "wall")} events/s; (cpu of this process): ${list(onPg, "cpu")}`);
  figures.push({
    figure: `transcript rows stored per second, ${SESSIONS} Scripted sessions at once (PostgreSQL, test cluster, fsync off)`,
    value: median(onPg.map((x) => x.wall)), unit: "events/s", baseline: { label: "SQLite file, same run", value: median(mine.map((x) => x.wall)) },
  });
}
report("session-events", figures);
