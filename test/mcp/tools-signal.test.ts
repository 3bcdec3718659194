// aegis_signal over the MCP SDK's client (#12): a session's signal is stored for the run with the caller as sender,
// and wakes a parked run; an unknown run is an error naming it.

import { afterEach, describe, expect, test } from "bun:test";
import { Scripted } from "../../src/config/providers.ts";
import { validateConfig } from "../../src/config/validate.ts";
import { finishRun, insertRun } from "../../src/store/runs.ts";
import { listSignals, parkRun } from "../../src/store/waits.ts";
import { memoryStore } from "../session/fixtures.ts";
import { call, callJson, planeHarness, type PlaneHarness } from "./helpers.ts";

let h: PlaneHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("aegis_signal (#12)", () => {
  test("stores the signal with the calling session as sender; says it wakes a run parked on the event", async () => {
    const config = validateConfig({ agents: { a: { provider: new Scripted({ reply: (p: string) => p }) } } }, "/tmp/aegis-sig/.aegis.ts", "/tmp/aegis-sig");
    const store = memoryStore();
    insertRun(store, { id: "run_sig1", workflow: "deploy", args: {}, at: 1 });
    finishRun(store, "run_sig1", { status: "interrupted", at: 2, attemptMs: 1 });
    parkRun(store, { run_id: "run_sig1", state: "waiting", wake_at: null, event: "approved", question: null, at: 2 });
    h = planeHarness(config, { store });
    await h.sessions.spawn("a", { handle: "alpha" });
    const client = await h.clientAs("alpha");
    const out = await callJson(client, "aegis_signal", { runId: "run_sig1", event: "approved", payload: { by: "alpha" } });
    expect(out).toMatchObject({ runId: "run_sig1", event: "approved", wakes: true });
    expect(listSignals(store, "run_sig1").map((s) => [s.event, JSON.parse(s.payload!), s.sender])).toEqual([["approved", { by: "alpha" }, "agent:alpha"]]);
    const bad = await call(client, "aegis_signal", { runId: "run_nope", event: "approved" });
    expect(bad.isError).toBe(true);
    expect(bad.text).toContain("no run run_nope");
  });
});
