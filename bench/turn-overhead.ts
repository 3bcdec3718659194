#!/usr/bin/env bun
// Per-turn overhead of every driver with a fake CLI (the entries of test/fixtures/fake-providers.ts with a bare client:
// a provider added there is measured here too): the same fake process kind driven through aegis's driver (spawn via src/proc, line framing,
// validation, event mapping, the idle watchdog) and by a bare script speaking the same protocol (bench/lib/
// bare-clients.ts: Bun.spawn, split on "\n", JSON.parse, stop at the turn's end), in the same run, interleaved in rounds
// so machine noise hits both alike. Two scenarios per provider: instant turns (the fake answers at once: pure overhead,
// goal ≤ +25 µs of wall time per turn over the bare script) and turns with 20 ms of model time (goal: driver / bare
// ≤ 1.10; still far below the 150–700 ms real turns took in real-clis.md).
// src/proc runs every CLI in a process group of its own (so that a tool's whole tree can be killed) with stderr piped
// (its tail explains a crash); that set-up alone costs ~10-25 µs per turn here. A second bare runner sets its child up
// the same way, so the instant-turn rows show aegis's own part too. The cost is the new session (Bun's `detached` is
// setsid(), and with the kernel's autogroup scheduling a new session is a scheduling group of its own), not the pipe:
// bare Codex client, 1500 turns × 15 rounds: plain 102 µs, stderr piped and drained +0, setsid +20..25, setpgrp only
// +5 (Bun.spawn offers no setpgrp-only option). It grows with the number of messages a turn exchanges.
// `--against <dir>` adds the driver of another aegis tree (a `git worktree` or `git archive` of an earlier commit, with
// node_modules) to the instant-turn rounds, so a change's before/after comes from the same interleaved run.
// Usage: bun bench/turn-overhead.ts [--quick] [--turns 300] [--rounds 7] [--delay-ms 20] [--only claude-code] [--against dir]

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startAgent } from "../src/drivers/registry.ts";
import { benchFakes, type BenchFake } from "../test/fixtures/fake-providers.ts";
import { startBare, type TurnRunner } from "./lib/bare-clients.ts";
import { withBunOnPath } from "./lib/measure.ts";
import { numArg, report, strArg, type Figure } from "./lib/report.ts";

const TURNS = numArg("--turns", 300, 30);
const ROUNDS = numArg("--rounds", 7, 1);
const DELAY_MS = numArg("--delay-ms", 20);
const ONLY = strArg("--only");
const AGAINST = strArg("--against");
const PROC_LIKE = "bare script set up as src/proc (own process group, stderr piped)";
const RATIO_GOAL = 1.1;
const OVERHEAD_GOAL_US = 25;
const prompt = (i: number) => `hello from turn ${i}, please echo this line back`;
const cwd = mkdtempSync(join(tmpdir(), "aegis-bench-turns-"));
const figures: Figure[] = [];

type Start = (env: Record<string, string>) => Promise<TurnRunner>;

const viaDriver = (fx: BenchFake, start: typeof startAgent = startAgent): Start => async (env) => {
  const s = await start(fx.make({ permission: "write", env }), { cwd, handle: "bench" });
  return {
    async turn(text) {
      for await (const ev of s.send(text)) if (ev.type === "turn_end" && ev.isError) throw new Error(ev.error);
    },
    close: () => s.close(),
  };
};

interface Sample {
  /** Wall time per turn, µs. */
  wall: number;
  /** CPU time of this (aegis-side) process per turn, µs: the driver's own cost, whatever the scheduler does. */
  cpu: number;
}

/** Per-turn wall and CPU time over `turns` turns on one process, after 10 warm-up turns. */
async function measure(start: Start, env: Record<string, string>, turns: number): Promise<Sample> {
  const r = await start(env);
  try {
    for (let i = 0; i < 10; i++) await r.turn(prompt(i));
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < turns; i++) await r.turn(prompt(i));
    const wall = ((performance.now() - t0) * 1000) / turns;
    const c = process.cpuUsage(c0);
    return { wall, cpu: (c.user + c.system) / turns };
  } finally {
    await r.close();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/**
 * The bare runners and the driver (last), rotated `ROUNDS` times; per runner the medians of wall and CPU per turn,
 * and per bare runner `extra`: the median over rounds of driver − bare within a round (paired, so a noisy round moves
 * both sides and drops out of the difference).
 */
async function scenario(fx: BenchFake, bares: Start[], delayMs: number, turns: number): Promise<{ bare: Sample[]; driver: Sample; extra: Sample[] }> {
  const env = withBunOnPath(cwd, { ...fx.env, [fx.delayEnv]: String(delayMs) });
  const runners: Start[] = [...bares, viaDriver(fx)];
  const samples: Sample[][] = runners.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate the order each round, so warming and drift favour none of them.
    for (let k = 0; k < runners.length; k++) {
      const j = (k + round) % runners.length;
      samples[j]!.push(await measure(runners[j]!, env, turns));
    }
  }
  const med = (xs: Sample[]): Sample => ({ wall: median(xs.map((x) => x.wall)), cpu: median(xs.map((x) => x.cpu)) });
  const drv = samples[runners.length - 1]!;
  const extra = bares.map((_, b) => med(drv.map((d, i) => ({ wall: d.wall - samples[b]![i]!.wall, cpu: d.cpu - samples[b]![i]!.cpu }))));
  return { bare: bares.map((_, b) => med(samples[b]!)), driver: med(drv), extra };
}

