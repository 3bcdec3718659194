// Per-test isolation for the real provider CLIs: a fresh temp root holding a home, config dirs and a work dir, the
// exact environment and settings files each CLI needs to run offline against the mock LLM (see
// shared/reference/real-clis.md), and provider objects ready for `startAgent`. Each CLI is pointed at 127.0.0.1 only;
// telemetry, update checks and background installs are switched off or pre-empted. A CLI inherits the test runner's
// whole environment, so the runner's routing variables are blanked (host-env.ts) and the isolation set always wins.
// It must not read or write the real home, and it never starts a CLI itself.

import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClaudeCode, Codex, GeminiCLI, OpenCode, type InheritEnv, type Permission } from "../../src/config/providers.ts";
import type { McpServerSpec } from "../../src/drivers/driver.ts";
import { CODEX_MOCK_MODEL, prepareCodexHome } from "./codex-env.ts";
import { shieldFromHost } from "./host-env.ts";
import type { MockLlm } from "./mock-llm.ts";
import { LIVE_CLIS, type LiveCliName } from "./live-install.ts";

export interface LiveEnv extends AsyncDisposable {
  readonly cli: LiveCliName;
  /** The temp root; everything below is removed by `cleanup`. */
  readonly root: string;
  /** The CLI's HOME. */
  readonly home: string;
  /** The CLI's working directory (StartOptions.cwd). */
  readonly workDir: string;
  /** A unique value in every CLI process's environment (AEGIS_LIVE_TAG), to find leftovers in /proc. */
  readonly tag: string;
  /** The provider object for `startAgent`: bin points at .live/, env at the mock and the temp dirs. */
  readonly provider: ClaudeCode | GeminiCLI | OpenCode | Codex;
  /** The stdio MCP stub (test/fixtures/mcp-echo.ts), logging its calls under root. */
  readonly mcpEcho: McpServerSpec;
  /** The tool calls the MCP stub received, in order. */
  mcpEchoCalls(): Promise<Array<{ tool: string; args: Record<string, unknown> }>>;
  cleanup(): Promise<void>;
}

export const LIVE_MODELS: Record<LiveCliName, string> = {
  claude: "claude-sonnet-4-5",
  gemini: "gemini-2.5-flash",
  opencode: "mock/mock-model",
  codex: CODEX_MOCK_MODEL,
};

const MCP_ECHO = join(import.meta.dir, "..", "fixtures", "mcp-echo.ts");

/** Creates a fresh isolated environment for one CLI. Dispose it (or call cleanup) when the test ends. */
export async function makeLiveEnv(
  cli: LiveCliName,
  mock: MockLlm,
  opts: {
    permission?: Permission;
    wrapBin?: (realBin: string, root: string) => Promise<string>;
    /** The provider's inheritEnv (default: the provider's default, "all"). */
    inheritEnv?: InheritEnv;
    /** Isolation variables to leave out, so that the runner's own value (if any) is inherited instead. */
    omit?: string[];
  } = {},
): Promise<LiveEnv> {
  const root = await mkdtemp(join(tmpdir(), `aegis-live-${cli}-`));
  const home = join(root, "home");
  const workDir = join(root, "work");
  await mkdir(home, { recursive: true });
  await mkdir(workDir, { recursive: true });
  await writeFile(join(workDir, "README.md"), "A scratch work dir for an aegis live test.\n");
  const tag = crypto.randomUUID();
  const permission = opts.permission ?? "full";
  const bin = opts.wrapBin ? await opts.wrapBin(LIVE_CLIS[cli].bin, root) : LIVE_CLIS[cli].bin;

  const common: Record<string, string> = {
    HOME: home,
    AEGIS_LIVE_TAG: tag,
    NO_PROXY: "127.0.0.1,localhost",
    no_proxy: "127.0.0.1,localhost",
    TERM: "dumb",
  };
  const isolated = (own: Record<string, string>) => {
    const set: Record<string, string> = { ...common, ...own };
    for (const name of opts.omit ?? []) delete set[name];
    return shieldFromHost(set);
  };
  const shared = { permission, bin, ...(opts.inheritEnv ? { inheritEnv: opts.inheritEnv } : {}) };
  let provider: ClaudeCode | GeminiCLI | OpenCode | Codex;
  if (cli === "claude") {
    provider = new ClaudeCode({ model: LIVE_MODELS.claude, ...shared, env: isolated(claudeEnv(mock, root)) });
  } else if (cli === "gemini") {
    await writeGeminiSettings(home);
    provider = new GeminiCLI({ model: LIVE_MODELS.gemini, ...shared, env: isolated(geminiEnv(mock, home)) });
  } else if (cli === "codex") {
    // The real binary, not a strace wrapper: the catalog comes from `codex debug models --bundled`.
    const codexEnv = await prepareCodexHome(root, mock, LIVE_CLIS.codex.bin);
    provider = new Codex({ model: LIVE_MODELS.codex, ...shared, env: isolated(codexEnv) });
  } else {
    await seedOpenCodeConfigDir(home);
    provider = new OpenCode({ model: LIVE_MODELS.opencode, ...shared, env: isolated(openCodeEnv(mock, home)) });
  }

  const mcpLog = join(root, "mcp-echo.log");
  const cleanup = async () => {
    await rm(root, { recursive: true, force: true });
  };
  return {
    cli, root, home, workDir, tag, provider,
    mcpEcho: { type: "stdio", name: "echo", command: process.execPath, args: [MCP_ECHO], env: { MCP_ECHO_LOG: mcpLog } },
    mcpEchoCalls: async () => {
      const text = await readFile(mcpLog, "utf8").catch((err: NodeJS.ErrnoException) => {
        if (err.code === "ENOENT") return ""; // no call was made: the log is created on the first call
        throw err;
      });
      return text.split("\n").filter(Boolean).map((l) => JSON.parse(l) as { tool: string; args: Record<string, unknown> });
    },
    cleanup,
    [Symbol.asyncDispose]: cleanup,
  };
}

