#!/usr/bin/env bun
// Worktree isolation (#11): the time aegis takes to give a session its git worktree (an isolated Scripted session's
// spawn: repository lookup, base resolution, `git worktree add`, the store record) in a repository of 10,000 files,
// against a bare `git worktree add -b` of the same repository in the same run (goal: <= 1.2x), rounds alternating
// and paired. Also reported: the disk one worktree adds (its checkout plus git's admin folder) and the RSS aegis
// adds per live isolated session.
// Usage: bun bench/worktree.ts [--quick] [--files 10000] [--rounds 9] [--rss-sessions 40]   (--quick: 2,000 files, 3 rounds, 10 sessions)

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Scripted } from "../src/config/providers.ts";
import { validateConfig } from "../src/config/validate.ts";
import { createRuntime } from "../src/runtime.ts";
import { tempDir } from "../test/fixtures/helpers/temp-dir.ts";
import { timing } from "./lib/measure.ts";
import { numArg, report } from "./lib/report.ts";

const FILES = numArg("--files", 10_000, 2_000);
const ROUNDS = numArg("--rounds", 9, 3);
const MiB = 1024 * 1024;
const ID = { GIT_AUTHOR_NAME: "bench", GIT_AUTHOR_EMAIL: "bench@localhost", GIT_COMMITTER_NAME: "bench", GIT_COMMITTER_EMAIL: "bench@localhost" };

function git(dir: string, ...args: string[]): string {
  const r = Bun.spawnSync(["git", "-C", dir, ...args], { env: { ...process.env, ...ID } });
  if (r.exitCode !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr.toString()}`);
  return r.stdout.toString().trim();
}

async function gitAsync(dir: string, ...args: string[]): Promise<void> {
  const p = Bun.spawn(["git", "-C", dir, ...args], { env: { ...process.env, ...ID }, stdout: "ignore", stderr: "pipe" });
  if ((await p.exited) !== 0) throw new Error(`git ${args.join(" ")}: ${await new Response(p.stderr).text()}`);
}

function duBytes(path: string): number {
  const r = Bun.spawnSync(["du", "-s", "-B1", path]); // blocks allocated, not apparent size
  return Number(r.stdout.toString().split("\t")[0]);
}

using dir = tempDir("bench-worktree");
const root = dir.path;
git(root, "init", "-q", "-b", "main");
for (let i = 0; i < FILES; i++) {
  const sub = join(root, "src", `m${Math.floor(i / 100)}`);
  if (i % 100 === 0) mkdirSync(sub, { recursive: true });
  writeFileSync(join(sub, `f${i}.ts`), `export const v${i} = ${i};\n// ${"x".repeat(200)}\n`);
}
git(root, "add", "-A");
git(root, "commit", "-q", "-m", "init");
console.error(`repository: ${FILES} files, checkout ${(duBytes(join(root, "src")) / MiB).toFixed(1)} MiB on disk`);

const config = validateConfig({ agents: { iso: { provider: new Scripted({ reply: () => "ok" }), isolation: "worktree", keep: "never" } } }, join(root, ".aegis.ts"), root);
const rt = createRuntime({ config, cwd: root, plane: false, queues: { pollMs: 0 } });
// Warm up both paths once (module loading, git's own caches), then measure alternating rounds.
await (await rt.sessions.spawn("iso", { handle: "warm-up" })).close();
await rt.sessions.settled();
await gitAsync(root, "worktree", "add", "-q", "-b", "bare/warm", join(root, ".git", "bare-worktrees", "warm"), "HEAD");
await gitAsync(root, "worktree", "remove", "--force", join(root, ".git", "bare-worktrees", "warm"));

