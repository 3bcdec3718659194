// The timer service of aegis serve (#12): it wakes parked runs when their time comes or their signal or answer
// arrives, once each, and a new service on a new connection (a restarted serve) wakes what an earlier one parked.
// On both backends (#15).

import { expect, setDefaultTimeout, test } from "bun:test";
import type { ServeContext } from "../../src/serve/service.ts";
import type { Workflow } from "../../src/workflow/registry.ts";
import { workflow } from "../../src/workflow/registry.ts";
import { sendAnswer, sendSignal } from "../../src/workflow/signals.ts";
import { timerService } from "../../src/workflow/timer-service.ts";
import { tempDir } from "../fixtures/helpers/temp-dir.ts";
import { describeDb } from "../helpers/backends.ts";
import { gate } from "../session/fixtures.ts";
import { FakeClock, until } from "./fake-clock.ts";
import { rigOn, type TestRig } from "./helpers.ts";

// The first PostgreSQL test starts the throwaway cluster: seconds on a loaded machine.
setDefaultTimeout(30_000);

const H = 3_600_000;

/** A ServeContext whose resumeRun resumes the run in the rig (parking allowed), recording which runs it woke. */
function serveContext(r: TestRig, wf: Workflow<any, any>, clock: FakeClock, woken: string[], stop: AbortController): ServeContext {
  return {
    cfg: r.config, db: r.rt.db, clock, log: () => {}, signal: stop.signal,
    startRun: () => Promise.reject(new Error("not used")),
    resumeRun: async (runId) => {
      woken.push(runId);
      await r.resume(wf, runId, { clock, park: true });
    },
  };
}

const sleeper = workflow("t-timer-sleep", async (e) => {
  await e.sleep("1h");
  return "woke";
});

