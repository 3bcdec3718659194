#!/usr/bin/env bun
// Memory of aegis itself with 100 concurrent live sessions (goal: RSS <= 100 MiB): each session is a fake-claude
// process (stream-json, its own RSS not counted) that has answered one turn and stays open, held by a
// SessionManager with a file-backed store, the MCP plane off. Baseline, in the same run: the RSS of this process
// with everything loaded and no session. Also reported: 100 in-process Scripted sessions.
// Usage: bun bench/sessions-rss.ts [--sessions 100]

import { join } from "node:path";
import { ClaudeCode, Scripted } from "../src/config/providers.ts";
import { validateConfig } from "../src/config/validate.ts";
import { createRuntime } from "../src/runtime.ts";
import { tempDir } from "../test/fixtures/helpers/temp-dir.ts";

const i = process.argv.indexOf("--sessions");
const N = i > 0 ? Number(process.argv[i + 1]) : 100;
const FAKE_CLAUDE = join(import.meta.dir, "../test/fixtures/bin/fake-claude");
const MiB = 1024 * 1024;

using dir = tempDir("bench-rss");
const config = validateConfig({
  agents: {
    fake: { provider: new ClaudeCode({ model: "opus", permission: "full", bin: FAKE_CLAUDE, env: { IS_SANDBOX: "1" } }) },
    scripted: { provider: new Scripted({ reply: (p) => `echo ${p}` }) },
  },
}, join(dir.path, ".aegis.ts"), dir.path);

function rss(): number {
  Bun.gc(true);
  return process.memoryUsage().rss;
}

const rt = createRuntime({ config, cwd: dir.path, plane: false, queues: { pollMs: 0 } });
// Load every module a session needs, then measure the baseline with no session live.
await (await rt.sessions.spawn("fake", { prompt: "warm up" })).whenIdle();
await (await rt.sessions.spawn("scripted", { prompt: "warm up" })).whenIdle();
await rt.sessions.closeAll();
const base = rss();

const t0 = performance.now();
for (let b = 0; b < N; b += 10) {
  const batch = await Promise.all(Array.from({ length: Math.min(10, N - b) }, (_, k) => rt.sessions.spawn("fake", { prompt: `hello ${b + k}` })));
  await Promise.all(batch.map((s) => s.whenIdle()));
}
const spawnS = ((performance.now() - t0) / 1000).toFixed(1);
const live = rt.sessions.list();
if (live.length !== N || live.some((s) => s.state !== "ready" || !s.pid)) throw new Error(`expected ${N} ready fake-claude sessions`);
const withFake = rss();
await rt.sessions.closeAll();

for (let k = 0; k < N; k++) await (await rt.sessions.spawn("scripted", { prompt: `hello ${k}` })).whenIdle();
const withScripted = rss();
await rt.close();

const mib = (n: number) => `${(n / MiB).toFixed(1)} MiB`;
console.log(`aegis RSS with ${N} live sessions (children not counted):`);
console.log(`  baseline, no session        ${mib(base)}`);
console.log(`  ${N} fake-claude sessions    ${mib(withFake)}  (+${mib(withFake - base)}, ${((withFake - base) / N / 1024).toFixed(0)} KiB per session; spawned in ${spawnS} s)  goal <= 100 MiB: ${withFake <= 100 * MiB ? "met" : "NOT met"}`);
console.log(`  ${N} Scripted sessions       ${mib(withScripted)}  (+${mib(withScripted - base)})`);
