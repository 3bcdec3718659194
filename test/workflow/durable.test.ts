// Durable time and events in workflows (#12): engine.sleep, engine.waitFor, parked askHuman and engine.patched, with a
// fake clock so nothing waits for real time.

import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { workflow } from "../../src/workflow/registry.ts";
import { parsePayload } from "../../src/workflow/durable.ts";
import { findRunView } from "../../src/workflow/run-status.ts";
import { sendAnswer, sendSignal } from "../../src/workflow/signals.ts";
import { FakeClock, until } from "./fake-clock.ts";
import { describeDb } from "../helpers/backends.ts";
import { rigOn } from "./helpers.ts";

// The first PostgreSQL test starts the throwaway cluster: seconds on a loaded machine.
setDefaultTimeout(30_000);

const H = 3_600_000;

describeDb("durable workflows", (b) => {
  describe("engine.sleep (#12)", () => {
    test("sleeps in the process for the duration, on the clock given", async () => {
      await using r = await rigOn(b);
      const clock = new FakeClock();
      const wf = workflow("t-sleep", async (e) => {
        await e.sleep("2h");
        return "woke";
      });
      const p = r.run(wf, {}, { clock, runId: "run_sleep1" });
      await until(() => clock.pending.length === 1, 15_000, "the sleep");
      expect(clock.pending).toEqual([2 * H]);
      clock.advance(2 * H);
      const out = await p;
      expect(out.status).toBe("done");
      expect(out.result).toBe("woke");
      expect((await r.rt.db.runs.listSteps("run_sleep1")).map((s) => [s.kind, s.label, s.status])).toEqual([["sleep", "sleep 2h", "done"]]);
    });

    test("a run stopped mid-sleep and resumed waits only for the time left", async () => {
      await using r = await rigOn(b);
      const clock = new FakeClock();
      const wf = workflow("t-sleep-resume", async (e) => {
        await e.sleep(2 * H);
        return "woke";
      });
      const stop = new AbortController();
      const p = r.run(wf, {}, { clock, runId: "run_sleep2", signal: stop.signal });
      await until(() => clock.pending.length === 1, 15_000, "the sleep");
      clock.advance(H / 2);
      stop.abort(); // the process goes away 30 minutes in
      expect((await p).status).toBe("interrupted");
      clock.advance(H / 4); // 15 minutes pass while nothing runs
      const q = r.resume(wf, "run_sleep2", { clock });
      await until(() => clock.pending.length === 1, 15_000, "the resumed sleep");
      expect(clock.pending).toEqual([H + H / 4]);
      clock.advance(H + H / 4);
      expect((await q).status).toBe("done");
    });

    test("a Date in the past returns at once; a Date computed from now still replays", async () => {
      await using r = await rigOn(b);
      const clock = new FakeClock();
      const wf = workflow("t-sleep-date", async (e) => {
        await e.sleep(new Date(clock.now() - 1000));
        return "ok";
      });
      expect((await r.run(wf, {}, { clock })).status).toBe("done");
    });
  });

  describe("engine.waitFor (#12)", () => {
    test("a signal sent before the wait is kept; one sent during it wakes it; each is taken once", async () => {
      await using r = await rigOn(b);
      const wf = workflow("t-wait", async (e) => {
        const a = await e.waitFor("first");
        const b = await e.waitFor<{ n: number }>("second");
        return [a, b];
      });
      const p = r.run(wf, {}, { runId: "run_wait1" });
      await until(async () => (await r.rt.db.runs.getRun("run_wait1")) !== null, 15_000, "the run");
      await sendSignal(r.rt.db, "run_wait1", "second", { n: 2 }); // before its wait is reached
      await until(async () => (await r.rt.db.runs.listSteps("run_wait1")).length === 1, 15_000, "the first wait");
      await sendSignal(r.rt.db, "run_wait1", "first", "one");
      const out = await p;
      expect(out.status).toBe("done");
      expect(out.result).toEqual(["one", { n: 2 }]);
    });

    test("past its timeout a wait fails the run with a WorkflowError (E_TIMEOUT)", async () => {
      await using r = await rigOn(b);
      const clock = new FakeClock();
      const wf = workflow("t-wait-timeout", async (e) => e.waitFor("never", { timeout: "10m" }));
      const p = r.run(wf, {}, { clock, runId: "run_wait2" });
      await until(() => clock.pending.length === 1, 15_000, "the wait");
      clock.advance(10 * 60_000);
      const out = await p;
      expect(out.status).toBe("failed");
      expect(out.error).toMatchObject({ code: "E_TIMEOUT", name: "WorkflowError" });
    });

    test("a signal to a finished run is refused, and a bad event name too", async () => {
      await using r = await rigOn(b);
      await r.run(workflow("t-done", async () => 1), {}, { runId: "run_done" });
      await expect(sendSignal(r.rt.db, "run_done", "go", null)).rejects.toThrow(/is done/);
      await expect(sendSignal(r.rt.db, "run_nope", "go", null)).rejects.toThrow(/no run/);
      await expect(sendSignal(r.rt.db, "run_done", "answer:x", null)).rejects.toThrow(/bad event/);
      const spaced = await r.run(workflow("t-bad-event", async (e) => e.waitFor("deploy approved")));
      expect(spaced.error).toMatchObject({ code: "E_WORKFLOW", message: expect.stringContaining("bad event name") });
    });
  });
});

