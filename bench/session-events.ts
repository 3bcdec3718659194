#!/usr/bin/env bun
// Transcript write throughput (#15): events per second a SessionManager stores end to end (agent event → session
// buffer → store write → committed), with in-process Scripted agents so only aegis's own path is measured. S sessions
// run T turns at once, each turn emitting 2 events per tool call plus init/text/usage/turn_end and the prompt row,
// into a SQLite file. `--against <dir>` runs the same rounds on another aegis tree (a `git worktree` of an earlier
// commit, with node_modules), interleaved so machine noise hits both alike: the goal is the current tree within 10 %
// of the earlier one (the async store contract must not slow the buffered event path). On a shared machine the wall
// figure swings with other load; events per CPU-second of this process (user + system) is the steadier one.
// Usage: bun bench/session-events.ts [--quick] [--sessions 8] [--turns 40] [--tools 50] [--rounds 5] [--against dir]

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { numArg, report, strArg, type Figure } from "./lib/report.ts";

const SESSIONS = numArg("--sessions", 8, 4);
const TURNS = numArg("--turns", 40, 10);
const TOOLS = numArg("--tools", 50, 20);
const ROUNDS = numArg("--rounds", 5, 2);
const AGAINST = strArg("--against");

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

/** One run: events stored per second of wall time and per second of this process's CPU, counted after the last commit. */
async function once(tree: Tree): Promise<{ wall: number; cpu: number }> {
  const dir = mkdtempSync(join(tmpdir(), "aegis-bench-events-"));
  const store = tree.openStore(join(dir, "state.db"));
  try {
    const toolCalls = Array.from({ length: TOOLS }, (_, i) => ({ name: "Read", input: { path: `src/file-${i}.ts` }, output: `contents of file ${i}` }));
    const agent = { provider: new tree.Scripted({ reply: () => ({ text: "done", toolCalls }) }) };
    const config = tree.validateConfig({ agents: { w: agent }, queues: {} }, join(dir, ".aegis.ts"), dir);
    const m = new tree.SessionManager({ config, store, cwd: dir });
    const sessions = await Promise.all(Array.from({ length: SESSIONS }, () => m.spawn("w")));
    const before = (store.db.query("SELECT count(*) AS n FROM events").get() as { n: number }).n;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await Promise.all(sessions.map(async (s) => {
      for (let i = 0; i < TURNS; i++) await m.send(s.handle, `turn ${i}`, "user");
    }));
    await m.closeAll();
    store.flush();
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    const n = (store.db.query("SELECT count(*) AS n FROM events").get() as { n: number }).n - before;
    return { wall: (n / ms) * 1000, cpu: (n / ((c.user + c.system) / 1000)) * 1000 };
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const here = await loadTree(resolve(import.meta.dir, ".."), "this tree");
const other = AGAINST ? await loadTree(resolve(AGAINST), `tree at ${AGAINST}`) : undefined;
await once(here); // warm-up: module loading and the JIT, not counted
if (other) await once(other);
const mine: { wall: number; cpu: number }[] = [];
const theirs: { wall: number; cpu: number }[] = [];
for (let r = 0; r < ROUNDS; r++) {
  mine.push(await once(here));
  if (other) theirs.push(await once(other));
}
const eventsPerTurn = 2 * TOOLS + 5;
const list = (xs: { wall: number; cpu: number }[], k: "wall" | "cpu") => xs.map((x) => x[k].toFixed(0)).join(" ");
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
report("session-events", figures);
