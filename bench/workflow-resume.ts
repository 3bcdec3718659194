#!/usr/bin/env bun
// Cost of resuming a long run: a workflow whose first 50 steps (Scripted sends) are journaled is killed as its 51st
// step starts; then `aegis resume <runId>` is timed from process start until it reaches that first live step (a
// failpoint kills it right there, so every iteration replays the same 50 steps). Next to `aegis --version` and
// `aegis run` of the same workflow cut at its first step, measured in the same run with the same binary.
// Goal: ≤ 200 ms to the first live step. Usage: bun bench/workflow-resume.ts [--quick] [--runs 20] [--bin path/to/aegis]

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Database } from "bun:sqlite";
import { aegisBinary, timing, type Timing } from "./lib/measure.ts";
import { numArg, report } from "./lib/report.ts";

const RUNS = numArg("--runs", 20, 3);
const STEPS = 50;
const tmp = mkdtempSync(join(tmpdir(), "aegis-bench-resume-"));

/** Wall time of `cmd` until it exits; `killed` says whether the failpoint's SIGKILL ended it. */
async function once(cmd: string[], cwd: string, env: Record<string, string> = {}): Promise<{ ms: number; killed: boolean }> {
  const t0 = performance.now();
  const p = Bun.spawn(cmd, { cwd, stdout: "ignore", stderr: "ignore", env: { ...process.env, ...env } });
  await p.exited;
  return { ms: performance.now() - t0, killed: p.signalCode === "SIGKILL" };
}

async function measure(cmd: string[], cwd: string, env: Record<string, string> = {}, mustKill = false): Promise<Timing> {
  const times: number[] = [];
  for (let i = 0; i < RUNS + 2; i++) {
    const r = await once(cmd, cwd, env);
    if (mustKill && !r.killed) throw new Error(`${cmd.join(" ")} was not stopped by its failpoint`);
    if (i >= 2) times.push(r.ms);
  }
  return timing(times);
}

try {
  const aegis = await aegisBinary(tmp);
  const project = join(tmp, "project");
  mkdirSync(join(project, "workflows"), { recursive: true });
  writeFileSync(join(project, ".aegis.ts"), `import { defineConfig, Scripted } from "aegis";
export default defineConfig({ agents: { echo: { provider: new Scripted({ reply: (p) => p.split("\\n").pop() }) } }, workflows: ["workflows/"] });
`);
  writeFileSync(join(project, "workflows", "long.ts"), `import { workflow } from "aegis";
export default workflow("long", async (engine) => {
  const h = await engine.spawn("echo");
  for (let i = 1; i < ${STEPS}; i++) await engine.send(h, "step " + i);
  return (await engine.bash("echo live")).stdout;
});
`);
  const first = await once([aegis, "run", "long"], project, { AEGIS_FAILPOINT: `start:${STEPS + 1}` });
  if (!first.killed) throw new Error("the journaled run was not stopped at its first unjournaled step");
  const db = new Database(join(project, ".aegis", "state.db"), { readonly: true });
  const run = db.query<{ id: string }, []>("SELECT id FROM runs").get()!;
  const done = db.query<{ n: number }, [string]>("SELECT count(*) AS n FROM steps WHERE run_id = ? AND status = 'done'").get(run.id)!.n;
  db.close();
  if (done !== STEPS) throw new Error(`expected ${STEPS} journaled steps, found ${done}`);

  const version = await measure([aegis, "--version"], project);
  const fresh = await measure([aegis, "run", "long"], project, { AEGIS_FAILPOINT: "start:1" }, true);
  const resume = await measure([aegis, "resume", run.id], project, { AEGIS_FAILPOINT: `start:${STEPS + 1}` }, true);
  const row = (name: string, m: Timing) =>
    `${name.padEnd(56)} median ${m.median.toFixed(1).padStart(6)} ms   p90 ${m.p90.toFixed(1).padStart(6)} ms   ×${(m.median / version.median).toFixed(2)} of --version`;
  console.log(`resume of a ${STEPS}-step journaled run (${RUNS} runs each, after 2 warm-ups)`);
  console.log(row("aegis --version (baseline)", version));
  console.log(row("aegis run long, to its first step", fresh));
  console.log(row(`aegis resume, replaying ${STEPS} steps to the first live one`, resume));
  const replay = resume.median - fresh.median;
  console.log(`replaying ${STEPS} steps: ${replay > 0 ? `≈ ${replay.toFixed(1)} ms over a fresh start` : "no measurable cost over a fresh start"}`);
  report("workflow-resume", [
    {
      figure: `aegis resume, replaying ${STEPS} steps to the first live one, median`, value: resume.median, unit: "ms",
      baseline: { label: "aegis run, to its first step", value: fresh.median }, goal: { on: "value", op: "<=", target: 200 },
    },
    { figure: "aegis run long, to its first step, median", value: fresh.median, unit: "ms", baseline: { label: "aegis --version", value: version.median } },
  ]);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
