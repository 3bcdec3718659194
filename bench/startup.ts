#!/usr/bin/env bun
// Start-up cost of the aegis binary: `aegis --version` and `aegis config validate` on the quickstart example, each
// against a compiled Bun hello-world built and measured in the same run (ratios, since machines are noisy).
// Usage: bun bench/startup.ts [--runs 40] [--bin path/to/aegis]   (default: dist/aegis, built first if missing)

import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileAegis, compileHelloWorld, ROOT } from "../scripts/compile.ts";
import { measureCommand, timingRow } from "./lib/measure.ts";

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const RUNS = Number(arg("--runs") ?? 40);
const aegis = arg("--bin") ?? join(ROOT, "dist", "aegis");

if (!existsSync(aegis)) await compileAegis(aegis);
const tmp = mkdtempSync(join(tmpdir(), "aegis-bench-"));
try {
  const quickstart = join(ROOT, "examples", "quickstart");
  const hello = await measureCommand([await compileHelloWorld(tmp)], tmp, RUNS);
  const version = await measureCommand([aegis, "--version"], tmp, RUNS);
  const validate = await measureCommand([aegis, "config", "validate"], quickstart, RUNS);
  console.log(`startup (${RUNS} runs each, after 2 warm-ups; ratios to the hello-world baseline)`);
  console.log(timingRow("bun hello-world (baseline)", hello, hello));
  console.log(timingRow("aegis --version", version, hello));
  console.log(timingRow("aegis config validate (quickstart)", validate, hello));
  const ratio = version.median / hello.median;
  console.log(`aegis --version / baseline = ${ratio.toFixed(2)} (goal ≤ 3.00): ${ratio <= 3 ? "ok" : "OVER"}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