test("aegis signal's payload: JSON, plain words as a string, a broken JSON object or array refused as a usage error (#12)", () => {
  expect(parsePayload('{"by":"ana"}')).toEqual({ by: "ana" });
  expect(parsePayload("yes")).toBe("yes");
  expect(parsePayload("42")).toBe(42);
  expect(parsePayload(undefined)).toBeNull();
  expect(() => parsePayload("{bad")).toThrow(expect.objectContaining({ code: "E_USAGE" }));
  expect(() => parsePayload("[1,")).toThrow(expect.objectContaining({ code: "E_USAGE" }));
});

describeDb("durable workflows, parked", (b) => {
  describe("parking (#12)", () => {
    test("a sleeping run parks with its wake time, shows as sleeping, and resumed after it does not wait", async () => {
      await using r = await rigOn(b);
      const clock = new FakeClock();
      const wf = workflow("t-park-sleep", async (e) => {
        await e.sleep("1h");
        return "woke";
      });
      const out = await r.run(wf, {}, { clock, park: true, runId: "run_p1" });
      expect(out.status).toBe("interrupted");
      expect(out.error).toMatchObject({ code: "E_PARKED" });
      expect((await r.rt.db.waits.getPark("run_p1"))).toMatchObject({ state: "sleeping", wake_at: clock.now() + H });
      expect(await findRunView(r.rt.db, "run_p1")).toMatchObject({ status: "sleeping", parked: { wakeAt: expect.any(String) } });
      expect(await r.rt.db.waits.dueParks(clock.now() + H - 1)).toEqual([]);
      clock.advance(H);
      expect((await r.rt.db.waits.dueParks(clock.now())).map((p) => p.run_id)).toEqual(["run_p1"]);
      const again = await r.resume(wf, "run_p1", { clock, park: true });
      expect(again.status).toBe("done");
      expect((await r.rt.db.waits.getPark("run_p1"))).toBeNull();
      expect(clock.pending).toEqual([]);
    });

    test("a run waiting for a signal parks; the signal makes it due and the resume gets the payload", async () => {
      await using r = await rigOn(b);
      const wf = workflow("t-park-wait", async (e) => e.waitFor("approved"));
      expect((await r.run(wf, {}, { park: true, runId: "run_p2" })).status).toBe("interrupted");
      expect(await findRunView(r.rt.db, "run_p2")).toMatchObject({ status: "waiting", parked: { event: "approved" } });
      expect(await r.rt.db.waits.dueParks(Date.now())).toEqual([]);
      expect((await sendSignal(r.rt.db, "run_p2", "approved", { by: "ana" })).wakes).toBe(true);
      expect((await r.rt.db.waits.dueParks(Date.now())).map((p) => p.run_id)).toEqual(["run_p2"]);
      const out = await r.resume(wf, "run_p2", { park: true });
      expect(out).toMatchObject({ status: "done", result: { by: "ana" } });
    });

    test("a parked wait with a timeout is due at its deadline, and the resume fails it with E_TIMEOUT", async () => {
      await using r = await rigOn(b);
      const clock = new FakeClock();
      const wf = workflow("t-park-timeout", async (e) => e.waitFor("approved", { timeout: "1h" }));
      expect((await r.run(wf, {}, { clock, park: true, runId: "run_p5" })).status).toBe("interrupted");
      expect((await r.rt.db.waits.getPark("run_p5"))).toMatchObject({ state: "waiting", event: "approved", wake_at: clock.now() + H });
      clock.advance(H);
      expect((await r.rt.db.waits.dueParks(clock.now())).map((p) => p.run_id)).toEqual(["run_p5"]);
      const out = await r.resume(wf, "run_p5", { clock, park: true });
      expect(out.status).toBe("failed");
      expect(out.error).toMatchObject({ code: "E_TIMEOUT" });
    });

    test("askHuman with nobody to ask parks with its question; aegis answer's row resumes it", async () => {
      await using r = await rigOn(b);
      const wf = workflow("t-park-ask", async (e) => e.askHuman("Ship it?", { options: ["yes", "no"] }));
      expect((await r.run(wf, {}, { park: true, runId: "run_p3" })).status).toBe("interrupted");
      const view = await findRunView(r.rt.db, "run_p3");
      expect(view).toMatchObject({ status: "waiting", parked: { question: { question: "Ship it?", key: "ship-it", options: ["yes", "no"] } } });
      await expect(sendAnswer(r.rt.db, "run_p3", undefined, "maybe")).rejects.toThrow(/answer one of yes, no/);
      expect(await sendAnswer(r.rt.db, "run_p3", undefined, "2")).toMatchObject({ key: "ship-it", wakes: true });
      const out = await r.resume(wf, "run_p3", { park: true });
      expect(out).toMatchObject({ status: "done", result: "no" });
    });

    test("without parking an unanswerable askHuman still fails with the --answer hint, unless an answer was sent", async () => {
      await using r = await rigOn(b);
      const wf = workflow("t-ask-ci", async (e) => e.askHuman("Ship it?"));
      const failed = await r.run(wf, {}, { runId: "run_p4" });
      expect(failed.status).toBe("failed");
      expect(failed.error).toMatchObject({ code: "E_USAGE", hint: expect.stringContaining("--answer ship-it=") });
      await sendAnswer(r.rt.db, "run_p4", "ship-it", "sure");
      expect(await r.resume(wf, "run_p4")).toMatchObject({ status: "done", result: "sure" });
    });
  });

  describe("engine.patched (#12)", () => {
    const v1 = workflow("t-patch", async (e) => {
      await e.checkpoint("a", 1);
      await e.sleep("1h");
      return { early: null, late: null };
    });
    const v2 = workflow("t-patch", async (e) => {
      const early = await e.patched("new-check");
      if (early) await e.checkpoint("new", 0);
      await e.checkpoint("a", 1);
      await e.sleep("1h");
      const late = await e.patched("after-sleep");
      return { early, late };
    });

    test("false replaying a journal recorded before the patch, true where the run is live", async () => {
      await using r = await rigOn(b);
      const clock = new FakeClock();
      expect((await r.run(v1, {}, { clock, park: true, runId: "run_v1" })).status).toBe("interrupted");
      clock.advance(H);
      expect(await r.resume(v2, "run_v1", { clock, park: true })).toMatchObject({ status: "done", result: { early: false, late: true } });
      const fresh = await r.run(v2, {}, { clock, park: true, runId: "run_v2" });
      expect(fresh.status).toBe("interrupted");
      clock.advance(H);
      expect(await r.resume(v2, "run_v2", { clock, park: true })).toMatchObject({ status: "done", result: { early: true, late: true } });
      expect((await r.rt.db.runs.listSteps("run_v2")).map((s) => s.kind)).toEqual(["patch", "checkpoint", "checkpoint", "sleep", "patch"]);
    });

    test("once the patched call is removed, a run recorded with its marker still replays", async () => {
      await using r = await rigOn(b);
      const clock = new FakeClock();
      expect((await r.run(v2, {}, { clock, park: true, runId: "run_v4" })).status).toBe("interrupted");
      const v3 = workflow("t-patch", async (e) => {
        await e.checkpoint("new", 0);
        await e.checkpoint("a", 1);
        await e.sleep("1h");
        return "v3";
      });
      clock.advance(H);
      expect(await r.resume(v3, "run_v4", { clock, park: true })).toMatchObject({ status: "done", result: "v3" });
    });

    test("a change without patched fails as non-deterministic, and the hint points to patched", async () => {
      await using r = await rigOn(b);
      const clock = new FakeClock();
      await r.run(v1, {}, { clock, park: true, runId: "run_v3" });
      const changed = workflow("t-patch", async (e) => {
        await e.checkpoint("other", 2);
        await e.sleep("1h");
      });
      const out = await r.resume(changed, "run_v3", { clock, park: true });
      expect(out.status).toBe("failed");
      expect(out.error).toMatchObject({ code: "E_NONDETERMINISTIC", hint: expect.stringContaining("engine.patched") });
    });
  });
});
