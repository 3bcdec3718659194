#!/usr/bin/env bun
// Memory of aegis itself with 100 concurrent live sessions (goal: RSS <= 100 MiB): each session is a fake-claude
// process (stream-json, its own RSS not counted) that has answered one turn and stays open, held by the runtime's
// SessionManager with a file-backed store; measured with the MCP plane off and on (fake-claude then connects to it).
// Baseline, in the same run: the RSS of this process with everything loaded and no session. Also reported: 100
// in-process Scripted sessions.
// Usage: bun bench/sessions-rss.ts [--quick] [--sessions 100]   (--quick: 10 sessions)

import { join } from "node:path";
import { ClaudeCode, Scripted } from "../src/config/providers.ts";
import { validateConfig } from "../src/config/validate.ts";
import { createRuntime } from "../src/runtime.ts";
import { tempDir } from "../test/fixtures/helpers/temp-dir.ts";
import { withBunOnPath } from "./lib/measure.ts";
import { numArg, report, type Figure } from "./lib/report.ts";

const N = numArg("--sessions", 100, 10);
const FAKE_CLAUDE = join(import.meta.dir, "../test/fixtures/bin/fake-claude");
const MiB = 1024 * 1024;

using dir = tempDir("bench-rss");
const config = validateConfig({
  agents: {
    fake: { provider: new ClaudeCode({ model: "opus", permission: "full", bin: FAKE_CLAUDE, env: withBunOnPath(dir.path, { IS_SANDBOX: "1" }) }) },
    scripted: { provider: new Scripted({ reply: (p) => `echo ${p}` }) },
  },
}, join(dir.path, ".aegis.ts"), dir.path);

function rss(): number {
  Bun.gc(true);
  return process.memoryUsage().rss;
}

/** RSS with N live fake-claude sessions (each has answered one turn), against this process's RSS with none. */
async function measure(plane: boolean): Promise<{ base: number; live: number; seconds: number }> {
  const rt = createRuntime({ config, cwd: dir.path, queues: { pollMs: 0 }, ...(plane ? {} : { plane: false }) });
  // Load every module a session needs (and start the plane), then measure the baseline with no session live.
  await (await rt.sessions.spawn("fake", { prompt: "warm up" })).whenIdle();
  await rt.sessions.closeAll();
  const base = rss();
  const t0 = performance.now();
  for (let b = 0; b < N; b += 10) {
    const batch = await Promise.all(Array.from({ length: Math.min(10, N - b) }, (_, k) => rt.sessions.spawn("fake", { prompt: `hello ${b + k}` })));
    await Promise.all(batch.map((s) => s.whenIdle()));
  }
  const seconds = (performance.now() - t0) / 1000;
  const live = rt.sessions.list();
  if (live.length !== N || live.some((s) => s.state !== "ready" || !s.pid)) throw new Error(`expected ${N} ready fake-claude sessions`);
  const withFake = rss();
  await rt.close();
  return { base, live: withFake, seconds };
}

/** RSS with N live in-process Scripted sessions. */
async function measureScripted(): Promise<{ base: number; live: number; seconds: number }> {
  const rt = createRuntime({ config, cwd: dir.path, plane: false, queues: { pollMs: 0 } });
  await (await rt.sessions.spawn("scripted", { prompt: "warm up" })).whenIdle();
  await rt.sessions.closeAll();
  const base = rss();
  const t0 = performance.now();
  for (let k = 0; k < N; k++) await (await rt.sessions.spawn("scripted", { prompt: `hello ${k}` })).whenIdle();
  const seconds = (performance.now() - t0) / 1000;
  const live = rss();
  await rt.close();
  return { base, live, seconds };
}

// Each measurement runs in a fresh process of its own, since RSS never shrinks back within one.
const child = process.argv.indexOf("--child");
if (child > 0) {
  const mode = process.argv[child + 1];
  const m = mode === "scripted" ? await measureScripted() : await measure(mode === "plane");
  process.stdout.write(`${JSON.stringify(m)}\n`);
} else {
  const run = async (mode: string) => {
    const p = Bun.spawn([process.execPath, import.meta.path, "--child", mode, "--sessions", String(N)], { stdout: "pipe", stderr: "inherit" });
    const out = await new Response(p.stdout).text();
    if ((await p.exited) !== 0) throw new Error(`measurement ${mode} failed`);
    return JSON.parse(out.trim().split("\n").at(-1)!) as { base: number; live: number; seconds: number };
  };
  const mib = (n: number) => `${(n / MiB).toFixed(1)} MiB`;
  const line = (label: string, m: { base: number; live: number; seconds: number }) =>
    `  ${label.padEnd(32)} ${mib(m.live)}  (baseline ${mib(m.base)}, +${((m.live - m.base) / N / 1024).toFixed(0)} KiB per session; spawned in ${m.seconds.toFixed(1)} s)  goal <= 100 MiB: ${m.live <= 100 * MiB ? "met" : "NOT met"}`;
  console.log(`aegis RSS with ${N} live sessions (the sessions' own processes not counted):`);
  const figures: Figure[] = [];
  for (const [mode, label] of [["off", `${N} fake-claude, MCP plane off`], ["plane", `${N} fake-claude, MCP plane on`], ["scripted", `${N} Scripted (in-process)`]] as const) {
    const m = await run(mode);
    console.log(line(label, m));
    figures.push({
      figure: `RSS, ${label}`, value: m.live / MiB, unit: "MiB", baseline: { label: "no session", value: m.base / MiB },
      goal: { on: "value", op: "<=", target: 100 },
    });
  }
  report("sessions-rss", figures);
}
