// The aegis version, inlined at build time from package.json, and what `aegis --version [--json]` prints. A release
// build bakes the commit and the target in (`--define AEGIS_BUILD_COMMIT=… AEGIS_BUILD_TARGET=…`, scripts/build.ts);
// run from source, the commit is read from .git if it is there (two small file reads, no git process) and the target
// is "source". Kept free of other aegis imports: main.ts answers --version from here before loading anything else.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import pkg from "../package.json" with { type: "json" };

declare const AEGIS_BUILD_COMMIT: string | undefined;
declare const AEGIS_BUILD_TARGET: string | undefined;

export const VERSION: string = pkg.version;

export interface VersionInfo {
  version: string;
  /** The git commit built (12 hex digits, `-dirty` for a build with uncommitted changes), or "dev". */
  commit: string;
  /** The release target (linux-x64, darwin-arm64, linux-arm64-musl, …), or "source" when run by Bun from source. */
  target: string;
}

export function versionInfo(): VersionInfo {
  return {
    version: VERSION,
    commit: typeof AEGIS_BUILD_COMMIT === "string" ? AEGIS_BUILD_COMMIT : sourceCommit(),
    target: typeof AEGIS_BUILD_TARGET === "string" ? AEGIS_BUILD_TARGET : "source",
  };
}

/** The text for `--version`/`-v`, alone or with `--json` (either order); undefined when argv asks for something else. */
export function versionText(argv: readonly string[]): string | undefined {
  const asks = (a: string | undefined) => a === "--version" || a === "-v";
  if (argv.length === 1 && asks(argv[0])) return VERSION;
  if (argv.length === 2 && argv.includes("--json") && argv.some(asks)) return JSON.stringify(versionInfo());
  return undefined;
}

/** HEAD's commit from the checkout this file sits in, without running git; "dev" when there is none. */
function sourceCommit(): string {
  try {
    const git = join(import.meta.dir, "..", ".git");
    const head = readFileSync(join(git, "HEAD"), "utf8").trim();
    if (!head.startsWith("ref: ")) return head.slice(0, 12);
    const ref = head.slice(5);
    let sha: string | undefined;
    try {
      sha = readFileSync(join(git, ref), "utf8").trim();
    } catch {
      // A packed ref: look it up in packed-refs (`<sha> <ref>` lines).
      sha = readFileSync(join(git, "packed-refs"), "utf8").split("\n").find((l) => l.endsWith(` ${ref}`))?.split(" ")[0];
    }
    return sha && /^[0-9a-f]{40}/.test(sha) ? sha.slice(0, 12) : "dev";
  } catch {
    return "dev"; // not a git checkout (an npm install, a compiled binary built without the define)
  }
}
