// Schedules across a fleet (#15): several `aegis serve` sharing one database each plan every due fire, but the
// (schedule, time) key lets one insert through, and only the serve that recorded a fire starts it; a fire recorded by
// a serve that died before starting it is adopted by exactly one survivor. On both store backends.

import { expect, test } from "bun:test";
import type { LoadedConfig } from "../../src/config/validate.ts";
import { scheduleService } from "../../src/schedule/service.ts";
import type { ServeContext } from "../../src/serve/service.ts";
import type { Db } from "../../src/store/api.ts";
import { describeDb } from "../helpers/backends.ts";
import { schedule } from "./fake-serve.ts";

const T0 = Date.parse("2026-01-01T00:00:00.500Z");
const EVERY_SECOND = "* * * * * *";

let runSeq = 0;

/** A serve's context over `db` with owner `owner`, a clock the test sets, and a startRun that records a run row. */
function serveOn(db: Db, owner: string, started: string[]) {
  const clock = {
    t: T0,
    now() { return this.t; },
    sleep: (_ms: number, signal?: AbortSignal) => new Promise<void>((_r, reject) => signal?.addEventListener("abort", () => reject(signal.reason), { once: true })),
  };
  const abort = new AbortController();
  const ctx: ServeContext = {
    cfg: { file: "/proj/.aegis.ts", schedules: { tick: schedule("tick", { cron: EVERY_SECOND, catchUp: "all", overlap: "allow" }) }, webhooks: {}, serve: {} } as unknown as LoadedConfig,
    db, owner, clock, log: () => {}, signal: abort.signal,
    async startRun(workflow, args, o) {
      const runId = `run_fleet${String(++runSeq).padStart(6, "0")}`;
      await db.runs.insertRun({ id: runId, workflow, args, ...(o?.caller ? { caller: o.caller } : {}), at: clock.t });
      started.push(o?.caller ?? runId);
      return runId;
    },
    async resumeRun() {},
  };
  const svc = scheduleService({ resolveWorkflow: async () => undefined });
  return { ctx, clock, svc, abort };
}

describeDb("schedules across serves sharing one database (#15)", (b) => {
  test("two serves ticking together start each fire once, by the serve whose insert took (#15)", async () => {
    const { db, location } = await b.open();
    const other = await b.reopen(location);
    const [ownA, ownB] = [await db.owners.registerOwner(), await other.owners.registerOwner()];
    const startedA: string[] = [];
    const startedB: string[] = [];
    const a = serveOn(db, ownA, startedA);
    const c = serveOn(other, ownB, startedB);
    await a.svc.start(a.ctx);
    await c.svc.start(c.ctx);
    try {
      for (let i = 1; i <= 10; i++) {
        a.clock.t = c.clock.t = T0 + i * 1000;
        await Promise.all([a.svc.tick(), c.svc.tick()]);
      }
      const all = [...startedA, ...startedB];
      const fires = await db.schedules.listFires("tick");
      expect(fires.length).toBe(10);
      expect(all.length).toBe(10);
      expect(new Set(all).size).toBe(10);
      expect(fires.every((f) => f.state === "started")).toBe(true);
      // Each fire was started by the serve that recorded it.
      expect(fires.filter((f) => f.fired_by === ownA).length).toBe(startedA.length);
    } finally {
      a.abort.abort();
      c.abort.abort();
      await Promise.all([a.svc.stop(0), c.svc.stop(0)]);
    }
  });

  test("a fire recorded by a serve that died before starting it is adopted and started once (#15)", async () => {
    const { db, location } = await b.open();
    const other = await b.reopen(location);
    const [ownA, ownB] = [await db.owners.registerOwner(), await other.owners.registerOwner()];
    // A third serve recorded a fire, then died (its owner row is gone) before starting it.
    await db.schedules.scheduleCursor("tick", JSON.stringify({ cron: EVERY_SECOND }), T0);
    await db.schedules.recordFires("tick", T0 + 1000, [{ scheduledAt: T0 + 1000, state: "pending" }], T0, false, "own_dead");
    const startedA: string[] = [];
    const startedB: string[] = [];
    const a = serveOn(db, ownA, startedA);
    const c = serveOn(other, ownB, startedB);
    await a.svc.start(a.ctx);
    await c.svc.start(c.ctx);
    try {
      a.clock.t = c.clock.t = T0 + 1200; // before the next second: no new fire is due
      await Promise.all([a.svc.tick(), c.svc.tick()]);
      expect(startedA.length + startedB.length).toBe(1);
      const [fire] = await db.schedules.listFires("tick");
      expect(fire).toMatchObject({ state: "started" });
      expect([ownA, ownB]).toContain(fire!.fired_by!);
    } finally {
      a.abort.abort();
      c.abort.abort();
      await Promise.all([a.svc.stop(0), c.svc.stop(0)]);
    }
  });
});
