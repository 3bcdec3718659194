#!/usr/bin/env node
// The `aegis` command of the npm package. aegis is TypeScript run by Bun, so this launcher finds a Bun runtime — the
// AEGIS_BUN variable, then the `bun` npm package if it is installed, then `bun` on PATH — and runs src/main.ts with it.
// (The standalone executable built by `npm run build` needs neither Node nor Bun.)
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const main = join(here, "..", "src", "main.ts");

function findBun() {
  if (process.env.AEGIS_BUN) return process.env.AEGIS_BUN;
  try {
    const pkg = createRequire(import.meta.url).resolve("bun/package.json");
    const bin = join(dirname(pkg), "bin", "bun.exe");
    if (existsSync(bin)) return bin;
  } catch (err) {
    // The bun package is not installed: fall back to PATH. This launcher runs under Node, without aegis's logger, so
    // the reason is printed only at AEGIS_LOG_LEVEL=debug (or trace), as the logger would.
    if (/^(debug|trace)$/.test(process.env.AEGIS_LOG_LEVEL ?? "")) {
      process.stderr.write(`aegis: no bun npm package (${err?.code ?? err}); using bun from PATH\n`);
    }
  }
  return "bun";
}

const result = spawnSync(findBun(), [main, ...process.argv.slice(2)], { stdio: "inherit" });
if (result.error && result.error.code === "ENOENT") {
  process.stderr.write("aegis: the Bun runtime was not found. Install it (npm i -g bun) or set AEGIS_BUN, or use the standalone binary (no Node or Bun needed: see Install in the README).\n");
  process.exit(2);
}
if (result.signal) process.kill(process.pid, result.signal);
process.exit(result.status ?? 1);
