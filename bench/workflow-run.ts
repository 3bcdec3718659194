#!/usr/bin/env bun
// Cost of `aegis run` for a trivial workflow on the Scripted agent (spawn, one send, return), next to
// `aegis --version` and a compiled Bun hello-world, all measured in the same run with the same binary.
// Goal: `aegis run` median ≤ 60 ms. Usage: bun bench/workflow-run.ts [--runs 30] [--bin path/to/aegis]

import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..");
const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const RUNS = Number(arg("--runs") ?? 30);
const tmp = mkdtempSync(join(tmpdir(), "aegis-bench-run-"));

async function sh(cmd: string[], cwd = ROOT): Promise<void> {
  const p = Bun.spawn(cmd, { cwd, stdout: "ignore", stderr: "inherit" });
  if ((await p.exited) !== 0) throw new Error(`failed: ${cmd.join(" ")}`);
}

async function measure(cmd: string[], cwd: string): Promise<{ median: number; p90: number }> {
  const times: number[] = [];
  for (let i = 0; i < RUNS + 2; i++) {
    const t0 = performance.now();
    const p = Bun.spawn(cmd, { cwd, stdout: "ignore", stderr: "ignore" });
    const code = await p.exited;
    const dt = performance.now() - t0;
    if (code !== 0) throw new Error(`${cmd.join(" ")} exited ${code}`);
    if (i >= 2) times.push(dt);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)]!, p90: times[Math.floor(times.length * 0.9)]! };
}

try {
  const aegis = arg("--bin") ?? join(tmp, "aegis");
  if (!arg("--bin")) {
    await sh([process.execPath, "build", "src/main.ts", "--compile", "--bytecode", "--format=esm", "--splitting", "--no-compile-autoload-dotenv", "--outfile", aegis]);
  }
  writeFileSync(join(tmp, "hello.ts"), 'console.log("hello");\n');
  await sh([process.execPath, "build", "hello.ts", "--compile", "--bytecode", "--format=esm", "--outfile", "hello"], tmp);
  const project = join(tmp, "project");
  mkdirSync(join(project, "workflows"), { recursive: true });
  writeFileSync(join(project, ".aegis.ts"), `import { defineConfig, Scripted } from "aegis";
export default defineConfig({ agents: { echo: { provider: new Scripted({ reply: (p) => p }) } }, workflows: ["workflows/"] });
`);
  writeFileSync(join(project, "workflows", "trivial.ts"), `import { workflow } from "aegis";
export default workflow("trivial", async (engine) => engine.send(await engine.spawn("echo"), "hi"));
`);
  const hello = await measure([join(tmp, "hello")], tmp);
  const version = await measure([aegis, "--version"], project);
  const list = await measure([aegis, "workflow", "list"], project);
  const run = await measure([aegis, "run", "trivial"], project);
  const row = (name: string, m: { median: number; p90: number }) =>
    `${name.padEnd(36)} median ${m.median.toFixed(1).padStart(6)} ms   p90 ${m.p90.toFixed(1).padStart(6)} ms   ×${(m.median / version.median).toFixed(2)} of --version`;
  console.log(`aegis run, trivial workflow on the Scripted agent (${RUNS} runs each, after 2 warm-ups)`);
  console.log(row("bun hello-world (compiled)", hello));
  console.log(row("aegis --version (baseline)", version));
  console.log(row("aegis workflow list", list));
  console.log(row("aegis run trivial", run));
  console.log(`aegis run trivial: median ${run.median.toFixed(1)} ms (goal ≤ 60 ms): ${run.median <= 60 ? "ok" : "OVER"}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
