// The driver conformance suite for both ACP drivers, against the fake ACP agent in each CLI's flavor. The fake picks
// its flavor from the command line the driver builds (`--acp` → Gemini CLI, `acp` → OpenCode).

import { GeminiCLI, OpenCode } from "../../../src/config/providers.ts";
import { runDriverConformance, type ConformanceOptions } from "../conformance.ts";
import { FAKE_ACP, fakeEnv } from "./fake-acp.ts";

const common: ConformanceOptions = {
  caps: { process: true, tools: true, interruptMidTool: true, resume: true, permissions: true, turnLog: true },
  crashStderr: "fake-acp: simulated crash (MODE:crash)",
};

runDriverConformance(
  "gemini (fake-acp)",
  (ctx) => new GeminiCLI({ model: "gemini-2.5-flash", permission: ctx.permission, bin: FAKE_ACP, env: fakeEnv(ctx) }),
  // Gemini reports a shell command's output only to the model, never in the tool-call update (real-clis.md §2).
  { ...common, shellOutputInToolResult: false },
);

runDriverConformance(
  "opencode (fake-acp)",
  (ctx) => new OpenCode({ model: "opencode/big-pickle", permission: ctx.permission, bin: FAKE_ACP, env: fakeEnv(ctx) }),
  common,
);
