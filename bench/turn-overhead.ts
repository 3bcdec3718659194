#!/usr/bin/env bun
// Per-turn overhead of the Claude driver: the same fake-claude process kind driven through claudeDriver (spawn via
// src/proc, line framing, zod validation, event mapping, idle timer) and by a bare script (Bun.spawn, split on "\n",
// JSON.parse, stop at `result`), in the same run, interleaved in rounds so machine noise hits both alike.
// Goal: driver / bare ≤ 1.10.  Usage: bun bench/turn-overhead.ts [--turns 200] [--rounds 5]

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClaudeCode } from "../src/config/providers.ts";
import { claudeDriver } from "../src/drivers/claude/claude-driver.ts";

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const TURNS = arg("--turns", 200);
const ROUNDS = arg("--rounds", 5);
const GOAL = 1.1;
const FAKE = join(import.meta.dir, "../test/fixtures/bin/fake-claude");
const ARGV = ["-p", "--input-format", "stream-json", "--output-format", "stream-json", "--verbose", "--model", "claude-sonnet-4-5", "--effort", "high", "--permission-mode", "acceptEdits", "--mcp-config", '{"mcpServers":{}}', "--strict-mcp-config"];
const prompt = (i: number) => `hello from turn ${i}, please echo this line back`;
const cwd = mkdtempSync(join(tmpdir(), "aegis-bench-turns-"));

interface Runner {
  turn(i: number): Promise<void>;
  close(): Promise<void>;
}

async function viaDriver(): Promise<Runner> {
  const s = await claudeDriver.start(new ClaudeCode({ model: "claude-sonnet-4-5", permission: "write", bin: FAKE }), { cwd, handle: "bench" });
  return {
    async turn(i) {
      for await (const ev of s.send(prompt(i))) if (ev.type === "turn_end" && ev.isError) throw new Error(ev.error);
    },
    close: () => s.close(),
  };
}

async function bare(detached: boolean): Promise<Runner> {
  const p = Bun.spawn([FAKE, ...ARGV], { cwd, stdin: "pipe", stdout: "pipe", stderr: "ignore", detached });
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
}

interface Sample {
  /** Wall time per turn, µs. */
  wall: number;
  /** CPU time of this (aegis-side) process per turn, µs: the driver's own cost, whatever the scheduler does. */
  cpu: number;
}

/** Per-turn wall and CPU time over `TURNS` turns on one process, after 20 warm-up turns. */
async function measure(start: () => Promise<Runner>): Promise<Sample> {
  const r = await start();
  try {
    for (let i = 0; i < 20; i++) await r.turn(i);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < TURNS; i++) await r.turn(i);
    const wall = ((performance.now() - t0) * 1000) / TURNS;
    const c = process.cpuUsage(c0);
    return { wall, cpu: (c.user + c.system) / TURNS };
  } finally {
    await r.close();
  }
}

try {
  const runners: [string, () => Promise<Runner>][] = [
    ["bare script", () => bare(false)],
    ["bare script, detached", () => bare(true)],
    ["claude driver", viaDriver],
  ];
  const samples = runners.map(() => [] as Sample[]);
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate the order each round, so warming and drift favour none of them.
    for (let k = 0; k < runners.length; k++) {
      const j = (k + round) % runners.length;
      samples[j]?.push(await measure((runners[j] as [string, () => Promise<Runner>])[1]));
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const wall = samples.map((xs) => median(xs.map((x) => x.wall)));
  const cpu = samples.map((xs) => median(xs.map((x) => x.cpu)));
  console.log(`${ROUNDS} rounds × ${TURNS} text turns on one fake-claude process each; medians of rounds, µs per turn`);
  console.log(`${"".padEnd(22)} ${"wall".padStart(6)} ${"cpu".padStart(6)}   wall per round`);
  runners.forEach(([name], j) => {
    const rounds = samples[j]!.map((x) => x.wall.toFixed(0)).join(" ");
    console.log(`${name.padEnd(22)} ${wall[j]!.toFixed(0).padStart(6)} ${cpu[j]!.toFixed(0).padStart(6)}   ${rounds}`);
  });
  const [b, bd, d] = wall as [number, number, number];
  const [cb, , cd] = cpu as [number, number, number];
  console.log(`driver / bare            wall ratio ${(d / b).toFixed(3)} (+${(d - b).toFixed(0)} µs)   goal ≤ ${GOAL}: ${d / b <= GOAL ? "met" : "NOT met"}`);
  console.log(`driver / bare detached   wall ratio ${(d / bd).toFixed(3)} (+${(d - bd).toFixed(0)} µs)`);
  console.log(`driver / bare            cpu ratio  ${(cd / cb).toFixed(3)} (+${(cd - cb).toFixed(0)} µs of aegis-side CPU per turn)`);
} finally {
  rmSync(cwd, { recursive: true, force: true });
}
