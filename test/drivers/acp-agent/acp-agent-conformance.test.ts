// The conformance suite for ACPAgent over agents whose modes fit few or no permission levels (the table's fixture
// covers the Qwen-like one): Copilot-like (#agent / #plan / #autopilot: only read has a mode) and one with no modes at
// all, where every level is enforced by aegis answering the agent's permission requests (#10).

import { ACPAgent } from "../../../src/config/providers.ts";
import { FAKE_ACP, fakeAcpEnv } from "../../fixtures/fake-providers.ts";
import { runDriverConformance } from "../conformance.ts";

const CAPS = { process: true, tools: true, interruptMidTool: true, resume: true, permissions: true, turnLog: true };

for (const modes of ["copilot", "none"] as const) {
  runDriverConformance(
    `acp (fake-acp --flavor generic, ${modes} modes)`,
    (ctx) => new ACPAgent({ command: [FAKE_ACP, "--flavor", "generic"], permission: ctx.permission, env: { ...fakeAcpEnv(ctx), FAKE_ACP_MODES: modes } }),
    { caps: CAPS, crashStderr: "fake-acp: simulated crash (MODE:crash)" },
  );
}
