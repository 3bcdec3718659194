// The conformance fixture of every provider in the table (src/drivers/providers.ts): how to build the provider on
// its fake CLI, and what the driver can do (caps). test/drivers/conformance-all.test.ts runs the conformance suite
// for each table entry from here; an entry with no fixture fails that test, so a provider cannot skip conformance.
// Fixture code only: no assertion, no process started at import.

import { join } from "node:path";
import { ACPAgent, ClaudeCode, Codex, GeminiCLI, OpenCode, Scripted, type Provider } from "../../src/config/providers.ts";
import type { ConformanceOptions, ProviderContext } from "./conformance.ts";
import { scriptedConformanceReply } from "./scripted-conformance.ts";

const BIN = join(import.meta.dir, "../fixtures/bin");
export const FAKE_CLAUDE = join(BIN, "fake-claude");
export const FAKE_ACP = join(BIN, "fake-acp");
export const FAKE_CODEX = join(BIN, "fake-codex");

export interface ConformanceFixture {
  /** Shown in the suite's name: "claude-code (fake-claude)". */
  label: string;
  /** A provider on its fake CLI, at ctx.permission, keeping conversations in ctx.stateDir and logging turns to ctx.logFile. */
  make(ctx: ProviderContext): Provider;
  opts: ConformanceOptions;
}

/** The fake ACP agent's state dir and turn log. */
export const fakeAcpEnv = (ctx: Pick<ProviderContext, "stateDir" | "logFile">) => ({ FAKE_ACP_STATE_DIR: ctx.stateDir, FAKE_CLI_LOG: ctx.logFile });

const PROCESS_CAPS = { process: true, tools: true, interruptMidTool: true, resume: true, permissions: true, turnLog: true };
const ACP_CRASH = "fake-acp: simulated crash (MODE:crash)";

/** Provider name (as in the table) → its conformance fixture. */
export const CONFORMANCE_FIXTURES: Record<string, ConformanceFixture> = {
  "claude-code": {
    label: "claude-code (fake-claude)",
    make: (ctx) => new ClaudeCode({
      model: "claude-sonnet-4-5",
      permission: ctx.permission,
      bin: FAKE_CLAUDE,
      // We run as root here; the real CLI needs IS_SANDBOX=1 for bypassPermissions in that case, and so does the fake.
      env: { FAKE_CLAUDE_STATE_DIR: ctx.stateDir, FAKE_CLI_LOG: ctx.logFile, IS_SANDBOX: "1" },
    }),
    opts: { caps: PROCESS_CAPS, crashStderr: "fake-claude: simulated crash (MODE:crash)" },
  },
  gemini: {
    label: "gemini (fake-acp)",
    make: (ctx) => new GeminiCLI({ model: "gemini-2.5-flash", permission: ctx.permission, bin: FAKE_ACP, env: fakeAcpEnv(ctx) }),
    // Gemini reports a shell command's output only to the model, never in the tool-call update (real-clis.md §2).
    opts: { caps: PROCESS_CAPS, crashStderr: ACP_CRASH, shellOutputInToolResult: false },
  },
  opencode: {
    label: "opencode (fake-acp)",
    make: (ctx) => new OpenCode({ model: "opencode/big-pickle", permission: ctx.permission, bin: FAKE_ACP, env: fakeAcpEnv(ctx) }),
    opts: { caps: PROCESS_CAPS, crashStderr: ACP_CRASH },
  },
  codex: {
    label: "codex (fake-codex)",
    // CODEX_HOME is where the fake keeps its threads, as Codex keeps its rollouts there.
    make: (ctx) => new Codex({ model: "gpt-5.5", permission: ctx.permission, bin: FAKE_CODEX, env: { CODEX_HOME: ctx.stateDir, FAKE_CLI_LOG: ctx.logFile } }),
    opts: { caps: PROCESS_CAPS, crashStderr: "fake-codex: simulated crash (MODE:crash)" },
  },
  acp: {
    label: "acp (fake-acp --flavor generic)",
    // An agent aegis knows nothing of, advertising Qwen Code's modes: plan for read, auto-edit for write, yolo for full.
    make: (ctx) => new ACPAgent({ command: [FAKE_ACP, "--flavor", "generic"], permission: ctx.permission, name: "generic agent", env: fakeAcpEnv(ctx) }),
    opts: { caps: PROCESS_CAPS, crashStderr: ACP_CRASH },
  },
  scripted: {
    label: "scripted (in-process)",
    make: () => new Scripted({ reply: scriptedConformanceReply }),
    opts: {
      caps: { process: false, tools: true, interruptMidTool: false, resume: true, stableSessionId: false, permissions: false, turnLog: false },
    },
  },
};
