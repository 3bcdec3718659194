// A no-code (YAML) workflow on real CLIs against the loopback mock LLM (#13): an agent node with a JSON Schema, a
// loop whose until is a judge, and a bash node that reads the parsed reply. The mock echoes each prompt, so each
// prompt carries the JSON it should get back ahead of the schema hint: the reply's outermost JSON is read out of the
// CLI's real output and checked. Skips a CLI not installed in .live/ (AEGIS_LIVE=1: fails).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { validateConfig } from "../../src/config/validate.ts";
import { createRuntime } from "../../src/runtime.ts";
import { openStore } from "../../src/store/store.ts";
import { startRun } from "../../src/workflow/runner.ts";
import { specWorkflow } from "../../src/workflow/spec/load.ts";
import { validateSpec } from "../../src/workflow/spec/validate.ts";
import { makeLiveEnv } from "./cli-env.ts";
import { findTagged, waitFor } from "./live-helpers.ts";
import { skipLive, type LiveCliName } from "./live-install.ts";
import { startMockLlm, type MockLlm } from "./mock-llm.ts";

const TIMEOUT_MS = 180_000;
const CLIS: LiveCliName[] = ["claude", "gemini", "opencode"];

const SPEC = `name: live-spec
root:
  type: sequence
  id: main
  children:
    - type: agent
      id: plan
      prompt: 'Give the plan as JSON, e.g. {"steps": ["lint", "test"], "risk": "low"}'
      schema: { type: object, properties: { steps: { type: array, items: { type: string } }, risk: { enum: [low, high] } }, required: [steps, risk] }
    - type: loop
      id: check
      maxRounds: 2
      body: { type: bash, id: run, run: "echo {{ plan.steps.last }}-{{ plan.risk }}" }
      until: { judge: 'The output {"decision": true, "reason": "it ran"} shows {{ run.stdout }}' }
`;

let mock: MockLlm;
beforeAll(() => {
  mock = startMockLlm();
});
afterAll(async () => {
  await mock.stop();
});

for (const cli of CLIS) {
  describe.skipIf(skipLive(cli))(`live no-code workflow on ${cli} (#13)`, () => {
    test("a schema'd reply parsed from the CLI's output, a judge's decision, a bash node reading both", async () => {
      await using env = await makeLiveEnv(cli, mock, { permission: "read" });
      const config = validateConfig({ agents: { [cli]: { provider: env.provider } }, defaultAgent: cli }, `${env.workDir}/.aegis.ts`, env.workDir);
      const wf = specWorkflow(validateSpec(Bun.YAML.parse(SPEC), "live.yaml", { agents: [cli], defaultAgent: cli }), { root: env.workDir, agents: [cli], defaultAgent: cli });
      const store = openStore(":memory:");
      const rt = createRuntime({ config, store, queues: { pollMs: 0 } });
      let out;
      try {
        out = await startRun(rt, wf, {});
      } finally {
        await rt.close();
        store.close();
      }
      expect(out.error, JSON.stringify(out.error)).toBeUndefined();
      const res = out.result as { plan: unknown; check: { stdout: string }[] };
      expect(res.plan).toEqual({ steps: ["lint", "test"], risk: "low" });
      expect(res.check.map((r) => r.stdout)).toEqual(["test-low\n"]);
      expect(await waitFor("no CLI process left", () => findTagged(env.tag).length === 0, 10_000)).toBe(true);
    }, TIMEOUT_MS);
  });
}
