#!/usr/bin/env bun
// Queue throughput, each figure against a baseline measured in the same run:
//   1. in-process instant agent (Scripted): tasks/s through enqueue → claim → worker session → transcript → finish,
//      on a file-backed WAL database; baseline: the same agent's turns driven directly, with no queue and no store.
//      Goal: >= 5,000 tasks/s.
//   2. subprocess worker (fake-claude, stream-json) at maxParallel 4: tasks/s; baseline: Bun spawning and reaping the
//      same process 4 at a time with no aegis (and, for information, spawn + one turn + reap). Goal: >= 40%.
// The fake-claude worker runs on the bun running this bench (put first on its PATH), for aegis and the baseline alike.
// Usage: bun bench/queue-throughput.ts [--quick] [--tasks 20000] [--proc-tasks 60] [--parallel 32] [--runs 3]

import { join } from "node:path";
import { ClaudeCode, Scripted } from "../src/config/providers.ts";
import { validateConfig } from "../src/config/validate.ts";
import { startAgent } from "../src/drivers/registry.ts";
import { runtimePlane } from "../src/mcp/runtime-plane.ts";
import { createRuntime, type Runtime } from "../src/runtime.ts";
import { openStore } from "../src/store/store.ts";
import { tempDir } from "../test/fixtures/helpers/temp-dir.ts";
import { withBunOnPath } from "./lib/measure.ts";
import { numArg, report } from "./lib/report.ts";

const TASKS = numArg("tasks", 20_000, 1000);
const PROC_TASKS = numArg("proc-tasks", 60, 8);
const PARALLEL = numArg("parallel", 32);
const RUNS = numArg("runs", 3, 1);

const FAKE_CLAUDE = join(import.meta.dir, "../test/fixtures/bin/fake-claude");
const dir = tempDir("bench-queue");
const FAKE_ENV = withBunOnPath(dir.path, { IS_SANDBOX: "1" });

function config(agent: object, maxParallel: number) {
  return validateConfig({ agents: { w: agent }, queues: { q: { agent: "w", maxParallel } } }, join(dir.path, ".aegis.ts"), dir.path);
}

/** Tasks/s for `n` tasks enqueued at once and drained, on a fresh file-backed database. */
async function queueRate(agent: object, maxParallel: number, n: number, label: string, plane = false): Promise<number> {
  const store = openStore(join(dir.path, `${label}-${Date.now()}-${Math.random()}.db`));
  // aegis's own plane, attached to Scripted workers too (by default they get none: they speak no MCP).
  let host: Runtime | undefined;
  const own = plane ? runtimePlane(() => host!) : undefined;
  const rt = (host = createRuntime({
    config: config(agent, maxParallel), store, cwd: dir.path, queues: { pollMs: 0 },
    plane: own ? { includeScripted: true, attach: (h) => own.attach(h), detach: (h) => own.detach(h) } : false,
  }));
  await rt.queues.start();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await rt.queues.enqueue("q", `task ${i}`);
  await rt.queues.drain();
  const dt = performance.now() - t0;
  const done = (await rt.queues.list({ status: "done" })).length;
  const failed = (await rt.queues.list({ status: "failed" }))[0];
  const planeUsed = own?.loaded !== undefined;
  await rt.close();
  await own?.close();
  if (own && !planeUsed) throw new Error(`${label}: the MCP plane was never attached`);
  store.close();
  if (done !== n) throw new Error(`${label}: only ${done} of ${n} tasks done; first failure: ${failed?.error ?? "none"}`);
  return n / (dt / 1000);
}

/** Turns/s of the Scripted agent driven directly: start, one turn, close; `parallel` at a time. */
async function rawScriptedRate(n: number, parallel: number): Promise<number> {
  const provider = new Scripted({ reply: (p) => p });
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (next < n) {
      next++;
      const s = await startAgent(provider, { cwd: dir.path, handle: "raw" });
      for await (const _ev of s.send(`task ${next}`)) { /* drain the turn */ }
      await s.close();
    }
  }));
  return n / ((performance.now() - t0) / 1000);
}

/** Processes/s Bun spawns and reaps fake-claude with no aegis, `parallel` at a time; optionally one turn each. */
async function rawSpawnRate(n: number, parallel: number, withTurn: boolean): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (next < n) {
      next++;
      const p = Bun.spawn([FAKE_CLAUDE, "-p", "--input-format", "stream-json", "--output-format", "stream-json", "--verbose", "--model", "opus", "--permission-mode", "bypassPermissions"], {
        cwd: dir.path, stdin: "pipe", stdout: "pipe", stderr: "ignore", env: { ...process.env, ...FAKE_ENV },
      });
      const reader = p.stdout.getReader();
      if (withTurn) {
        await p.stdin.write(`${JSON.stringify({ type: "user", message: { role: "user", content: [{ type: "text", text: `task ${next}` }] } })}\n`);
        await p.stdin.flush();
        let buf = "";
        while (!buf.includes('"type":"result"')) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += new TextDecoder().decode(value);
        }
      }
      await p.stdin.end();
      while (!(await reader.read()).done) { /* drain stdout to EOF */ }
      await p.exited;
    }
  }));
  return n / ((performance.now() - t0) / 1000);
}

