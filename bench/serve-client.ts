#!/usr/bin/env bun
// A client verb through a running `aegis serve`'s control socket against the same verb standalone (opening the state
// database itself), in the same run: `aegis tasks --json` and `aegis runs --json` over a project with 200 tasks, each
// command a fresh process, alternating. Also the control round trip alone (ping) from this process.
// Goal: the socket costs no more than standalone (ratio ≤ 1.10), since every verb falls back to standalone anyway.
// Usage: bun bench/serve-client.ts [--quick] [--runs 30] [--bin path/to/aegis]   (default: src/main.ts compiled now)

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectServe } from "../src/serve/client.ts";
import { aegisBinary, timing, timingRow, type Timing } from "./lib/measure.ts";
import { numArg, report } from "./lib/report.ts";

const RUNS = numArg("--runs", 30, 4);
const TASKS = 200;
const tmp = mkdtempSync(join(tmpdir(), "aegis-bench-serve-"));
let serve: ReturnType<typeof Bun.spawn> | undefined;
try {
  const aegis = await aegisBinary(tmp);
  const project = join(tmp, "project");
  const env = { ...process.env, NO_COLOR: "1", AEGIS_STATE_DIR: "" };
  Bun.spawnSync(["mkdir", "-p", project]);
  writeFileSync(join(project, ".aegis.ts"), `import { defineConfig, Scripted } from "aegis";
export default defineConfig({ agents: { w: { provider: new Scripted({ reply: () => "ok" }) } }, queues: { q: { agent: "w", maxParallel: 1 } } });
`);
  for (let i = 0; i < TASKS; i++) {
    const p = Bun.spawnSync([aegis, "enqueue", "q", `task ${i}`], { cwd: project, env: { ...env, AEGIS_NO_SERVE: "1" } });
    if (p.exitCode !== 0) throw new Error(`enqueue failed: ${p.stderr.toString()}`);
    if (quickEnough(i)) break;
  }
  serve = Bun.spawn([aegis, "serve", "--grace", "1s"], { cwd: project, env, stdout: "ignore", stderr: "pipe" });
  let log = "";
  for await (const chunk of serve.stderr as ReadableStream<Uint8Array>) {
    log += new TextDecoder().decode(chunk);
    if (log.includes("control socket")) break;
  }
  const client = await connectServe(join(project, ".aegis"));
  if (!client) throw new Error(`serve did not listen: ${log}`);
  // The serve works the queue off first, so both sides then list the same finished rows.
  const deadline = performance.now() + 120_000;
  while ((await client.call<unknown[]>("tasks.list", { status: "pending" })).length > 0 || (await client.call<unknown[]>("tasks.list", { status: "running" })).length > 0) {
    if (performance.now() > deadline) throw new Error("the serve did not work off the queue within 120 s");
    await Bun.sleep(50);
  }

  const figures = [];
  for (const verb of [["tasks", "--json"], ["runs", "--json"]]) {
    const via: number[] = [];
    const local: number[] = [];
    for (let i = 0; i < RUNS + 2; i++) {
      for (const [side, samples] of [["0", via], ["1", local]] as const) {
        const t0 = performance.now();
        const p = Bun.spawn([aegis, ...verb], { cwd: project, env: { ...env, AEGIS_NO_SERVE: side }, stdout: "ignore", stderr: "ignore" });
        if ((await p.exited) !== 0) throw new Error(`aegis ${verb.join(" ")} failed (AEGIS_NO_SERVE=${side})`);
        if (i >= 2) samples.push(performance.now() - t0);
      }
    }
    const v = timing(via);
    const l = timing(local);
    console.log(timingRow(`aegis ${verb.join(" ")} standalone`, l, l));
    console.log(timingRow(`aegis ${verb.join(" ")} via serve`, v, l));
    figures.push({ figure: `aegis ${verb.join(" ")} via serve socket, median`, value: v.median, unit: "ms",
      baseline: { label: "the same verb standalone", value: l.median }, goal: { on: "ratio" as const, op: "<=" as const, target: 1.1 } });
  }
  const pings: number[] = [];
  for (let i = 0; i < RUNS * 10; i++) {
    const t0 = performance.now();
    await client.call("ping");
    pings.push((performance.now() - t0) * 1000);
  }
  const ping: Timing = timing(pings);
  console.log(`control socket round trip (connect, ping, close): median ${ping.median.toFixed(0)} µs, p90 ${ping.p90.toFixed(0)} µs`);
  figures.push({ figure: "control socket round trip (connect + ping), median", value: Math.round(ping.median), unit: "µs" });
  report("serve-client", figures);
} finally {
  if (serve) {
    serve.kill("SIGTERM");
    await serve.exited;
  }
  rmSync(tmp, { recursive: true, force: true });
}

function quickEnough(i: number): boolean {
  return process.argv.includes("--quick") && i >= 20;
}
