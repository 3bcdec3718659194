// The queue tools over the MCP SDK's own client, against the real QueueManager with Scripted workers:
// aegis_enqueue (callback into the caller's inbox, or none), aegis_task_status, aegis_cancel (only the enqueuer, or
// the operator) and their error cases. The operator is reached through an in-memory MCP transport.

import { afterEach, describe, expect, test } from "bun:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { OPERATOR } from "../../src/mcp/identity.ts";
import { buildToolServer, loadSdk } from "../../src/mcp/tools.ts";
import { waitFor } from "../fixtures/helpers/wait.ts";
import { gate, testConfig } from "../session/fixtures.ts";
import { call, callJson, planeHarness, type PlaneHarness } from "./helpers.ts";

const CALLBACK = /^> from queue:(\S+) · task#(\S+) · (ok|error) · \S+Z\n/;

function setup() {
  const seen: Record<string, string[]> = {};
  const hold = gate();
  const note = (handle: string, p: string) => (seen[handle] ??= []).push(p);
  const config = testConfig({
    producer: { reply: (p, ctx) => (note(ctx.handle, p), "noted") },
    worker: { reply: (p) => `reviewed: ${p}` },
    slow: { reply: async (p, ctx) => { note(ctx.handle, p); await hold.wait(); return "slow done"; } },
  }, {
    review: { agent: "worker", maxParallel: 1 },
    hold: { agent: "slow", maxParallel: 1 },
    tiny: { agent: "worker", maxParallel: 1, budgets: [{ outputTokens: 1, window: "1h" }] },
  });
  return { seen, hold, config };
}

let h: PlaneHarness;
afterEach(() => h?.close());

async function operatorClient(): Promise<Client> {
  const { McpServer } = await loadSdk();
  const server = buildToolServer(McpServer, { caller: OPERATOR, ports: h.ports });
  const [a, b] = InMemoryTransport.createLinkedPair();
  await server.connect(a);
  const client = new Client({ name: "operator-test", version: "0.0.0" });
  await client.connect(b);
  return client;
}

describe("aegis_enqueue", () => {
  test("with callback: the worker's result lands in the caller's inbox under a queue header and wakes it", async () => {
    const { config, seen } = setup();
    h = planeHarness(config);
    await h.runtime.queues.start();
    await h.sessions.spawn("producer", { handle: "alpha" });
    const client = await h.clientAs("alpha");
    const r = await callJson(client, "aegis_enqueue", { queue: "review", payload: "the diff", enqueuedBy: "agent:zulu" });
    expect(r).toMatchObject({ queue: "review", callback: true });
    expect(r.taskId).toStartWith("task_");
    await waitFor(() => seen.alpha?.length, { what: "the callback turn" });
    const m = CALLBACK.exec(seen.alpha![0]!);
    expect(m?.slice(1)).toEqual(["review", r.taskId, "ok"]);
    expect(seen.alpha![0]).toContain("reviewed: the diff");
    const status = await callJson(client, "aegis_task_status", { taskId: r.taskId });
    expect(status).toMatchObject({ taskId: r.taskId, status: "done", enqueuedBy: "agent:alpha", result: "reviewed: the diff", callback: true });
  });

  test("without callback nothing reaches the inbox; position counts the tasks ahead", async () => {
    const { config, seen, hold } = setup();
    h = planeHarness(config);
    await h.runtime.queues.start();
    await h.sessions.spawn("producer", { handle: "alpha" });
    const client = await h.clientAs("alpha");
    const first = await callJson(client, "aegis_enqueue", { queue: "hold", payload: "one", callback: false });
    const second = await callJson(client, "aegis_enqueue", { queue: "hold", payload: "two", callback: false });
    expect(first.position).toBe(0);
    expect(second.position).toBe(1);
    expect(await callJson(client, "aegis_task_status", { taskId: second.taskId })).toMatchObject({ status: "pending", position: 1 });
    hold.open();
    await h.runtime.queues.waitFor(second.taskId, { timeoutMs: 5000 });
    expect(seen.alpha).toBeUndefined();
    expect(h.store.db.query("SELECT count(*) AS n FROM inbox WHERE target = 'alpha'").get()).toEqual({ n: 0 });
  });

  test("refuses an unknown queue, an empty payload, a bad callback, and an enqueue over budget", async () => {
    const { config } = setup();
    h = planeHarness(config);
    await h.runtime.queues.start();
    await h.sessions.spawn("producer", { handle: "alpha" });
    const client = await h.clientAs("alpha");
    expect(await call(client, "aegis_enqueue", { queue: "nope", payload: "x" })).toEqual({
      isError: true, text: 'E_NOT_FOUND: unknown queue "nope" (known: review, hold, tiny)',
    });
    expect((await call(client, "aegis_enqueue", { queue: "review", payload: "" })).text).toContain("payload must not be empty");
    expect((await call(client, "aegis_enqueue", { queue: "review", payload: "x", callback: "yes" })).isError).toBe(true);
    const t = await callJson(client, "aegis_enqueue", { queue: "tiny", payload: "spend the budget", callback: false });
    await h.runtime.queues.waitFor(t.taskId, { timeoutMs: 5000 });
    const over = await call(client, "aegis_enqueue", { queue: "tiny", payload: "more" });
    expect(over.isError).toBe(true);
    expect(over.text).toStartWith("E_BUDGET: ");
  });
});