/** Runs the measurements in interleaved rounds (so load changes hit them alike) and returns each one's median. */
async function rounds<K extends string>(runs: number, fs: Record<K, () => Promise<number>>): Promise<Record<K, number>> {
  const xs = Object.fromEntries(Object.keys(fs).map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (let r = 0; r < runs; r++) for (const k of Object.keys(fs) as K[]) xs[k].push(await fs[k]());
  return Object.fromEntries(Object.entries<number[]>(xs).map(([k, v]) => [k, v.sort((a, b) => a - b)[Math.floor(v.length / 2)]!])) as Record<K, number>;
}

const fmt = (n: number) => n.toLocaleString("en-US", { maximumFractionDigits: 0 });
try {
  const instant = { provider: new Scripted({ reply: (p) => p, usage: { input: 1, output: 1, costUsd: 0 } }) };
  await queueRate(instant, PARALLEL, Math.min(500, TASKS), "warmup");
  await rawScriptedRate(Math.min(500, TASKS), PARALLEL);
  const a = await rounds(RUNS, {
    raw: () => rawScriptedRate(TASKS, PARALLEL),
    queue: () => queueRate(instant, PARALLEL, TASKS, "instant"),
    plane: () => queueRate(instant, PARALLEL, TASKS, "plane", true),
  });
  console.log(`in-process instant agent, ${fmt(TASKS)} tasks, maxParallel ${PARALLEL}, file-backed WAL database (median of ${RUNS}):`);
  console.log(`  aegis queue                 ${fmt(a.queue)} tasks/s   (goal >= 5,000: ${a.queue >= 5000 ? "met" : "NOT met"})`);
  console.log(`  aegis queue + MCP plane     ${fmt(a.plane)} tasks/s   (each worker also gets its plane identity and system prompt)`);
  console.log(`  agent alone                 ${fmt(a.raw)} turns/s   (no queue, no store; aegis is ${(a.queue / a.raw * 100).toFixed(0)}% of it)`);

  const claude = { provider: new ClaudeCode({ model: "opus", permission: "full", bin: FAKE_CLAUDE, env: FAKE_ENV }) };
  await rawSpawnRate(8, 4, false);
  const b = await rounds(RUNS, {
    spawnReap: () => rawSpawnRate(PROC_TASKS, 4, false),
    spawnTurn: () => rawSpawnRate(PROC_TASKS, 4, true),
    queue: () => queueRate(claude, 4, PROC_TASKS, "proc"),
  });
  console.log(`subprocess worker (fake-claude), ${PROC_TASKS} tasks, maxParallel 4 (median of ${RUNS}):`);
  console.log(`  aegis queue          ${b.queue.toFixed(1)} tasks/s`);
  console.log(`  Bun spawn+reap       ${b.spawnReap.toFixed(1)} procs/s   (aegis is ${(b.queue / b.spawnReap * 100).toFixed(0)}%; goal >= 40%: ${b.queue / b.spawnReap >= 0.4 ? "met" : "NOT met"})`);
  console.log(`  Bun spawn+turn+reap  ${b.spawnTurn.toFixed(1)} procs/s   (aegis is ${(b.queue / b.spawnTurn * 100).toFixed(0)}%)`);
  const agentAlone = { label: "Scripted agent alone, no queue", value: a.raw };
  report("queue-throughput", [
    { figure: "queue, in-process instant agent", value: a.queue, unit: "tasks/s", baseline: agentAlone, goal: { on: "value", op: ">=", target: 5000 } },
    { figure: "queue + MCP plane, instant agent", value: a.plane, unit: "tasks/s", baseline: agentAlone },
    { figure: "queue, fake-claude workers ×4", value: b.queue, unit: "tasks/s", baseline: { label: "Bun spawn+reap ×4", value: b.spawnReap }, goal: { on: "ratio", op: ">=", target: 0.4 } },
    { figure: "queue, fake-claude workers ×4 (vs one turn each)", value: b.queue, unit: "tasks/s", baseline: { label: "Bun spawn+turn+reap ×4", value: b.spawnTurn } },
  ]);
} finally {
  dir.remove();
}
