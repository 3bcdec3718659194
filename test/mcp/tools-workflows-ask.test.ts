// askHuman in a run an agent started (#9): a Scripted session calls aegis_run_workflow mid-turn through the real MCP
// plane; the workflow's question arrives in that session's inbox under a `> from workflow:<name>` header, its reply is
// the answer (journaled: a resumed run does not ask again), a reply outside the options is asked once more and a
// second miss fails the run; aegis_workflow_status reports the run exactly as `aegis runs --json` does.

import { afterEach, describe, expect, test } from "bun:test";
import type { ScriptedContext } from "../../src/config/providers.ts";
import { getRun, listSteps } from "../../src/store/runs.ts";
import { sqliteDb } from "../../src/store/sqlite/db.ts";
import { openStore, type Store } from "../../src/store/store.ts";
import { WorkflowError } from "../../src/workflow/errors.ts";
import { getWorkflow, workflow } from "../../src/workflow/registry.ts";
import { cancelRun, listRunViews } from "../../src/workflow/run-status.ts";
import { resumeRun } from "../../src/workflow/runner.ts";
import { tempDir } from "../fixtures/helpers/temp-dir.ts";
import { waitFor } from "../fixtures/helpers/wait.ts";
import { gate, testConfig } from "../session/fixtures.ts";
import { callJson, planeHarness, type PlaneHarness } from "./helpers.ts";

const ISO = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ";
let failAfterAsk = false;
const beforeAsk = gate();

workflow("mcp-ask-tone", async (e) => {
  const tone = await e.askHuman("Which tone?", { options: ["formal", "casual"] });
  if (failAfterAsk) throw new WorkflowError("stopped after the answer");
  return `tone: ${tone}`;
});
workflow("mcp-ask-free", async (e) => `name: ${await e.askHuman("What should the release be called?")}`);
workflow("mcp-ask-late", async (e) => {
  await beforeAsk.wait();
  return e.askHuman("Still there?");
});

let h: PlaneHarness;
afterEach(async () => {
  failAfterAsk = false;
  await h?.close();
});

/**
 * A caller agent: a turn `START <workflow>` calls aegis_run_workflow as itself; a question is answered with the next
 * of `answers`; anything else (the callback) is thanked. Every prompt it read is kept.
 */
function callerRig(answers: string[], beforeAnswer?: () => Promise<void>, store?: Store) {
  const seen: string[] = [];
  const reply = async (prompt: string, ctx: ScriptedContext) => {
    seen.push(prompt);
    const start = /^START (\S+)$/.exec(prompt);
    if (start) {
      const r = await callJson(await h.clientAs(ctx.handle), "aegis_run_workflow", { name: start[1] });
      return `started ${r.runId}`;
    }
    if (prompt.includes(" asks: ")) {
      await beforeAnswer?.();
      return answers.shift() ?? "no more answers";
    }
    return "thanks";
  };
  h = planeHarness(testConfig({ caller: { reply } }), { workflows: true, ...(store ? { store } : {}) });
  return {
    seen,
    async start(name: string): Promise<string> {
      await h.sessions.spawn("caller", { handle: "alpha" });
      const said = await h.sessions.send("alpha", `START ${name}`, "user");
      return /^started (run_\S+)$/.exec(said)![1]!;
    },
    status: async (runId: string) => callJson(await h.clientAs("alpha"), "aegis_workflow_status", { runId }),
    ended: (runId: string) => waitFor(() => (getRun(h.store, runId)?.status !== "running" ? getRun(h.store, runId) : undefined), { what: `${runId} to end` }),
  };
}

