// The Bun runtime a cross build embeds, one per platform: npm's @oven/bun-<pkg> at exactly the running Bun's version
// (`npm pack`, so npm's own registry configuration and integrity checks apply). Each is cached once in
// dist/.bun-runtimes/bun-<pkg>-v<version>/ (about 100 MB each), so CI pays each ~50 MB download once per Bun version.
// This file only fetches and caches; it never builds.

import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../compile.ts";
import type { Target } from "./targets.ts";

export const RUNTIME_CACHE = join(ROOT, "dist", ".bun-runtimes");

/** Where the cached runtime of `t` for Bun `version` lives (whether or not it is there yet). */
export function runtimePath(t: Target, version = Bun.version, cache = RUNTIME_CACHE): string {
  return join(cache, `bun-${t.pkg}-v${version}`, t.os === "windows" ? "bun.exe" : "bun");
}

export function isRuntimeCached(t: Target, version = Bun.version, cache = RUNTIME_CACHE): boolean {
  return existsSync(runtimePath(t, version, cache));
}

async function run(cmd: string[], cwd: string): Promise<void> {
  const p = Bun.spawn(cmd, { cwd, stdout: "pipe", stderr: "pipe" });
  const [code, out, err] = await Promise.all([p.exited, new Response(p.stdout).text(), new Response(p.stderr).text()]);
  if (code !== 0) throw new Error(`${cmd.join(" ")} failed (exit ${code}):\n${err || out}`);
}

/** The runtime for `t`, downloaded into the cache on first use. Concurrent calls for different targets are safe. */
export async function fetchRuntime(t: Target, version = Bun.version, cache = RUNTIME_CACHE): Promise<string> {
  const bin = runtimePath(t, version, cache);
  if (existsSync(bin)) return bin;
  mkdirSync(cache, { recursive: true });
  const spec = `@oven/bun-${t.pkg}@${version}`;
  // Unpack beside the cache entry, then rename: an interrupted download never leaves a half-written runtime behind.
  const scratch = mkdtempSync(join(cache, `.partial-${t.pkg}-`));
  try {
    await run(["npm", "pack", spec, "--silent", "--pack-destination", scratch], scratch);
    const tgz = readdirSync(scratch).find((f) => f.endsWith(".tgz"));
    if (!tgz) throw new Error(`npm pack ${spec} produced no tarball`);
    const inner = `package/bin/${t.os === "windows" ? "bun.exe" : "bun"}`;
    await run(["tar", "-xzf", tgz, inner], scratch);
    const entry = join(scratch, "entry");
    mkdirSync(entry);
    renameSync(join(scratch, inner), join(entry, t.os === "windows" ? "bun.exe" : "bun"));
    try {
      renameSync(entry, join(bin, ".."));
    } catch (err) {
      if (!existsSync(bin)) throw err; // another build cached the same runtime meanwhile: use theirs
    }
    return bin;
  } catch (err) {
    throw new Error(`cannot get the Bun runtime for ${t.name} (${spec}): ${(err as Error).message}`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
