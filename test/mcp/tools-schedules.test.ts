// aegis_schedules over the MCP SDK's client (#12): the config's schedules with their next fire and last fire's run.

import { afterEach, describe, expect, test } from "bun:test";
import { Scripted } from "../../src/config/providers.ts";
import { validateConfig } from "../../src/config/validate.ts";
import { insertRun } from "../../src/store/runs.ts";
import { markFireStarted, recordFires, scheduleCursor } from "../../src/store/schedules.ts";
import { memoryStore } from "../session/fixtures.ts";
import { callJson, planeHarness, type PlaneHarness } from "./helpers.ts";

let h: PlaneHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("aegis_schedules (#12)", () => {
  test("lists each schedule with its next fire and its last fire's run and status", async () => {
    const config = validateConfig({
      agents: { a: { provider: new Scripted({ reply: (p: string) => p }) } },
      schedules: {
        nightly: { cron: "0 3 * * *", workflow: "review", tz: "UTC" },
        once: { at: "2000-01-01T00:00:00Z", workflow: "party", enabled: false },
      },
    }, "/tmp/aegis-sched/.aegis.ts", "/tmp/aegis-sched");
    const store = memoryStore();
    const fired = Date.parse("2026-01-01T03:00:00Z");
    scheduleCursor(store, "nightly", "{}", 0);
    recordFires(store, "nightly", fired, [{ scheduledAt: fired, state: "pending" }], fired);
    insertRun(store, { id: "run_sched1", workflow: "review", args: {}, at: fired });
    markFireStarted(store, "nightly", fired, "run_sched1", fired);
    h = planeHarness(config, { store });
    await h.sessions.spawn("a", { handle: "alpha" });
    const out = await callJson(await h.clientAs("alpha"), "aegis_schedules");
    const [nightly, once] = out.schedules;
    expect(nightly).toMatchObject({
      name: "nightly", workflow: "review", cron: "0 3 * * *", tz: "UTC", overlap: "skip", catchUp: "latest", enabled: true,
      last: { scheduledAt: "2026-01-01T03:00:00.000Z", state: "started", manual: false, runId: "run_sched1", runStatus: "running" },
    });
    expect(nightly.next).toMatch(/T03:00:00\.000Z$/);
    expect(once).toMatchObject({ name: "once", at: "2000-01-01T00:00:00.000Z", enabled: false, next: null, last: null });
  });
});