describe("askHuman in a run started by an agent (#9)", () => {
  test("the question reaches the calling agent under a workflow header and its reply is the answer", async () => {
    const c = callerRig(["**Casual**."]);
    const runId = await c.start("mcp-ask-tone");
    expect((await c.ended(runId)).status).toBe("done");
    expect(c.seen[1]).toMatch(new RegExp(
      `^> from workflow:mcp-ask-tone · ${ISO}\\nThe workflow mcp-ask-tone \\(run ${runId}\\) asks: Which tone\\?\\n` +
      "Reply with exactly one of: formal, casual\\. Your reply is the answer\\.$",
    ));
    await waitFor(() => c.seen.length >= 3, { what: "the callback turn" });
    expect(c.seen[2]).toMatch(new RegExp(`^> from workflow:mcp-ask-tone · ${ISO}\\nrun ${runId} done:\\ntone: casual$`));
    const ask = listSteps(h.store, runId).find((s) => s.kind === "ask");
    expect(ask).toMatchObject({ status: "done", output: JSON.stringify("casual") });
  });

  test("aegis_workflow_status returns the run exactly as `aegis runs --json` shows it", async () => {
    const c = callerRig(["formal"]);
    const runId = await c.start("mcp-ask-tone");
    await c.ended(runId);
    const status = await c.status(runId);
    const listed = JSON.parse(JSON.stringify(await listRunViews(sqliteDb(h.store, { closeStore: false })))).find((r: { runId: string }) => r.runId === runId);
    expect(status).toEqual(listed);
    expect(status).toMatchObject({ runId, workflow: "mcp-ask-tone", status: "done", caller: "alpha", result: "tone: formal" });
  });

  test("a free-form question takes the reply as it is", async () => {
    const c = callerRig(["  Aurora 2  "]);
    const runId = await c.start("mcp-ask-free");
    expect(await c.ended(runId)).toMatchObject({ status: "done", result: JSON.stringify("name: Aurora 2") });
    expect(c.seen[1]).toEndWith("asks: What should the release be called?\nYour reply is the answer.");
  });

  test("a reply outside the options is asked once more, naming them", async () => {
    const c = callerRig(["maybe later", "2"]);
    const runId = await c.start("mcp-ask-tone");
    expect(await c.ended(runId)).toMatchObject({ status: "done", result: JSON.stringify("tone: casual") });
    expect(c.seen[2]).toMatch(new RegExp(`^> from workflow:mcp-ask-tone · ${ISO}\\nYour reply "maybe later" is not an answer the workflow accepts\\.\\n` +
      "The workflow mcp-ask-tone \\(run \\S+\\) asks: Which tone\\?\\nReply with exactly one of: formal, casual\\."));
  });

  test("a second reply outside the options fails the run, naming the reply, the options and how to resume", async () => {
    const c = callerRig(["maybe", "I am not sure"]);
    const runId = await c.start("mcp-ask-tone");
    expect((await c.ended(runId)).status).toBe("failed");
    const status = await c.status(runId);
    expect(status.error.code).toBe("E_WORKFLOW");
    expect(status.error.message).toBe('the workflow asked alpha "Which tone?" 2 times and its reply "I am not sure" is not one of: formal, casual');
    await waitFor(() => c.seen.length >= 4, { what: "the failure callback" });
    expect(c.seen[3]).toContain(`run ${runId} failed: the workflow asked alpha`);
    expect(c.seen[3]).toContain(`hint: resume with the answer given: aegis resume ${runId} --answer which-tone=formal|casual`);
  });

  test("a resumed run replays the recorded answer instead of asking again", async () => {
    failAfterAsk = true;
    const c = callerRig(["formal"]);
    const runId = await c.start("mcp-ask-tone");
    expect((await c.ended(runId)).status).toBe("failed");
    failAfterAsk = false;
    // No answers and no route to a human: asking again would fail the run with E_USAGE.
    const outcome = await resumeRun(h.runtime, getWorkflow("mcp-ask-tone")!, getRun(h.store, runId)!, {});
    expect(outcome).toMatchObject({ status: "done", result: "tone: formal", steps: { replayed: 1 } });
    expect(c.seen.filter((p) => p.includes(" asks: "))).toHaveLength(1);
  });

  test("a caller that closed before the question fails the step, naming it", async () => {
    const c = callerRig([]);
    const runId = await c.start("mcp-ask-late");
    await h.sessions.close("alpha");
    beforeAsk.open();
    expect((await c.ended(runId)).status).toBe("failed");
    const run = getRun(h.store, runId)!;
    expect(run.error).toStartWith('the workflow asks "Still there?" but alpha, the agent that started the run, is gone');
  });

  test("a run cancelled while its caller is being asked stops at once, as cancelled", async () => {
    using dir = tempDir("ask-cancel");
    const thinking = gate();
    const store = openStore(dir.join("state.db"));
    const c = callerRig(["formal"], () => thinking.wait(), store);
    const runId = await c.start("mcp-ask-tone");
    await waitFor(() => c.seen.some((p) => p.includes(" asks: ")), { what: "the question to reach alpha" });
    // `aegis cancel` comes from another connection (another process); the run notices it through the database.
    const other = sqliteDb(openStore(dir.join("state.db")));
    try {
      expect((await cancelRun(other, runId, 10_000)).status).toBe("cancelled");
    } finally {
      await other.close();
    }
    expect(listSteps(h.store, runId).find((s) => s.kind === "ask")?.status).toBe("failed");
    thinking.open(); // alpha's late reply goes nowhere
    await h.close();
    store.close();
  });
});
