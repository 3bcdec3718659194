// The schedule service of `aegis serve` (#12): on each tick it plans every enabled schedule's due fires (plan.ts),
// records them (insert first: one row per schedule and scheduled time), then starts each recorded fire's run through
// ServeContext.startRun, applying the overlap policy. A fire row without a run (a crash between insert and start) is
// started on the next tick, unless the run it started before the crash is found by its caller key. Ticks run one at a
// time, so a fire never starts twice within a process either. It must not touch SQL (the store contract's schedules family does).

import type { ResolvedSchedule } from "../config/serve-schema.ts";
import type { ServeContext, ServeService } from "../serve/service.ts";
import type { Db } from "../store/api.ts";
import type { FireRow } from "../store/schedules.ts";
import { AegisError, errorMessage } from "../util/errors.ts";
import { logIgnored } from "../util/log-ignored.ts";
import { checkWorkflows, defaultResolver, type WorkflowResolver } from "./check-workflows.ts";
import { fireCaller, nextFireAfter, overlapAction, planFires, runIsActive } from "./plan.ts";

/** While a fire waits for a previous run (overlap "queue"), how often the service looks again. */
const QUEUE_POLL_MS = 1_000;
/** The longest sleep between ticks (a guard against a clock jump; the next fire normally sets the wake-up). */
const MAX_SLEEP_MS = 60_000;

export interface ScheduleService extends ServeService {
  /** Plans and starts whatever is due now; resolves when done. The loop calls it; tests call it directly. */
  tick(): Promise<void>;
  /** Fires a schedule now (`aegis schedules run <name>`), whatever its overlap policy; resolves with the runId. */
  fireNow(name: string): Promise<string>;
}

type Outcome = { kind: "started"; runId: string } | { kind: "skipped"; reason: string } | { kind: "wait" };

/** Starts one recorded fire (or finds the run it started before a crash), applying the overlap policy. */
async function startFire(c: ServeContext, s: ResolvedSchedule, fire: FireRow): Promise<Outcome> {
  const caller = fireCaller(s.name, fire.scheduled_at);
  const earlier = await c.db.schedules.runOfCaller(caller);
  if (earlier) {
    await c.db.schedules.markFireStarted(s.name, fire.scheduled_at, earlier, c.clock.now());
    return { kind: "started", runId: earlier };
  }
  if (!fire.manual) {
    const prev = await c.db.schedules.lastStartedFire(s.name);
    const action = overlapAction(s.overlap, runIsActive(prev?.run_status ?? null));
    if (action === "wait") return { kind: "wait" };
    if (action === "skip") {
      const reason = `the previous run ${prev!.run_id} was still ${prev!.run_status}`;
      await c.db.schedules.markFireSkipped(s.name, fire.scheduled_at, reason);
      c.log(`schedule ${s.name}: fire at ${new Date(fire.scheduled_at).toISOString()} skipped: ${reason}`);
      return { kind: "skipped", reason };
    }
  }
  try {
    const runId = await c.startRun(s.workflow, s.args, { caller });
    await c.db.schedules.markFireStarted(s.name, fire.scheduled_at, runId, c.clock.now());
    c.log(`schedule ${s.name}: fire at ${new Date(fire.scheduled_at).toISOString()} started run ${runId}`);
    return { kind: "started", runId };
  } catch (err) {
    // Serve is stopping: the fire stays pending, and the next serve starts it.
    if (c.signal.aborted) return { kind: "wait" };
    // Not retried: a workflow that cannot start (unknown name, bad args) would fail again on every tick.
    const reason = `could not start ${s.workflow}: ${errorMessage(err)}`;
    await c.db.schedules.markFireSkipped(s.name, fire.scheduled_at, reason);
    c.log(`schedule ${s.name}: fire at ${new Date(fire.scheduled_at).toISOString()} ${reason}`);
    return { kind: "skipped", reason };
  }
}


/**
 * The pending fires this serve may start (#15): those it recorded, those recorded before fires named their recorder,
 * and those of a recorder found dead once this serve adopted them (one adopter wins). Several serves sharing one
 * database each record every due fire, but the (schedule, time) key lets only one insert through, so each fire is
 * started by exactly one of them.
 */
async function ownFires(c: ServeContext, pending: FireRow[]): Promise<FireRow[]> {
  const me = c.owner;
  if (me === undefined) return pending;
  const others = [...new Set(pending.map((f) => f.fired_by).filter((o): o is string => !!o && o !== me))];
  const dead = others.length ? await c.db.owners.deadOwners(others) : new Set<string>();
  const out: FireRow[] = [];
  for (const f of pending) {
    if (!f.fired_by || f.fired_by === me) out.push(f);
    else if (dead.has(f.fired_by) && await c.db.schedules.adoptFire(f.schedule, f.scheduled_at, f.fired_by, me)) out.push({ ...f, fired_by: me });
  }
  return out;
}

/** One chain of schedule work per database: ticks and manual fires never start the same fire row twice. */
const chains = new WeakMap<Db, Promise<unknown>>();

function serialOn<T>(c: ServeContext, fn: () => Promise<T>): Promise<T> {
  const next = (chains.get(c.db) ?? Promise.resolve()).then(fn);
  chains.set(c.db, next.catch((err: unknown) => c.log(`schedules: ${errorMessage(err)}`)));
  return next;
}

