#!/usr/bin/env bun
// Per-turn overhead of the Claude driver: the same fake-claude process kind driven through claudeDriver (spawn via
// src/proc, line framing, validation (hand checks, zod for what they refuse), event mapping, idle timer) and by a bare
// script (Bun.spawn, split on "\n", JSON.parse, stop at `result`; plain and detached), in the same run, interleaved in
// rounds so machine noise hits all alike. Two scenarios: instant turns (the fake answers at once: pure overhead against
// ~0.2 ms of work) and turns with FAKE_CLAUDE_DELAY_MS of model time (still far below the 150–700 ms real Claude turns
// took in real-clis.md). Goal: driver / bare ≤ 1.10.
// Both run fake-claude on the bun running this bench (put first on its PATH).
// Usage: bun bench/turn-overhead.ts [--quick] [--turns 300] [--rounds 5] [--delay-ms 20]

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClaudeCode } from "../src/config/providers.ts";
import { claudeDriver } from "../src/drivers/claude/claude-driver.ts";
import { withBunOnPath } from "./lib/measure.ts";
import { numArg, report, type Figure } from "./lib/report.ts";

const TURNS = numArg("--turns", 300, 30);
const ROUNDS = numArg("--rounds", 5, 1);
const DELAY_MS = numArg("--delay-ms", 20);
const GOAL = 1.1;
const FAKE = join(import.meta.dir, "../test/fixtures/bin/fake-claude");
const ARGV = ["-p", "--input-format", "stream-json", "--output-format", "stream-json", "--verbose", "--model", "claude-sonnet-4-5", "--effort", "high", "--permission-mode", "acceptEdits", "--mcp-config", '{"mcpServers":{}}', "--strict-mcp-config"];
const prompt = (i: number) => `hello from turn ${i}, please echo this line back`;
const cwd = mkdtempSync(join(tmpdir(), "aegis-bench-turns-"));
const figures: Figure[] = [];

interface Runner {
  turn(i: number): Promise<void>;
  close(): Promise<void>;
}
type Start = (env: Record<string, string>) => Promise<Runner>;

const viaDriver: Start = async (env) => {
  const provider = new ClaudeCode({ model: "claude-sonnet-4-5", permission: "write", bin: FAKE, env });
  const s = await claudeDriver.start(provider, { cwd, handle: "bench" });
  return {
    async turn(i) {
      for await (const ev of s.send(prompt(i))) if (ev.type === "turn_end" && ev.isError) throw new Error(ev.error);
    },
    close: () => s.close(),
  };
};

const bare = (detached: boolean): Start => async (env) => {
  const p = Bun.spawn([FAKE, ...ARGV], { cwd, env: { ...process.env, ...env }, stdin: "pipe", stdout: "pipe", stderr: "ignore", detached });
  const reader = p.stdout.getReader();
  const decoder = new TextDecoder();
  let buf = "";
  const frame = (text: string) => `${JSON.stringify({ type: "user", message: { role: "user", content: text } })}\n`;
  return {
    async turn(i) {
      p.stdin.write(frame(prompt(i)));
      p.stdin.flush();
      for (;;) {
        let nl: number;
        while ((nl = buf.indexOf("\n")) !== -1) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (JSON.parse(line).type === "result") return;
        }
        const { done, value } = await reader.read();
        if (done) throw new Error("fake-claude exited");
        buf += decoder.decode(value, { stream: true });
      }
    },
    async close() {
      p.stdin.end();
      await p.exited;
    },
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
    for (let i = 0; i < 10; i++) await r.turn(i);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < turns; i++) await r.turn(i);
    const wall = ((performance.now() - t0) * 1000) / turns;
    const c = process.cpuUsage(c0);
    return { wall, cpu: (c.user + c.system) / turns };
  } finally {
    await r.close();
  }
}

const RUNNERS: [string, Start][] = [["bare script", bare(false)], ["bare script, detached", bare(true)], ["claude driver", viaDriver]];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function scenario(title: string, delayMs: number, turns: number): Promise<void> {
  const env = withBunOnPath(cwd, { FAKE_CLAUDE_DELAY_MS: String(delayMs) });
  const samples = RUNNERS.map(() => [] as Sample[]);
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate the order each round, so warming and drift favour none of them.
    for (let k = 0; k < RUNNERS.length; k++) {
      const j = (k + round) % RUNNERS.length;
      samples[j]?.push(await measure((RUNNERS[j] as [string, Start])[1], env, turns));
    }
  }
  const wall = samples.map((xs) => median(xs.map((x) => x.wall)));
  const cpu = samples.map((xs) => median(xs.map((x) => x.cpu)));
  console.log(`\n${title}: ${ROUNDS} rounds × ${turns} turns on one fake-claude process each; medians, µs per turn`);
  console.log(`  ${"".padEnd(22)} ${"wall".padStart(7)} ${"cpu".padStart(6)}   wall per round`);
  RUNNERS.forEach(([name], j) => {
    const rounds = samples[j]!.map((x) => x.wall.toFixed(0)).join(" ");
    console.log(`  ${name.padEnd(22)} ${wall[j]!.toFixed(0).padStart(7)} ${cpu[j]!.toFixed(0).padStart(6)}   ${rounds}`);
  });
  const [b, bd, d] = wall as [number, number, number];
  const [cb, , cd] = cpu as [number, number, number];
  console.log(`  driver / bare           wall ratio ${(d / b).toFixed(3)} (+${(d - b).toFixed(0)} µs)   goal ≤ ${GOAL}: ${d / b <= GOAL ? "met" : "NOT met"}`);
  console.log(`  driver / bare detached  wall ratio ${(d / bd).toFixed(3)} (+${(d - bd).toFixed(0)} µs; both children in a session of their own)`);
  console.log(`  driver / bare           cpu ratio  ${(cd / cb).toFixed(3)} (+${(cd - cb).toFixed(0)} µs of aegis-side CPU per turn)`);
  figures.push(
    { figure: `claude driver, ${title}, wall per turn`, value: d, unit: "µs", baseline: { label: "bare script", value: b }, goal: { on: "ratio", op: "<=", target: GOAL } },
    { figure: `claude driver, ${title}, aegis-side CPU per turn`, value: cd, unit: "µs", baseline: { label: "bare script", value: cb } },
  );
}

try {
  await scenario("instant turns", 0, TURNS);
  await scenario(`turns with ${DELAY_MS} ms of model time`, DELAY_MS, Math.max(20, Math.round(TURNS / 10)));
  report("turn-overhead", figures);
} finally {
  rmSync(cwd, { recursive: true, force: true });
}
