// Shared by the release tests: whether they run here, building into a temp folder with the one release command, and
// the foreign-architecture set-up (qemu-user with a glibc arm64 sysroot from Debian's libc6-arm64-cross).
// AEGIS_RELEASE_TESTS=1 (set by .ci/run) makes them mandatory; otherwise they run when their inputs are already here
// (the Bun runtimes cached by an earlier build, qemu installed), so a plain `bun test` never downloads 600 MB.

import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join, sep } from "node:path";
import { ROOT } from "../../scripts/compile.ts";
import { isRuntimeCached } from "../../scripts/release/runtimes.ts";
import { releaseTargets, type Target } from "../../scripts/release/targets.ts";

export const MANDATORY = process.env.AEGIS_RELEASE_TESTS === "1";

export function runtimesCached(targets: Target[] = releaseTargets()): boolean {
  return targets.every((t) => isRuntimeCached(t));
}

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

export async function run(cmd: string[], opts: { cwd?: string; env?: Record<string, string | undefined> } = {}): Promise<Result> {
  const p = Bun.spawn(cmd, { cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env, stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout, stderr };
}

/** `bun scripts/build.ts <args> --out <dir>`; throws with its output if it fails. */
export async function buildInto(dir: string, args: string[]): Promise<Result> {
  const r = await run([process.execPath, join(ROOT, "scripts", "build.ts"), ...args, "--out", dir]);
  if (r.code !== 0) throw new Error(`build ${args.join(" ")} failed (exit ${r.code}):\n${r.stderr}${r.stdout}`);
  return r;
}

/** The quickstart project (config and workflows) copied into a fresh folder with no node_modules above it. */
export function copyQuickstart(dest: string): void {
  cpSync(join(ROOT, "examples", "quickstart"), dest, { recursive: true, filter: (src) => !src.includes(`${sep}.aegis${sep}`) });
}

export function findOnPath(name: string): string | undefined {
  return Bun.which(name) ?? undefined;
}

const SYSROOT_CACHE = join(ROOT, "dist", ".cross-sysroot", "arm64");

/**
 * The glibc arm64 libraries qemu-aarch64 needs (its -L folder), unpacked once from Debian's libc6-arm64-cross with
 * `apt-get download` + `dpkg-deb -x`: no multiarch set-up, nothing installed system-wide.
 */
export async function arm64Sysroot(): Promise<string> {
  const lib = join(SYSROOT_CACHE, "usr", "aarch64-linux-gnu");
  if (existsSync(join(lib, "lib", "ld-linux-aarch64.so.1"))) return lib;
  mkdirSync(join(SYSROOT_CACHE, ".."), { recursive: true });
  const scratch = mkdtempSync(join(SYSROOT_CACHE, "..", ".partial-"));
  try {
    const dl = await run(["apt-get", "download", "libc6-arm64-cross"], { cwd: scratch });
    const deb = readdirSync(scratch).find((f) => f.endsWith(".deb"));
    if (dl.code !== 0 || !deb) throw new Error(`apt-get download libc6-arm64-cross failed (run apt-get update?):\n${dl.stderr}`);
    const x = await run(["dpkg-deb", "-x", deb, "root"], { cwd: scratch });
    if (x.code !== 0) throw new Error(`dpkg-deb -x ${deb} failed:\n${x.stderr}`);
    rmSync(SYSROOT_CACHE, { recursive: true, force: true });
    renameSync(join(scratch, "root"), SYSROOT_CACHE);
    return lib;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
