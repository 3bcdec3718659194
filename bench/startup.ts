#!/usr/bin/env bun
// Start-up cost of the aegis binary: `aegis --version` and `aegis config validate` on the quickstart example, each
// against a compiled Bun hello-world built and measured in the same run (ratios, since machines are noisy).
// Goal: --version ≤ 3× the hello-world.
// Usage: bun bench/startup.ts [--quick] [--runs 40] [--bin path/to/aegis]   (default: src/main.ts compiled now)

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileHelloWorld, ROOT } from "../scripts/compile.ts";
import { aegisBinary, measureCommand, timingRow } from "./lib/measure.ts";
import { numArg, report } from "./lib/report.ts";

const RUNS = numArg("--runs", 40, 5);
const tmp = mkdtempSync(join(tmpdir(), "aegis-bench-"));
try {
  const aegis = await aegisBinary(tmp);
  const quickstart = join(ROOT, "examples", "quickstart");
  const hello = await measureCommand([await compileHelloWorld(tmp)], tmp, RUNS);
  const version = await measureCommand([aegis, "--version"], tmp, RUNS);
  const validate = await measureCommand([aegis, "config", "validate"], quickstart, RUNS);
  console.log(`startup (${RUNS} runs each, after 2 warm-ups; ratios to the hello-world baseline)`);
  console.log(timingRow("bun hello-world (baseline)", hello, hello));
  console.log(timingRow("aegis --version", version, hello));
  console.log(timingRow("aegis config validate (quickstart)", validate, hello));
  const baseline = { label: "compiled bun hello-world", value: hello.median };
  report("startup", [
    { figure: "aegis --version, median", value: version.median, unit: "ms", baseline, goal: { on: "ratio", op: "<=", target: 3 } },
    { figure: "aegis config validate (quickstart), median", value: validate.median, unit: "ms", baseline },
  ]);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
