#!/usr/bin/env bun
// Cost of `aegis run` for a trivial workflow on the Scripted agent (spawn, one send, return), next to
// `aegis --version` and a compiled Bun hello-world, all measured in the same run with the same binary.
// Goal: `aegis run` median ≤ 60 ms. Usage: bun bench/workflow-run.ts [--quick] [--runs 30] [--bin path/to/aegis]

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileHelloWorld } from "../scripts/compile.ts";
import { aegisBinary, measureCommand, timingRow } from "./lib/measure.ts";
import { numArg, report } from "./lib/report.ts";

const RUNS = numArg("--runs", 30, 4);
const tmp = mkdtempSync(join(tmpdir(), "aegis-bench-run-"));

try {
  const aegis = await aegisBinary(tmp);
  const helloBin = await compileHelloWorld(tmp);
  const project = join(tmp, "project");
  mkdirSync(join(project, "workflows"), { recursive: true });
  writeFileSync(join(project, ".aegis.ts"), `import { defineConfig, Scripted } from "aegis";
export default defineConfig({ agents: { echo: { provider: new Scripted({ reply: (p) => p }) } }, workflows: ["workflows/"] });
`);
  writeFileSync(join(project, "workflows", "trivial.ts"), `import { workflow } from "aegis";
export default workflow("trivial", async (engine) => engine.send(await engine.spawn("echo"), "hi"));
`);
  const hello = await measureCommand([helloBin], tmp, RUNS);
  const version = await measureCommand([aegis, "--version"], project, RUNS);
  const list = await measureCommand([aegis, "workflow", "list"], project, RUNS);
  const run = await measureCommand([aegis, "run", "trivial"], project, RUNS);
  console.log(`aegis run, trivial workflow on the Scripted agent (${RUNS} runs each, after 2 warm-ups; ratios to --version)`);
  console.log(timingRow("bun hello-world (compiled)", hello, version));
  console.log(timingRow("aegis --version (baseline)", version, version));
  console.log(timingRow("aegis workflow list", list, version));
  console.log(timingRow("aegis run trivial", run, version));
  const baseline = { label: "aegis --version", value: version.median };
  report("workflow-run", [
    { figure: "aegis run trivial (Scripted), median", value: run.median, unit: "ms", baseline, goal: { on: "value", op: "<=", target: 60 } },
    { figure: "aegis workflow list, median", value: list.median, unit: "ms", baseline },
  ]);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