const aegisMs: number[] = [];
const bareMs: number[] = [];
const diffs: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  const timeBare = async () => {
    const t0 = performance.now();
    await gitAsync(root, "worktree", "add", "-q", "-b", `bare/r${r}`, join(root, ".git", "bare-worktrees", `r${r}`), "HEAD");
    return performance.now() - t0;
  };
  const timeAegis = async () => {
    const t0 = performance.now();
    const session = await rt.sessions.spawn("iso", { handle: `round-${r}` });
    return { session, ms: performance.now() - t0 };
  };
  // Alternate which goes first, so neither always gets the warmer page cache.
  let bare: number;
  let mine: { session: Awaited<ReturnType<typeof timeAegis>>["session"]; ms: number };
  if (r % 2 === 0) {
    bare = await timeBare();
    mine = await timeAegis();
  } else {
    mine = await timeAegis();
    bare = await timeBare();
  }
  const s = mine.session;
  bareMs.push(bare);
  aegisMs.push(mine.ms);
  diffs.push(mine.ms - bare);
  await s.close();
  await rt.sessions.settled();
  await gitAsync(root, "worktree", "remove", "--force", join(root, ".git", "bare-worktrees", `r${r}`));
  console.error(`  round ${r + 1}: aegis ${mine.ms.toFixed(1)} ms, bare git worktree add ${bare.toFixed(1)} ms`);
}

// Disk: one live isolated session's worktree in the big repository.
await rt.sessions.spawn("iso", { handle: "live-0" });
const diskPer = duBytes(join(root, ".git", "aegis-worktrees", "live-0")) + duBytes(join(root, ".git", "worktrees", "live-0"));
await rt.close();

// RSS: what aegis itself holds per live isolated session (its git processes have exited by then), measured over
// RSS_SESSIONS sessions in a small repository so the worktrees are quick to make; the heap is collected before each read.
const RSS_SESSIONS = numArg("--rss-sessions", 40, 10);
using small = tempDir("bench-worktree-rss");
git(small.path, "init", "-q", "-b", "main");
writeFileSync(join(small.path, "README.md"), "small\n");
git(small.path, "add", "-A");
git(small.path, "commit", "-q", "-m", "init");
const smallConfig = validateConfig({ agents: { iso: { provider: new Scripted({ reply: () => "ok" }), isolation: "worktree", keep: "never" } } }, join(small.path, ".aegis.ts"), small.path);
const rt2 = createRuntime({ config: smallConfig, cwd: small.path, plane: false, queues: { pollMs: 0 } });
await (await rt2.sessions.spawn("iso", { handle: "warm-up" })).close();
Bun.gc(true);
const rss0 = process.memoryUsage().rss;
for (let i = 0; i < RSS_SESSIONS; i++) await rt2.sessions.spawn("iso", { handle: `live-${i}` });
Bun.gc(true);
const rssPer = (process.memoryUsage().rss - rss0) / RSS_SESSIONS;
await rt2.close();

const a = timing(aegisMs);
const b = timing(bareMs);
const overhead = timing(diffs).median;
console.error(`aegis: median ${a.median.toFixed(1)} ms (p90 ${a.p90.toFixed(1)}); bare: median ${b.median.toFixed(1)} ms (p90 ${b.p90.toFixed(1)}); ` +
  `paired overhead median ${overhead.toFixed(1)} ms; ratio ${(a.median / b.median).toFixed(2)}`);
console.error(`per worktree: disk ${(diskPer / MiB).toFixed(1)} MiB (checkout + git admin), aegis RSS +${(rssPer / 1024).toFixed(0)} KiB per live isolated session (over ${RSS_SESSIONS})`);

report("worktree", [
  {
    figure: `session worktree, ${FILES} files, median`, value: a.median, unit: "ms",
    baseline: { label: "bare git worktree add", value: b.median }, goal: { on: "ratio", op: "<=", target: 1.2 },
  },
  { figure: "aegis overhead over bare worktree add, paired median", value: overhead, unit: "ms" },
  { figure: `disk per worktree, ${FILES} files`, value: diskPer / MiB, unit: "MiB" },
  { figure: "aegis RSS per live isolated Scripted session (session included)", value: rssPer / 1024, unit: "KiB" },
]);
