import { join } from "node:path";
import { ClaudeCode } from "../../../src/config/providers.ts";
import { runDriverConformance } from "../conformance.ts";

export const FAKE_CLAUDE = join(import.meta.dir, "../../fixtures/bin/fake-claude");

runDriverConformance(
  "claude (fake-claude)",
  (ctx) => new ClaudeCode({
    model: "claude-sonnet-4-5",
    permission: ctx.permission,
    bin: FAKE_CLAUDE,
    // We run as root here; the real CLI needs IS_SANDBOX=1 for bypassPermissions in that case, and so does the fake.
    env: { FAKE_CLAUDE_STATE_DIR: ctx.stateDir, FAKE_CLI_LOG: ctx.logFile, IS_SANDBOX: "1" },
  }),
  {
    caps: { process: true, tools: true, interruptMidTool: true, resume: true, permissions: true, turnLog: true },
    crashStderr: "fake-claude: simulated crash (MODE:crash)",
  },
);
