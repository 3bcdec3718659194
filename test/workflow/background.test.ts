// Runs an agent starts through the MCP plane's port: the id comes back at once, status follows the run, askHuman is
// put to the calling agent, and with callback the outcome lands in the caller's inbox.
import { expect, test } from "bun:test";
import { backgroundWorkflows } from "../../src/workflow/background.ts";
import { workflow } from "../../src/workflow/registry.ts";
import { waitFor } from "../fixtures/helpers/wait.ts";
import { rig } from "./helpers.ts";

test("a background run asks its caller, reports its status, and calls back with the result", async () => {
  const callerSaw: string[] = [];
  await using r = rig({
    agents: {
      boss: { reply: (p) => (callerSaw.push(p), p.includes("Answer with one of") ? "2" : "thanks") },
      writer: { reply: (p) => `drafted: ${p.split("\n").pop()}` },
    },
  });
  workflow("t-bg", async (e, { topic = "x" }: { topic?: string }) => {
    const pick = await e.askHuman("Which tone?", { options: ["formal", "casual"] });
    return e.send(await e.spawn("writer"), `${topic} in a ${pick} tone`);
  });
  const boss = await r.rt.sessions.spawn("boss", { handle: "the-boss" });
  const wf = backgroundWorkflows(r.rt);
  expect(wf.names()).toContain("t-bg");
  const { runId } = await wf.start("t-bg", { topic: "release notes" }, { callerHandle: boss.handle, callback: true });
  expect(runId).toMatch(/^run_/);
  await wf.idle();
  expect(wf.status(runId)).toMatchObject({ runId, name: "t-bg", status: "done", result: "drafted: release notes in a casual tone", caller: "the-boss" });
  await waitFor(() => callerSaw.length >= 2, { what: "the callback turn" });
  expect(callerSaw[0]).toContain("The workflow asks: Which tone?\nAnswer with one of: formal, casual.");
  expect(callerSaw[1]).toMatch(/^> from workflow:t-bg · .*\ndrafted: release notes in a casual tone$/);
  await expect(wf.start("nope", {}, { callerHandle: null, callback: false })).rejects.toMatchObject({ code: "E_NOT_FOUND" });
  expect(wf.status("run_missing")).toBeUndefined();
});
