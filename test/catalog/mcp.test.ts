// The built-in catalog through the MCP plane: an agent starts the built-in `prompt` workflow with aegis_run_workflow
// (it is found by name beside the project's workflows) and gets its result back, as with any workflow.
import { afterEach, expect, test } from "bun:test";
import { waitFor } from "../fixtures/helpers/wait.ts";
import { call, callJson, planeHarness, type PlaneHarness } from "../mcp/helpers.ts";
import { testConfig } from "../session/fixtures.ts";
import { builtin } from "./helpers.ts";

let h: PlaneHarness;
afterEach(() => h?.close());

test("aegis_run_workflow runs a built-in workflow by name; aegis_meta lists it (#13)", async () => {
  await builtin("prompt");
  const config = testConfig({ caller: { reply: () => "thanks" }, helper: { reply: (p) => `helper: ${p.split("\n").pop()}` } });
  h = planeHarness(config, { workflows: true });
  await h.sessions.spawn("caller", { handle: "alpha" });
  const client = await h.clientAs("alpha");
  expect((await call(client, "aegis_meta")).text).toMatch(/Workflows \(for aegis_run_workflow\): .*\bprompt\b.*\breview-branch\b/);
  const { runId } = await callJson(client, "aegis_run_workflow", { name: "prompt", args: { text: "what now?", agent: "helper" }, callback: false });
  const done = await waitFor(async () => {
    const s = await callJson(client, "aegis_workflow_status", { runId });
    return s.status === "done" || s.status === "failed" ? s : undefined;
  }, { what: "the prompt run to end" });
  expect(done).toMatchObject({ workflow: "prompt", status: "done", result: "helper: what now?", caller: "alpha" });
});
