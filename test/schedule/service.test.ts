import { describe, expect, test } from "bun:test";
import { scheduleService } from "../../src/schedule/service.ts";
import { listFires, recordFires, scheduleCursor } from "../../src/store/schedules.ts";
import { openStore } from "../../src/store/store.ts";
import { tempDir } from "../fixtures/helpers/temp-dir.ts";
import { waitFor } from "../fixtures/helpers/wait.ts";
import { fakeServe, schedule } from "./fake-serve.ts";

const T = (iso: string) => Date.parse(iso);
const EVERY_SECOND = "* * * * * *";
const known = async () => undefined;

async function started(cfg: Parameters<typeof fakeServe>[1], at: number, store = openStore(":memory:")) {
  const fake = fakeServe(store, cfg, at);
  const svc = scheduleService({ resolveWorkflow: known });
  await svc.start(fake.ctx);
  return { ...fake, svc, store };
}

describe("schedule service (#12)", () => {
  test("a cron fire starts its workflow once with its args, and a fire is never started twice", async () => {
    const s = await started({ schedules: { nightly: schedule("nightly", { cron: "0 3 * * *", workflow: "review", args: { branch: "main" } }) } }, T("2026-01-01T02:00:00Z"));
    await s.svc.tick();
    expect(s.started).toEqual([]);
    s.clock.t = T("2026-01-01T03:00:00.020Z");
    await s.svc.tick();
    await s.svc.tick();
    expect(s.started.map((r) => [r.workflow, r.args, r.caller])).toEqual([["review", { branch: "main" }, "schedule:nightly@2026-01-01T03:00:00.000Z"]]);
    expect(listFires(s.store, "nightly").map((f) => [f.scheduled_at, f.state, f.run_id])).toEqual([[T("2026-01-01T03:00:00Z"), "started", s.started[0]!.runId]]);
    await s.svc.stop(1000);
  });

  test("overlap skip records the fire as skipped while the previous run goes on", async () => {
    const s = await started({ schedules: { tick: schedule("tick", { cron: EVERY_SECOND, overlap: "skip" }) } }, T("2026-01-01T00:00:00.500Z"));
    s.clock.t = T("2026-01-01T00:00:01.000Z");
    await s.svc.tick();
    s.clock.t = T("2026-01-01T00:00:02.000Z");
    await s.svc.tick();
    expect(s.started.length).toBe(1);
    const fires = listFires(s.store, "tick");
    expect(fires.map((f) => f.state)).toEqual(["started", "skipped"]);
    expect(fires[1]!.reason).toContain(s.started[0]!.runId);
    s.finish(s.started[0]!.runId);
    s.clock.t = T("2026-01-01T00:00:03.000Z");
    await s.svc.tick();
    expect(s.started.length).toBe(2);
    await s.svc.stop(1000);
  });

  test("overlap queue starts the next fire when the previous run ends; allow starts at once", async () => {
    const s = await started({
      schedules: { q: schedule("q", { cron: EVERY_SECOND, overlap: "queue" }), a: schedule("a", { cron: EVERY_SECOND, overlap: "allow", workflow: "wa" }) },
    }, T("2026-01-01T00:00:00.500Z"));
    s.clock.t = T("2026-01-01T00:00:01.000Z");
    await s.svc.tick();
    s.clock.t = T("2026-01-01T00:00:02.000Z");
    await s.svc.tick();
    expect(s.started.filter((r) => r.workflow === "wa").length).toBe(2);
    const q = () => s.started.filter((r) => r.workflow === "wf");
    expect(q().length).toBe(1);
    expect(listFires(s.store, "q").map((f) => f.state)).toEqual(["started", "pending"]);
    s.finish(q()[0]!.runId, "failed");
    await s.svc.tick();
    expect(q().map((r) => r.caller)).toEqual(["schedule:q@2026-01-01T00:00:01.000Z", "schedule:q@2026-01-01T00:00:02.000Z"]);
    await s.svc.stop(1000);
  });

  test("catchUp after downtime: latest runs one, all runs each, none runs none", async () => {
    const at = T("2026-01-01T00:00:00Z");
    const store = openStore(":memory:");
    const cfg = {
      schedules: {
        latest: schedule("latest", { cron: "*/10 * * * *", overlap: "allow" }),
        all: schedule("all", { cron: "*/10 * * * *", overlap: "allow", catchUp: "all" }),
        none: schedule("none", { cron: "*/10 * * * *", overlap: "allow", catchUp: "none" }),
      },
    };
    const first = await started(cfg, at, store);
    await first.svc.tick(); // cursors start at `at`
    await first.svc.stop(1000);
    const second = await started(cfg, T("2026-01-01T00:45:00Z"), store); // four fires missed
    await second.svc.tick();
    expect(listFires(store, "latest").map((f) => new Date(f.scheduled_at).toISOString())).toEqual(["2026-01-01T00:40:00.000Z"]);
    expect(listFires(store, "all").length).toBe(4);
    expect(listFires(store, "none")).toEqual([]);
    expect(second.started.length).toBe(5);
    await second.svc.stop(1000);
  });

  test("a one-shot at fires once, even when it came while no serve ran", async () => {
    const at = T("2026-06-01T12:00:00Z");
    const s = await started({ schedules: { once: schedule("once", { at }) } }, at + 3_600_000);
    await s.svc.tick();
    await s.svc.tick();
    expect(s.started.length).toBe(1);
    await s.svc.stop(1000);
  });

  test("exactly once across restarts: a fire recorded before a crash gets one run, a run started before the crash is not doubled", async () => {
    using dir = tempDir();
    const file = dir.join("state.db");
    const cfg = { schedules: { n: schedule("n", { cron: "0 * * * *", overlap: "allow", catchUp: "all" }) } };
    const t0 = T("2026-01-01T00:30:00Z");
    // Serve 1 planned two fires and crashed before starting either.
    let store = openStore(file);
    scheduleCursor(store, "n", JSON.stringify({ cron: "0 * * * *" }), t0);
    recordFires(store, "n", T("2026-01-01T02:00:00Z"), [{ scheduledAt: T("2026-01-01T01:00:00Z"), state: "pending" }, { scheduledAt: T("2026-01-01T02:00:00Z"), state: "pending" }], t0);
    store.close();
    // Serve 2 starts one of them, then "crashes" inside startRun of the second, after its run row was written.
    store = openStore(file);
    const s2 = fakeServe(store, cfg, T("2026-01-01T02:00:05Z"));
    const realStart = s2.ctx.startRun.bind(s2.ctx);
    let calls = 0;
    s2.ctx.startRun = async (...a) => {
      const id = await realStart(...a);
      if (++calls === 2) return new Promise<string>(() => {}); // never returns: the process died here
      return id;
    };
    const svc2 = scheduleService({ resolveWorkflow: known });
    await svc2.start(s2.ctx);
    void svc2.tick();
    // The first start goes through; the second hangs forever, as a killed process would.
    await waitFor(() => s2.started.length === 2, { what: "both runs recorded" });
    s2.abort.abort();
    store.close();
    // Serve 3, on a new connection to the same rows: nothing is started twice, both fires are linked to their runs.
    store = openStore(file);
    const s3 = await started(cfg, T("2026-01-01T02:00:10Z"), store);
    await s3.svc.tick();
    await s3.svc.tick();
    expect(s3.started).toEqual([]);
    expect(listFires(store, "n").map((f) => [f.state, f.run_id])).toEqual(s2.started.map((r) => ["started", r.runId]));
    await s3.svc.stop(1000);
    store.close();
  });

  test("fireNow starts a run at once whatever the overlap, and an unknown name is E_NOT_FOUND naming the known ones", async () => {
    const s = await started({ schedules: { nightly: schedule("nightly", { cron: "0 3 * * *" }) } }, T("2026-01-01T12:00:00Z"));
    const a = await s.svc.fireNow("nightly");
    const b = await s.svc.fireNow("nightly");
    expect(s.started.map((r) => r.runId)).toEqual([a, b]);
    expect(listFires(s.store, "nightly").map((f) => f.manual)).toEqual([1, 1]);
    await expect(s.svc.fireNow("nighty")).rejects.toMatchObject({ code: "E_NOT_FOUND", hint: "schedules in the config: nightly" });
    await s.svc.stop(1000);
  });
});

