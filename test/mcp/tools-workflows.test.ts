// The workflow tools over the MCP SDK's own client, against the real workflow runner: aegis_run_workflow (the run
// records the authenticated caller; with callback its outcome lands in the caller's inbox as a workflow header) and
// aegis_workflow_status, with their error cases.

import { afterEach, describe, expect, test } from "bun:test";
import { WorkflowError } from "../../src/workflow/errors.ts";
import { workflow } from "../../src/workflow/registry.ts";
import { waitFor } from "../fixtures/helpers/wait.ts";
import { gate, testConfig } from "../session/fixtures.ts";
import { call, callJson, planeHarness, type PlaneHarness } from "./helpers.ts";

const WF_HEADER = /^> from workflow:(\S+) · \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n/;
const hold = gate();

workflow("mcp-test-echo", async (engine, { text }: { text?: string }) => `echo ${text} for ${engine.callerHandle}`);
workflow("mcp-test-fail", async () => {
  throw new WorkflowError("the predicate never held");
});
workflow("mcp-test-held", async () => {
  await hold.wait();
  return { ok: true };
});

function setup() {
  const seen: Record<string, string[]> = {};
  const config = testConfig({ caller: { reply: (p, ctx) => ((seen[ctx.handle] ??= []).push(p), "thanks") } });
  return { seen, config };
}

let h: PlaneHarness;
afterEach(() => h?.close());

describe("aegis_run_workflow", () => {
  test("runs with the caller recorded from its secret, and the result lands in its inbox under a workflow header", async () => {
    const { config, seen } = setup();
    h = planeHarness(config, { workflows: true });
    await h.sessions.spawn("caller", { handle: "alpha" });
    const client = await h.clientAs("alpha");
    const r = await callJson(client, "aegis_run_workflow", { name: "mcp-test-echo", args: { text: "hi" }, callerHandle: "bravo" });
    expect(r).toMatchObject({ name: "mcp-test-echo", callback: true });
    expect(r.runId).toStartWith("run_");
    await waitFor(() => seen.alpha?.length, { what: "the workflow callback" });
    expect(WF_HEADER.exec(seen.alpha![0]!)?.[1]).toBe("mcp-test-echo");
    expect(seen.alpha![0]).toEndWith(`run ${r.runId} done:\necho hi for alpha`);
    const status = await callJson(client, "aegis_workflow_status", { runId: r.runId });
    expect(status).toMatchObject({ runId: r.runId, workflow: "mcp-test-echo", status: "done", caller: "alpha", result: "echo hi for alpha" });
  });

  test("a failed run reports its error in the callback and the status", async () => {
    const { config, seen } = setup();
    h = planeHarness(config, { workflows: true });
    await h.sessions.spawn("caller", { handle: "alpha" });
    const client = await h.clientAs("alpha");
    const { runId } = await callJson(client, "aegis_run_workflow", { name: "mcp-test-fail" });
    await waitFor(() => seen.alpha?.length, { what: "the failure callback" });
    expect(seen.alpha![0]).toContain(`run ${runId} failed: the predicate never held`);
    expect(await callJson(client, "aegis_workflow_status", { runId })).toMatchObject({ status: "failed", error: { code: "E_WORKFLOW", message: "the predicate never held" } });
  });

  test("without callback the inbox stays empty; a running run reports running", async () => {
    const { config, seen } = setup();
    h = planeHarness(config, { workflows: true });
    await h.sessions.spawn("caller", { handle: "alpha" });
    const client = await h.clientAs("alpha");
    const { runId, callback } = await callJson(client, "aegis_run_workflow", { name: "mcp-test-held", callback: false });
    expect(callback).toBe(false);
    expect((await callJson(client, "aegis_workflow_status", { runId })).status).toBe("running");
    hold.open();
    const done = await waitFor(async () => {
      const s = await callJson(client, "aegis_workflow_status", { runId });
      return s.status === "done" ? s : undefined;
    }, { what: "the held run to end" });
    expect(done.result).toEqual({ ok: true });
    expect(seen.alpha).toBeUndefined();
  });

  test("refuses an unknown workflow, bad arguments and an unknown run id", async () => {
    const { config } = setup();
    h = planeHarness(config, { workflows: true });
    await h.sessions.spawn("caller", { handle: "alpha" });
    const client = await h.clientAs("alpha");
    const unknown = await call(client, "aegis_run_workflow", { name: "mcp-test-nope" });
    expect(unknown.isError).toBe(true);
    expect(unknown.text).toStartWith('E_NOT_FOUND: unknown workflow "mcp-test-nope" (known: ');
    expect(unknown.text).toContain("mcp-test-echo");
    expect((await call(client, "aegis_run_workflow", { name: "mcp-test-echo", args: "text=hi" })).text).toContain("Invalid arguments for tool aegis_run_workflow");
    expect(await call(client, "aegis_workflow_status", { runId: "run_nope" })).toEqual({ isError: true, text: 'E_NOT_FOUND: unknown workflow run "run_nope"' });
  });

  test("a process without workflows says so instead of failing obscurely", async () => {
    const { config } = setup();
    h = planeHarness(config);
    await h.sessions.spawn("caller", { handle: "alpha" });
    const client = await h.clientAs("alpha");
    expect(await call(client, "aegis_run_workflow", { name: "mcp-test-echo" })).toEqual({ isError: true, text: 'E_NOT_FOUND: unknown workflow "mcp-test-echo" (known: none)' });
    expect(await call(client, "aegis_workflow_status", { runId: "run_x" })).toEqual({ isError: true, text: "E_STATE: workflows are not available in this aegis process" });
  });
});