describeDb("the timer service", (b) => {
  test("wakes a sleeping run at its time, not before, and once (#12)", async () => {
    await using r = await rigOn(b);
    const clock = new FakeClock();
    await r.run(sleeper, {}, { clock, park: true, runId: "run_t1" });
    const woken: string[] = [];
    const stop = new AbortController();
    const svc = timerService();
    await svc.start(serveContext(r, sleeper, clock, woken, stop));
    await until(() => clock.pending.length === 1, 15_000, "the service's sleep");
    clock.advance(H - 1);
    await until(() => clock.pending.length === 1, 15_000, "the service's next sleep");
    expect(woken).toEqual([]);
    clock.advance(1);
    await until(async () => (await r.rt.db.runs.getRun("run_t1"))?.status === "done", 15_000, "the woken run");
    expect(woken).toEqual(["run_t1"]);
    clock.advance(H);
    await until(() => clock.pending.length === 1, 15_000, "the service's next sleep");
    expect(woken).toEqual(["run_t1"]);
    await svc.stop(1000);
  });

  test("wakes a run waiting for a signal or an answer when it is sent (#12)", async () => {
    await using r = await rigOn(b);
    const clock = new FakeClock();
    const wf = workflow("t-timer-wait", async (e) => {
      const go = await e.waitFor("go");
      const ok = await e.askHuman("Proceed?", { options: ["yes", "no"] });
      return { go, ok };
    });
    await r.run(wf, {}, { clock, park: true, runId: "run_t2" });
    const woken: string[] = [];
    const svc = timerService();
    await svc.start(serveContext(r, wf, clock, woken, new AbortController()));
    await sendSignal(r.rt.db, "run_t2", "go", { n: 1 });
    await until(async () => (await r.rt.db.runs.getRun("run_t2"))?.status === "interrupted" && woken.length === 1, 15_000, "parking on the question");
    await until(() => r.events.filter((e) => e.type === "run_end").length === 2, 15_000, "the second attempt's end");
    await sendAnswer(r.rt.db, "run_t2", undefined, "yes");
    await until(async () => (await r.rt.db.runs.getRun("run_t2"))?.status === "done", 15_000, "the answered run");
    expect(JSON.parse((await r.rt.db.runs.getRun("run_t2"))!.result!)).toEqual({ go: { n: 1 }, ok: "yes" });
    expect(woken).toEqual(["run_t2", "run_t2"]);
    await svc.stop(1000);
  });

  test("a restarted service on a new connection wakes what an earlier one parked (#12)", async () => {
    const clock = new FakeClock();
    using dir = tempDir("timers");
    let location: string;
    {
      await using first = await rigOn(b, b.name === "sqlite" ? { at: dir.join("state.db") } : {});
      await first.run(sleeper, {}, { clock, park: true, runId: "run_t3" });
      location = first.location;
    }
    await using r = await rigOn(b, { at: location });
    const woken: string[] = [];
    const svc = timerService();
    await svc.start(serveContext(r, sleeper, clock, woken, new AbortController()));
    await until(() => clock.pending.length === 1, 15_000, "the service's sleep");
    clock.advance(H);
    await until(async () => (await r.rt.db.runs.getRun("run_t3"))?.status === "done", 15_000, "the woken run");
    expect(woken).toEqual(["run_t3"]);
    await svc.stop(1000);
  });

  test("a run whose resume fails is tried again a minute later, not in a loop (#12)", async () => {
    await using r = await rigOn(b);
    const clock = new FakeClock();
    await r.run(sleeper, {}, { clock, park: true, runId: "run_t4" });
    clock.advance(H);
    let calls = 0;
    const ctx = { ...serveContext(r, sleeper, clock, [], new AbortController()), resumeRun: async () => {
      calls++;
      throw new Error("the workflow file is gone");
    } };
    const svc = timerService();
    await svc.start(ctx);
    await until(() => calls === 1 && clock.pending.length === 1, 15_000, "the first attempt");
    clock.advance(1000);
    await until(() => clock.pending.length === 1, 15_000, "the service's next sleep");
    expect(calls).toBe(1);
    for (let i = 0; i < 60; i++) {
      clock.advance(1000);
      await until(() => clock.pending.length === 1, 15_000, "the service's next sleep");
    }
    await until(() => calls === 2, 15_000, "the retry");
    await svc.stop(1000);
  });

  test("a run parked on another machine is left to that machine's serve; its own host wakes it (#15)", async () => {
    await using r = await rigOn(b);
    const clock = new FakeClock();
    const before = process.env.AEGIS_HOST_ID;
    try {
      process.env.AEGIS_HOST_ID = "box-a";
      await r.run(sleeper, {}, { clock, park: true, runId: "run_host1" });
      expect((await r.rt.db.runs.getRun("run_host1"))?.host).toBe("box-a");
      process.env.AEGIS_HOST_ID = "box-b"; // a serve on another machine sharing the database
      const woken: string[] = [];
      const stop = new AbortController();
      const other = timerService();
      await other.start(serveContext(r, sleeper, clock, woken, stop));
      await until(() => clock.pending.length === 1, 15_000, "the service's sleep");
      clock.advance(H);
      await until(() => clock.pending.length === 1, 15_000, "the service's next sleep");
      expect(woken).toEqual([]);
      await other.stop(1000);
      process.env.AEGIS_HOST_ID = "box-a";
      const own = timerService();
      await own.start(serveContext(r, sleeper, clock, woken, stop));
      await until(async () => (await r.rt.db.runs.getRun("run_host1"))?.status === "done", 15_000, "the run woken on its host");
      expect(woken).toEqual(["run_host1"]);
      await own.stop(1000);
    } finally {
      if (before === undefined) delete process.env.AEGIS_HOST_ID;
      else process.env.AEGIS_HOST_ID = before;
    }
  });

  test("a park read as due just before its resume settled is not woken a second time (#15)", async () => {
    await using r = await rigOn(b);
    const clock = new FakeClock();
    const wf = workflow("t-timer-stale", async (e) => {
      const go = await e.waitFor("go");
      return { go, ok: await e.askHuman("Proceed?", { options: ["yes", "no"] }) };
    });
    await r.run(wf, {}, { clock, park: true, runId: "run_t5" });
    const woken: string[] = [];
    const resumeGate = gate();
    const readGate = gate();
    let settled = 0;
    let held = false;
    // A read of the due parks that starts while the first resume waits and returns once it has settled: a slow round
    // trip on PostgreSQL. It must not wake the run again (it is parked on its question by then, not due).
    const waits = r.rt.db.waits;
    const dueParks: typeof waits.dueParks = async (now) => {
      const rows = await waits.dueParks(now);
      if (woken.length === 1 && settled === 0 && rows.some((p) => p.run_id === "run_t5")) {
        held = true;
        await readGate.wait();
      }
      return rows;
    };
    const db = new Proxy(r.rt.db, { get: (t, name) => (name === "waits" ? new Proxy(waits, { get: (w, n) => (n === "dueParks" ? dueParks : Reflect.get(w, n)) }) : Reflect.get(t, name)) });
    const ctx: ServeContext = {
      ...serveContext(r, wf, clock, woken, new AbortController()), db,
      resumeRun: async (runId) => {
        woken.push(runId);
        if (woken.length === 1) await resumeGate.wait();
        await r.resume(wf, runId, { clock, park: true });
        settled++;
      },
    };
    const svc = timerService();
    await svc.start(ctx);
    try {
      await until(() => clock.pending.length === 1, 15_000, "the service's sleep");
      await sendSignal(r.rt.db, "run_t5", "go", { n: 1 });
      await until(() => woken.length === 1 && clock.pending.length === 1, 15_000, "the first wake (its resume held)");
      clock.advance(1000); // the next look, while the first resume has not started yet: the park is still due
      await until(() => held, 15_000, "a read of the due parks in flight");
      resumeGate.open();
      await until(() => settled === 1, 15_000, "the first resume to park on the question");
      readGate.open();
      await until(() => clock.pending.length === 1, 15_000, "the service's next sleep");
      expect(woken).toEqual(["run_t5"]);
      expect((await r.rt.db.waits.getPark("run_t5"))?.question).toContain("Proceed?");
      await sendAnswer(r.rt.db, "run_t5", undefined, "yes");
      await until(async () => (await r.rt.db.runs.getRun("run_t5"))?.status === "done", 15_000, "the answered run");
      expect(woken).toEqual(["run_t5", "run_t5"]);
    } finally {
      resumeGate.open();
      readGate.open();
      await svc.stop(1000);
    }
  });
});
