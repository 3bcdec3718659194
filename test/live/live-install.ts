// Where the real provider CLIs live (.live/, installed by scripts/install-live-clis.sh) and whether they are there at
// the pinned versions, so that the live tests can skip cleanly with a reason on machines without them.
// It only reads files; it never installs anything.

import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

export type LiveCliName = "claude" | "gemini" | "opencode" | "codex";

/** The install folder; AEGIS_LIVE_DIR overrides it (same variable as the install script). */
export const LIVE_DIR = process.env.AEGIS_LIVE_DIR ?? resolve(import.meta.dir, "..", "..", ".live");

interface LiveCli {
  pkg: string;
  version: string;
  /** What the driver spawns (`provider.bin`). */
  bin: string;
}

/** Pinned versions: keep in step with scripts/install-live-clis.sh. */
export const LIVE_CLIS: Record<LiveCliName, LiveCli> = {
  claude: {
    pkg: "@anthropic-ai/claude-code",
    version: "2.1.197",
    bin: join(LIVE_DIR, "node_modules", "@anthropic-ai", "claude-code", "bin", "claude.exe"),
  },
  gemini: {
    pkg: "@google/gemini-cli",
    version: "0.61.0",
    // A `#!/usr/bin/env node` bundle: runs under the node on PATH (>= 20).
    bin: join(LIVE_DIR, "node_modules", "@google", "gemini-cli", "bundle", "gemini.js"),
  },
  opencode: {
    pkg: "opencode-ai",
    version: "1.18.33",
    bin: join(LIVE_DIR, "node_modules", "opencode-ai", "bin", "opencode.exe"),
  },
  codex: {
    pkg: "@openai/codex",
    version: "0.169.0",
    // The native binary that bin/codex.js would exec (its platform package is an npm alias of @openai/codex).
    bin: join(LIVE_DIR, "node_modules", "@openai", `codex-linux-${process.arch}`, "vendor",
      `${process.arch === "arm64" ? "aarch64" : "x86_64"}-unknown-linux-musl`, "bin", "codex"),
  },
};

/** Undefined when the CLI is installed at its pinned version; otherwise why it is not usable. */
export function liveCliMissing(cli: LiveCliName): string | undefined {
  const { pkg, version, bin } = LIVE_CLIS[cli];
  const manifest = join(LIVE_DIR, "node_modules", pkg, "package.json");
  if (!existsSync(manifest)) return `${pkg} is not installed in ${LIVE_DIR} (run scripts/install-live-clis.sh)`;
  let found: unknown;
  try {
    found = (JSON.parse(readFileSync(manifest, "utf8")) as { version?: unknown }).version;
  } catch (err) {
    return `${manifest} is unreadable: ${String(err)}`;
  }
  if (found !== version) return `${pkg} ${String(found)} is installed, the live tests pin ${version} (run scripts/install-live-clis.sh)`;
  if (!existsSync(bin)) return `${bin} is missing (the package's postinstall did not run?)`;
  return undefined;
}

/**
 * Whether to skip a CLI's live suite, printing the reason once when skipping. AEGIS_LIVE=0 skips all of them;
 * AEGIS_LIVE=1 turns a missing install into a failure instead of a skip (for CI, where they must run).
 */
export function skipLive(cli: LiveCliName): boolean {
  if (process.env.AEGIS_LIVE === "0") {
    console.warn(`[live] skipping ${cli}: AEGIS_LIVE=0`);
    return true;
  }
  const missing = liveCliMissing(cli);
  if (!missing) return false;
  if (process.env.AEGIS_LIVE === "1") throw new Error(`[live] AEGIS_LIVE=1 but ${missing}`);
  console.warn(`[live] skipping ${cli}: ${missing}`);
  return true;
}
