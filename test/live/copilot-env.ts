// GitHub Copilot CLI (.live/, pinned) as a generic ACP agent for the live tests: where its native binary is, whether it
// is installed at the pinned version, and an isolated environment that runs it offline against the loopback mock LLM
// with BYOK (reference/acp-agents.md): COPILOT_OFFLINE, a provider base URL on 127.0.0.1, a temp COPILOT_HOME, no
// GitHub token. The runner's routing variables (and any COPILOT_*/GitHub token of its own) are blanked. It never starts
// the CLI itself.

import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Permission } from "../../src/config/providers.ts";
import { ACPAgent } from "../../src/drivers/acp-agent/provider.ts";
import { shieldFromHost } from "./host-env.ts";
import { LIVE_DIR } from "./live-install.ts";
import type { MockLlm } from "./mock-llm.ts";

/** Keep in step with scripts/install-live-clis.sh. */
export const COPILOT_VERSION = "1.0.102";
const PKG_DIR = join(LIVE_DIR, "node_modules", "@github", "copilot");
/**
 * The native binary, run directly: the package's `npm-loader.js` is a node process that spawnSyncs it, so a signal
 * aegis sends to the loader would not reach the agent.
 */
export const COPILOT_BIN = join(LIVE_DIR, "node_modules", "@github", `copilot-linux-${process.arch}`, "copilot");
/** `--no-auto-update`: the binary must never replace itself during a test. */
export const COPILOT_ARGS = ["--acp", "--no-auto-update"];
export const COPILOT_MODEL = "mock-model";

/** Undefined when Copilot CLI is installed at the pinned version; otherwise why not. */
export function copilotMissing(): string | undefined {
  if (process.platform !== "linux") return `the live Copilot test runs on Linux only (this is ${process.platform})`;
  const manifest = join(PKG_DIR, "package.json");
  if (!existsSync(manifest)) return `@github/copilot is not installed in ${LIVE_DIR} (run scripts/install-live-clis.sh)`;
  const found = (JSON.parse(readFileSync(manifest, "utf8")) as { version?: string }).version;
  if (found !== COPILOT_VERSION) return `@github/copilot ${found} is installed, the live test pins ${COPILOT_VERSION} (run scripts/install-live-clis.sh)`;
  if (!existsSync(COPILOT_BIN)) return `${COPILOT_BIN} is missing (its platform package was not installed)`;
  return undefined;
}

/** Skips (printing why) when Copilot CLI is missing; AEGIS_LIVE=1 makes a missing install a failure; AEGIS_LIVE=0 skips. */
export function skipCopilot(): boolean {
  if (process.env.AEGIS_LIVE === "0") {
    console.warn("[live] skipping copilot: AEGIS_LIVE=0");
    return true;
  }
  const why = copilotMissing();
  if (!why) return false;
  if (process.env.AEGIS_LIVE === "1") throw new Error(`[live] AEGIS_LIVE=1 but ${why}`);
  console.warn(`[live] skipping copilot: ${why}`);
  return true;
}

export interface CopilotEnv extends AsyncDisposable {
  root: string;
  home: string;
  workDir: string;
  /** AEGIS_LIVE_TAG of every process of this agent, to find leftovers in /proc. */
  tag: string;
  env: Record<string, string>;
  /** A fresh ACPAgent for this environment (`command[0]` may be a wrapper, e.g. the strace one). */
  agent(permission: Permission, o?: { command0?: string; model?: string }): ACPAgent;
  cleanup(): Promise<void>;
}

/** A fresh temp home and work dir, and the environment that keeps Copilot CLI offline and on the mock. */
export async function makeCopilotEnv(mock: MockLlm): Promise<CopilotEnv> {
  const root = await mkdtemp(join(tmpdir(), "aegis-live-copilot-"));
  const home = join(root, "home");
  const workDir = join(root, "work");
  await mkdir(home, { recursive: true });
  await mkdir(workDir, { recursive: true });
  await writeFile(join(workDir, "README.md"), "A scratch work dir for an aegis live test.\n");
  const tag = crypto.randomUUID();
  const hostCopilot = Object.fromEntries(Object.keys(process.env).filter((k) => /^COPILOT_/.test(k)).map((k) => [k, ""]));
  const env = shieldFromHost({
    ...hostCopilot,
    HOME: home,
    AEGIS_LIVE_TAG: tag,
    NO_PROXY: "127.0.0.1,localhost",
    no_proxy: "127.0.0.1,localhost",
    TERM: "dumb",
    COPILOT_HOME: join(home, ".copilot"),
    COPILOT_OFFLINE: "true",
    COPILOT_AUTO_UPDATE: "false",
    COPILOT_PROVIDER_BASE_URL: `${mock.url}/v1`,
    COPILOT_PROVIDER_TYPE: "openai",
    COPILOT_PROVIDER_API_KEY: "mock-key-not-real",
    COPILOT_MODEL,
    GH_TOKEN: "",
    GITHUB_TOKEN: "",
  });
  const cleanup = () => rm(root, { recursive: true, force: true });
  return {
    root, home, workDir, tag, env,
    agent: (permission, o = {}) => new ACPAgent({
      command: [o.command0 ?? COPILOT_BIN, ...COPILOT_ARGS], permission, name: "Copilot CLI", env, ...(o.model ? { model: o.model } : {}),
    }),
    cleanup,
    [Symbol.asyncDispose]: cleanup,
  };
}
