#!/usr/bin/env bun
// Builds the aegis executable: `bun scripts/build.ts` → dist/aegis for this machine.
// `--target bun-linux-arm64` (or bun-linux-x64, bun-darwin-arm64) cross-builds; `--all` builds all three.
// A cross build needs that platform's Bun runtime: it is taken from the npm package @oven/bun-<platform>
// (fetched with `npm pack`, the registry being the one source this project installs from).

import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { compileAegis, ROOT } from "./compile.ts";

const TARGETS: Record<string, string> = {
  "bun-linux-x64": "linux-x64",
  "bun-linux-arm64": "linux-aarch64",
  "bun-darwin-arm64": "darwin-aarch64",
};

function hostTarget(): string {
  const arch = process.arch === "arm64" ? "arm64" : "x64";
  return `bun-${process.platform}-${arch}`;
}

async function run(cmd: string[], cwd = ROOT): Promise<void> {
  const p = Bun.spawn(cmd, { cwd, stdout: "inherit", stderr: "inherit" });
  if ((await p.exited) !== 0) throw new Error(`failed: ${cmd.join(" ")}`);
}

/** The Bun executable for a foreign platform, from npm's @oven/bun-<platform> package (cached in dist/.bun-runtimes). */
async function runtimeFor(target: string): Promise<string> {
  const pkg = `@oven/bun-${TARGETS[target]}@${Bun.version}`;
  const dir = join(ROOT, "dist", ".bun-runtimes", target);
  const bin = join(dir, "package", "bin", "bun");
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  await run(["npm", "pack", pkg, "--silent", "--pack-destination", dir]);
  const tgz = readdirSync(dir).find((f) => f.endsWith(".tgz"));
  if (!tgz) throw new Error(`npm pack ${pkg} produced no tarball`);
  await run(["tar", "-xzf", tgz], dir);
  return bin;
}

async function build(target: string, outfile: string): Promise<void> {
  const extra = target === hostTarget() ? [] : [`--target=${target}`, `--compile-executable-path=${await runtimeFor(target)}`];
  await compileAegis(outfile, extra);
  console.error(`built ${outfile} (${target})`);
}

const argv = process.argv.slice(2);
const targetArg = argv.find((a) => a.startsWith("--target="))?.split("=")[1] ?? (argv.includes("--target") ? argv[argv.indexOf("--target") + 1] : undefined);
if (targetArg && !TARGETS[targetArg]) {
  console.error(`unknown target ${targetArg}; one of ${Object.keys(TARGETS).join(", ")}`);
  process.exit(2);
}
mkdirSync(join(ROOT, "dist"), { recursive: true });
if (argv.includes("--all")) {
  for (const t of Object.keys(TARGETS)) await build(t, join(ROOT, "dist", `aegis-${t.replace(/^bun-/, "")}`));
} else {
  const target = targetArg ?? hostTarget();
  await build(target, join(ROOT, "dist", target === hostTarget() ? "aegis" : `aegis-${target.replace(/^bun-/, "")}`));
}
