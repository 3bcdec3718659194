// Builds one platform's asset and checks it before it may ship: right format and architecture, the right dynamic
// loader (glibc or musl), Bun's embedded bytecode present, and for macOS a code signature that verifies page by page.
// Also writes SHA256SUMS. The command line lives in scripts/build.ts; the target table in targets.ts.

import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { compileAegis, ROOT } from "../compile.ts";
import { bunSectionSize, inspectBinary, type BinaryInfo } from "./binfmt.ts";
import { assetName, type Target } from "./targets.ts";

/** aegis's embedded module graph is several MB; a runtime alone carries a few bytes. Anything under this is not aegis. */
export const MIN_BUN_SECTION = 1_000_000;

const FORMAT = { linux: "elf", darwin: "macho", windows: "pe" } as const;

/** The PT_INTERP a Linux asset must name: the loader its libc installs. */
export function expectedInterpreter(t: Target): string | undefined {
  if (t.os !== "linux") return undefined;
  if (t.libc === "musl") return `/lib/ld-musl-${t.arch === "x64" ? "x86_64" : "aarch64"}.so.1`;
  return t.arch === "x64" ? "/lib64/ld-linux-x86-64.so.2" : "/lib/ld-linux-aarch64.so.1";
}

/** Everything wrong with `info` as the asset for `t` (empty when it may ship). */
export function assetProblems(t: Target, info: BinaryInfo): string[] {
  const problems: string[] = [];
  if (info.format !== FORMAT[t.os]) problems.push(`format is ${info.format}, expected ${FORMAT[t.os]}`);
  if (info.arch !== t.arch) problems.push(`architecture is ${info.arch}, expected ${t.arch}`);
  const interp = expectedInterpreter(t);
  if (interp !== undefined && info.interpreter !== interp) problems.push(`loader is ${info.interpreter ?? "none"}, expected ${interp}`);
  const bun = bunSectionSize(info);
  if (bun < MIN_BUN_SECTION) problems.push(`embedded bytecode section is ${bun} bytes (expected at least ${MIN_BUN_SECTION})`);
  if (t.os === "darwin") {
    const sig = info.macho?.signature;
    if (!sig) problems.push("no LC_CODE_SIGNATURE: macOS on Apple silicon refuses unsigned code");
    else if (!sig.valid) problems.push(`code signature does not verify: ${sig.problems.join("; ")}`);
  }
  if (t.os === "windows" && info.subsystem !== 3) problems.push(`PE subsystem is ${info.subsystem}, expected 3 (console)`);
  return problems;
}

export function readBinary(file: string): BinaryInfo {
  return inspectBinary(new Uint8Array(readFileSync(file)));
}

export interface BuildOptions {
  /** The Bun runtime to embed; omitted = the running Bun (a host build). */
  runtime?: string;
  /** Baked into `aegis --version --json`. */
  commit: string;
  /** The output file name; default the asset name (aegis-<target>[.exe]). */
  fileName?: string;
  /** Keep the file even when it fails its checks (to re-sign a darwin-x64 build on a Mac). */
  keepFailed?: boolean;
}

export interface Built {
  target: Target;
  file: string;
  bytes: number;
  bunSection: number;
  seconds: number;
  problems: string[];
  /** Why this asset's `aegis ui` lacks its native library (scripts/opentui-native.ts); undefined when it has it. */
  warning?: string;
}

/**
 * Compiles the asset for `t` into `outDir` under its final name (Bun embeds the basename, so this keeps builds
 * reproducible) by way of a staging folder: a build that fails its checks never replaces a good file.
 */
export async function buildAsset(t: Target, outDir: string, opts: BuildOptions): Promise<Built> {
  const name = opts.fileName ?? assetName(t);
  const staging = join(outDir, ".staging");
  const staged = join(staging, name);
  rmSync(staged, { force: true });
  const started = performance.now();
  const defines = [`--define=AEGIS_BUILD_COMMIT=${JSON.stringify(opts.commit)}`, `--define=AEGIS_BUILD_TARGET=${JSON.stringify(t.name)}`];
  const cross = opts.runtime ? [`--target=${t.bun}`, `--compile-executable-path=${opts.runtime}`] : [];
  // Bun appends .exe to a Windows outfile itself.
  const native = await compileAegis(t.os === "windows" ? staged.replace(/\.exe$/, "") : staged, [...cross, ...defines], t);
  const seconds = (performance.now() - started) / 1000;
  if (!existsSync(staged)) throw new Error(`bun build reported success but wrote no ${staged}`);
  const bytes = statSync(staged).size;
  const info = readBinary(staged);
  const problems = assetProblems(t, info);
  const file = join(outDir, name);
  if (problems.length === 0 || opts.keepFailed) renameSync(staged, file);
  else rmSync(staged, { force: true });
  if (readdirSync(staging).length === 0) rmSync(staging, { recursive: true, force: true });
  return { target: t, file, bytes, bunSection: bunSectionSize(info), seconds, problems, ...(native.warning ? { warning: native.warning } : {}) };
}

export function sha256File(file: string): string {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}

/** Writes `sha256sum`-format SHA256SUMS (`<hex>  <name>`, sorted by name) for `files` into `outDir`; returns its path. */
export function writeSums(outDir: string, files: string[]): string {
  const lines = files.map((f) => `${sha256File(f)}  ${basename(f)}`).sort((a, b) => a.slice(66).localeCompare(b.slice(66)));
  const path = join(outDir, "SHA256SUMS");
  writeFileSync(path, `${lines.join("\n")}\n`);
  return path;
}

/** The commit being built: `git rev-parse` (12 hex digits, `-dirty` with uncommitted tracked changes), or "unknown". */
export async function gitCommit(): Promise<string> {
  const git = async (args: string[]) => {
    const p = Bun.spawn(["git", ...args], { cwd: ROOT, stdout: "pipe", stderr: "ignore" });
    const [out, code] = await Promise.all([new Response(p.stdout).text(), p.exited]);
    return code === 0 ? out.trim() : undefined;
  };
  try {
    const head = await git(["rev-parse", "--short=12", "HEAD"]);
    if (!head) return "unknown";
    const dirty = await git(["status", "--porcelain", "--untracked-files=no"]);
    return dirty ? `${head}-dirty` : head;
  } catch {
    return "unknown"; // no git on this machine: the build still works, the binary just cannot name its commit
  }
}