describe("schedule and webhook workflows are checked when serve starts (#12)", () => {
  test("an unknown workflow names its key path and the loader's did-you-mean", async () => {
    const fake = fakeServe(openStore(":memory:"), { schedules: { nightly: schedule("nightly", { cron: "0 3 * * *", workflow: "reveiw" }) } }, 0);
    fake.ctx.cfg = { ...fake.ctx.cfg, root: "/nonexistent", workflows: [] };
    const err = await scheduleService().start(fake.ctx).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ code: "E_CONFIG", issues: [{ path: "schedules.nightly.workflow" }] });
    expect((err as Error).message).toContain("reveiw");
  });
});

describe("a fire whose start fails (#12)", () => {
  test("is recorded as skipped with the reason; while serve is stopping it stays pending for the next serve", async () => {
    const store = openStore(":memory:");
    const fake = fakeServe(store, { schedules: { n: schedule("n", { cron: EVERY_SECOND, overlap: "allow" }) } }, T("2026-01-01T00:00:00.500Z"));
    fake.ctx.startRun = async () => {
      throw new Error("no workflow named wf");
    };
    const svc = scheduleService({ resolveWorkflow: known });
    await svc.start(fake.ctx);
    fake.clock.t = T("2026-01-01T00:00:01Z");
    await svc.tick();
    expect(listFires(store, "n").map((f) => [f.state, f.reason])).toEqual([["skipped", "could not start wf: no workflow named wf"]]);
    fake.abort.abort();
    fake.clock.t = T("2026-01-01T00:00:02Z");
    await svc.tick();
    expect(listFires(store, "n").map((f) => f.state)).toEqual(["skipped", "pending"]);
    await svc.stop(1000);
  });
});