/**
 * Fires schedule `name` now (`aegis schedules run <name>`, the control API's schedules.run), whatever its overlap
 * policy: records a manual fire row, then starts it. Resolves with the runId.
 */
export function fireScheduleNow(c: ServeContext, name: string): Promise<string> {
  return serialOn(c, async () => {
    const s = c.cfg.schedules?.[name];
    if (!s) throw unknownSchedule(name, Object.keys(c.cfg.schedules ?? {}));
    let at = c.clock.now();
    await c.db.schedules.scheduleCursor(name, specOf(s), s.at !== undefined ? 0 : at);
    // The key is (schedule, time): a manual fire in the same millisecond as another takes the next one.
    while ((await c.db.schedules.recordFires(name, null, [{ scheduledAt: at, state: "pending" }], at, true, c.owner)).length === 0) at++;
    const fire = (await c.db.schedules.pendingFires(name)).find((f) => f.scheduled_at === at)!;
    const out = await startFire(c, s, fire);
    if (out.kind !== "started") throw new AegisError("E_WORKFLOW", `schedule ${name}: ${out.kind === "skipped" ? out.reason : "not started"}`);
    return out.runId;
  });
}

export interface ScheduleServiceOptions {
  /** How schedules' workflows are checked at start; default serve's workflow loader. */
  resolveWorkflow?: WorkflowResolver;
}

export function scheduleService(opts: ScheduleServiceOptions = {}): ScheduleService {
  let ctx: ServeContext | undefined;
  const stopper = new AbortController();
  let loop: Promise<void> | undefined;
  let waiting = false;


  function schedules(): ResolvedSchedule[] {
    return Object.values(ctx!.cfg.schedules ?? {}).filter((s) => s.enabled);
  }

  async function tickNow(): Promise<void> {
    const c = ctx!;
    waiting = false;
    // One instant for the whole tick: every schedule is planned up to the same time, however long the others take.
    const now = c.clock.now();
    for (const s of schedules()) {
      const spec = specOf(s);
      // A new (or changed) cron starts counting from now; a one-shot counts from the start of time, so an `at` that
      // passed while no serve ran still fires once (as catchUp says).
      const cursor = await c.db.schedules.scheduleCursor(s.name, spec, s.at !== undefined ? 0 : now);
      const plan = planFires(s, cursor, now);
      if (plan.cursor !== cursor) await c.db.schedules.recordFires(s.name, plan.cursor, plan.due.map((t) => ({ scheduledAt: t, state: "pending" as const })), now, false, c.owner);
      for (const fire of await ownFires(c, await c.db.schedules.pendingFires(s.name))) {
        if (c.signal.aborted || stopper.signal.aborted) return;
        if ((await startFire(c, s, fire)).kind === "wait") {
          waiting = true;
          break;
        }
      }
    }
  }

  /** How long to sleep until the next fire of any schedule (or a queued fire's next look). */
  function sleepMs(): number {
    const c = ctx!;
    const now = c.clock.now();
    let wake = now + MAX_SLEEP_MS;
    for (const s of schedules()) {
      const next = nextFireAfter(s, now);
      if (next !== null) wake = Math.min(wake, next);
    }
    if (waiting) wake = Math.min(wake, now + QUEUE_POLL_MS);
    return Math.max(0, wake - now);
  }

  async function run(): Promise<void> {
    const c = ctx!;
    const signal = AbortSignal.any([c.signal, stopper.signal]);
    while (!signal.aborted) {
      // A failed tick was logged by serial(); the loop goes on so one bad tick does not stop every schedule.
      await serialOn(c, tickNow).catch(logIgnored("schedules: a tick failed (logged)"));
      try {
        await c.clock.sleep(sleepMs(), signal);
      } catch (err) {
        if (signal.aborted) return;
        throw err;
      }
    }
  }

  return {
    name: "schedules",
    async start(c) {
      await checkWorkflows(c.cfg, "schedules", opts.resolveWorkflow ?? defaultResolver(c.cfg));
      ctx = c;
      loop = run();
      loop.catch((err: unknown) => c.log(`schedules stopped: ${errorMessage(err)}`));
    },
    async stop() {
      stopper.abort(new AegisError("E_CANCELLED", "serve is stopping"));
      await loop?.catch(logIgnored("schedules: the loop failed (logged when it happened)"));
      if (ctx) await chains.get(ctx.db);
    },
    tick() {
      if (!ctx) throw new AegisError("E_STATE", "the schedule service has not started");
      return serialOn(ctx, tickNow);
    },
    fireNow(name) {
      if (!ctx) throw new AegisError("E_STATE", "the schedule service has not started");
      return fireScheduleNow(ctx, name);
    },
  };
}

/** What identifies a schedule's timing: when it changes, the cursor restarts (no catch-up of the old pattern). */
function specOf(s: ResolvedSchedule): string {
  return JSON.stringify({ cron: s.cron, at: s.at, tz: s.tz });
}

export function unknownSchedule(name: string, known: string[]): AegisError {
  return new AegisError("E_NOT_FOUND", `no schedule named ${JSON.stringify(name)}`, {
    data: { name, known },
    hint: known.length ? `schedules in the config: ${known.join(", ")}` : "the config declares no schedules (add schedules: { name: { cron, workflow } })",
  });
}