export function claudeEnv(mock: MockLlm, root: string): Record<string, string> {
  return {
    ANTHROPIC_BASE_URL: mock.url,
    ANTHROPIC_API_KEY: "sk-ant-mock-not-a-real-key",
    CLAUDE_CONFIG_DIR: join(root, "claude-config"),
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    DISABLE_AUTOUPDATER: "1",
    DISABLE_TELEMETRY: "1",
    DISABLE_ERROR_REPORTING: "1",
    // Default is 10 retries with backoff up to 32 s; one retry keeps an API-error turn near 1 s.
    CLAUDE_CODE_MAX_RETRIES: "1",
    // The tests run as root; without it claude refuses bypassPermissions (`--dangerously-skip-permissions …`).
    IS_SANDBOX: "1",
    // A CLI inherits the runner's environment: these route traffic elsewhere, so they are blank even when the runner
    // lacks them (host-env.ts blanks the rest of the runner's routing variables).
    ANTHROPIC_AUTH_TOKEN: "",
    CLAUDE_CODE_USE_BEDROCK: "",
    CLAUDE_CODE_USE_VERTEX: "",
    CLAUDE_CODE_USE_FOUNDRY: "",
  };
}

export function geminiEnv(mock: MockLlm, home: string): Record<string, string> {
  return {
    GEMINI_CLI_HOME: home,
    GEMINI_API_KEY: "mock-gemini-key",
    GOOGLE_GEMINI_BASE_URL: mock.url,
    GEMINI_TELEMETRY_ENABLED: "false",
    // One process instead of a relaunched child whose parent ignores SIGINT/SIGTERM.
    GEMINI_CLI_NO_RELAUNCH: "true",
    NO_BROWSER: "true",
  };
}

/** Without this file gemini made DNS lookups at start; with it, none (real-clis.md §2). */
async function writeGeminiSettings(home: string): Promise<void> {
  const dir = join(home, ".gemini");
  await mkdir(dir, { recursive: true });
  const settings = {
    security: { auth: { selectedType: "gemini-api-key" }, folderTrust: { enabled: false } },
    privacy: { usageStatisticsEnabled: false },
    telemetry: { enabled: false },
    general: { enableAutoUpdate: false, enableAutoUpdateNotification: false, maxAttempts: 2 },
  };
  await writeFile(join(dir, "settings.json"), `${JSON.stringify(settings, null, 2)}\n`);
}

/** The mock provider for OpenCode. The driver merges its own `model`/`permission` into this config. */
export function openCodeConfig(mock: MockLlm): Record<string, unknown> {
  return {
    $schema: "https://opencode.ai/config.json",
    model: LIVE_MODELS.opencode,
    small_model: LIVE_MODELS.opencode,
    autoupdate: false,
    share: "disabled",
    provider: {
      mock: {
        npm: "@ai-sdk/openai-compatible",
        name: "Mock LLM",
        options: { baseURL: `${mock.url}/v1`, apiKey: "mock-openai-key" },
        models: { "mock-model": { name: "Mock Model", tool_call: true, limit: { context: 128000, output: 8192 } } },
      },
    },
  };
}

export function openCodeEnv(mock: MockLlm, home: string): Record<string, string> {
  return {
    XDG_CONFIG_HOME: join(home, ".config"),
    XDG_DATA_HOME: join(home, ".local", "share"),
    XDG_CACHE_HOME: join(home, ".cache"),
    XDG_STATE_HOME: join(home, ".local", "state"),
    OPENCODE_CONFIG_CONTENT: JSON.stringify(openCodeConfig(mock)),
    OPENCODE_DISABLE_MODELS_FETCH: "1",
    OPENCODE_DISABLE_AUTOUPDATE: "1",
    OPENCODE_DISABLE_SHARE: "1",
    OPENCODE_DISABLE_LSP_DOWNLOAD: "1",
    OPENCODE_DISABLE_DEFAULT_PLUGINS: "1",
    OPENCODE_DISABLE_CLAUDE_CODE: "1",
    OPENCODE_DISABLE_EXTERNAL_SKILLS: "1",
  };
}

/**
 * On a fresh home opencode forks a background `npm install @opencode-ai/plugin` into ~/.config/opencode (DNS + 443 to
 * the registry). It skips that when node_modules exists and the lockfile lists every dependency, so seed exactly that.
 */
async function seedOpenCodeConfigDir(home: string): Promise<void> {
  const dir = join(home, ".config", "opencode");
  const version = LIVE_CLIS.opencode.version;
  const plugin = join(dir, "node_modules", "@opencode-ai", "plugin");
  await mkdir(plugin, { recursive: true });
  await writeFile(join(plugin, "package.json"), JSON.stringify({ name: "@opencode-ai/plugin", version }));
  await writeFile(join(dir, "package.json"), JSON.stringify({ dependencies: { "@opencode-ai/plugin": version } }, null, 2));
  const lock = {
    name: "opencode",
    lockfileVersion: 3,
    requires: true,
    packages: {
      "": { dependencies: { "@opencode-ai/plugin": version } },
      "node_modules/@opencode-ai/plugin": { version },
    },
  };
  await writeFile(join(dir, "package-lock.json"), JSON.stringify(lock, null, 2));
}