const row = (name: string, b: Sample, d: Sample, extra: Sample) =>
  console.log(`  ${name.padEnd(72)} ${b.wall.toFixed(0).padStart(7)} ${d.wall.toFixed(0).padStart(7)} ${extra.wall.toFixed(0).padStart(6)} ${(d.wall / b.wall).toFixed(3).padStart(6)} ${extra.cpu.toFixed(0).padStart(6)}`);

/** The driver of the aegis tree at `dir` (--against), on its own list of fakes. */
async function otherTree(dir: string): Promise<{ start: typeof startAgent; fakes: BenchFake[] }> {
  const root = resolve(dir);
  const registry = (await import(join(root, "src/drivers/registry.ts"))) as { startAgent: typeof startAgent };
  const fakes = (await import(join(root, "test/fixtures/fake-providers.ts"))) as { benchFakes?: typeof benchFakes };
  if (!fakes.benchFakes) throw new Error(`--against ${dir}: its test/fixtures/fake-providers.ts has no benchFakes() (a tree from before it)`);
  return { start: registry.startAgent, fakes: fakes.benchFakes() };
}

const other = AGAINST ? await otherTree(AGAINST) : undefined;
const fixtures = benchFakes().filter((fx) => !ONLY || fx.name === ONLY);
if (fixtures.length === 0) throw new Error(`--only ${ONLY}: no such fake provider; known: ${benchFakes().map((f) => f.name).join(", ")}`);
try {
  console.log(`${ROUNDS} rounds × ${TURNS} instant turns (and ${Math.max(20, Math.round(TURNS / 10))} turns of ${DELAY_MS} ms) per runner; medians, µs per turn (+wall, +cpu: median of the per-round differences)`);
  console.log(`  ${"".padEnd(72)} ${"bare".padStart(7)} ${"driver".padStart(7)} ${"+wall".padStart(6)} ${"ratio".padStart(6)} ${"+cpu".padStart(6)}`);
  for (const fx of fixtures) {
    const { bare } = fx;
    const plain: Start = (env) => startBare(bare.protocol, bare.argv, cwd, env, false);
    const asProc: Start = (env) => startBare(bare.protocol, bare.argv, cwd, env, true);
    // The other tree's driver runs as one more baseline: its row's "bare" column is that driver's time per turn.
    const otherFx = other?.fakes.find((f) => f.name === fx.name);
    const instant = await scenario(fx, otherFx && other ? [plain, asProc, viaDriver(otherFx, other.start)] : [plain, asProc], 0, TURNS);
    row(`${fx.label}, instant turns`, instant.bare[0]!, instant.driver, instant.extra[0]!);
    row(`${fx.label}, instant turns, bare set up as src/proc`, instant.bare[1]!, instant.driver, instant.extra[1]!);
    if (otherFx) row(`${fx.label}, instant turns, against the driver at ${AGAINST}`, instant.bare[2]!, instant.driver, instant.extra[2]!);
    else if (other) console.log(`  ${fx.label}: no such fake in ${AGAINST}; not compared`);
    figures.push(
      { figure: `${fx.name}, instant turn, overhead over the bare script (wall)`, value: instant.extra[0]!.wall, unit: "µs", goal: { on: "value", op: "<=", target: OVERHEAD_GOAL_US } },
      { figure: `${fx.name}, instant turn, overhead over the ${PROC_LIKE} (wall)`, value: instant.extra[1]!.wall, unit: "µs" },
      { figure: `${fx.name}, instant turn, aegis-side CPU`, value: instant.driver.cpu, unit: "µs", baseline: { label: "bare script", value: instant.bare[0]!.cpu } },
    );
    const slowTurns = Math.max(20, Math.round(TURNS / 10));
    const slow = await scenario(fx, [plain], DELAY_MS, slowTurns);
    row(`${fx.label}, ${DELAY_MS} ms model turns`, slow.bare[0]!, slow.driver, slow.extra[0]!);
    figures.push({ figure: `${fx.name}, ${DELAY_MS} ms model turns, wall per turn`, value: slow.driver.wall, unit: "µs", baseline: { label: "bare script", value: slow.bare[0]!.wall }, goal: { on: "ratio", op: "<=", target: RATIO_GOAL } });
  }
  report("turn-overhead", figures);
} finally {
  rmSync(cwd, { recursive: true, force: true });
}