describe("aegis_task_status and aegis_cancel", () => {
  test("an unknown task id is E_NOT_FOUND for both", async () => {
    const { config } = setup();
    h = planeHarness(config);
    await h.sessions.spawn("producer", { handle: "alpha" });
    const client = await h.clientAs("alpha");
    expect(await call(client, "aegis_task_status", { taskId: "task_nope" })).toEqual({ isError: true, text: 'E_NOT_FOUND: unknown task "task_nope"' });
    expect(await call(client, "aegis_cancel", { taskId: "task_nope" })).toEqual({ isError: true, text: 'E_NOT_FOUND: unknown task "task_nope"' });
    expect((await call(client, "aegis_task_status", {})).isError).toBe(true);
  });

  test("only the enqueuer may cancel: another session is refused and the task runs on; the enqueuer cancels it", async () => {
    const { config, seen } = setup();
    h = planeHarness(config);
    await h.runtime.queues.start();
    await h.sessions.spawn("producer", { handle: "alpha" });
    await h.sessions.spawn("producer", { handle: "bravo" });
    const [alpha, bravo] = [await h.clientAs("alpha"), await h.clientAs("bravo")];
    const { taskId } = await callJson(alpha, "aegis_enqueue", { queue: "hold", payload: "long job", callback: false });
    await waitFor(() => Object.keys(seen).some((k) => k !== "alpha" && k !== "bravo"), { what: "the worker to start" });
    const refused = await call(bravo, "aegis_cancel", { taskId, from_handle: "alpha" });
    expect(refused.isError).toBe(true);
    expect(refused.text).toBe(`E_PERMISSION: task ${taskId} was enqueued by agent:alpha, not by you (agent:bravo); only its enqueuer can cancel it`);
    expect((await callJson(alpha, "aegis_task_status", { taskId })).status).toBe("running");
    const cancelled = await callJson(alpha, "aegis_cancel", { taskId });
    expect(cancelled).toMatchObject({ taskId, status: "cancelled" });
  });

  test("the operator may cancel any task, and enqueues without a callback (it has no inbox)", async () => {
    const { config, seen } = setup();
    h = planeHarness(config);
    await h.runtime.queues.start();
    await h.sessions.spawn("producer", { handle: "alpha" });
    const alpha = await h.clientAs("alpha");
    const { taskId } = await callJson(alpha, "aegis_enqueue", { queue: "hold", payload: "job" });
    const op = await operatorClient();
    const pending = await callJson(op, "aegis_enqueue", { queue: "hold", payload: "operator job" });
    expect(pending.callback).toBe(false);
    expect((await callJson(op, "aegis_task_status", { taskId: pending.taskId })).enqueuedBy).toBe("user");
    expect(await callJson(op, "aegis_cancel", { taskId: pending.taskId })).toMatchObject({ status: "cancelled" });
    await waitFor(() => Object.keys(seen).some((k) => k !== "alpha"), { what: "the worker to start" });
    expect(await callJson(op, "aegis_cancel", { taskId })).toMatchObject({ status: "cancelled" });
    await waitFor(() => seen.alpha?.length, { what: "alpha's cancellation callback" });
    expect(CALLBACK.exec(seen.alpha![0]!)?.[3]).toBe("error");
    await op.close();
  });
});
