// The timer service of `aegis serve` (#12): wakes parked runs (src/store/waits.ts run_parks) when they are due — a
// sleep's wake time came, a waitFor's timeout passed, or the signal or answer they wait for arrived — by asking serve
// to resume them (ServeContext.resumeRun). Everything it needs is in the database, so a restarted serve wakes what an
// earlier one parked. It sleeps until the next wake time, at most POLL_MS, and wakes early for a signal sent in this
// process; a signal from another process (`aegis signal` without serve) is seen on the next poll (data_version).
// It must not run workflows itself nor write park rows.

import type { ServeContext, ServeService } from "../serve/service.ts";
import { errorMessage } from "../util/errors.ts";
import { ignoreError } from "../util/log-ignored.ts";
import { onSignal } from "./durable.ts";
import { isForeignRun } from "./runner.ts";

/** The longest the service sleeps without looking (for signals committed by other processes). */
const POLL_MS = 1000;
/** How long a run whose resume failed (its workflow file is gone, say) is left before it is tried again. */
const RETRY_MS = 60_000;

export interface TimerServiceOptions {
  pollMs?: number;
}

export function timerService(opts: TimerServiceOptions = {}): ServeService {
  const pollMs = opts.pollMs ?? POLL_MS;
  const stopping = new AbortController();
  /** Runs asked to resume whose resumeRun has not settled yet: not asked twice. */
  const waking = new Set<string>();
  /** Runs whose resume failed, and when to try again. */
  const retryAt = new Map<string, number>();
  let loop: Promise<void> | undefined;
  let poke: (() => void) | undefined;
  /** A signal was sent while the service was not sleeping: look again at once. */
  let poked = false;
  /**
   * Runs whose resume settled while a look at the due parks was in flight: that look may have read a park the resume
   * has since replaced (a read is a round trip on PostgreSQL), so it does not wake them; the next look does if they
   * are still due (#15).
   */
  let looking = false;
  const settledWhileLooking = new Set<string>();
  const settled = (runId: string) => {
    waking.delete(runId);
    if (looking) settledWhileLooking.add(runId);
  };

  const wakeDue = async (ctx: ServeContext) => {
    settledWhileLooking.clear();
    looking = true;
    try {
      await wakeDueParks(ctx);
    } finally {
      looking = false;
    }
  };

  const wakeDueParks = async (ctx: ServeContext) => {
    const now = ctx.clock.now();
    for (const p of await ctx.db.waits.dueParks(now)) {
      if (waking.has(p.run_id) || (retryAt.get(p.run_id) ?? 0) > now) continue;
      // A run parked on another machine is woken there (its serve sees the same row): never here (#15).
      const owner = await ctx.db.runs.getRun(p.run_id);
      if (owner && isForeignRun(owner)) continue;
      if (settledWhileLooking.has(p.run_id) || waking.has(p.run_id)) {
        poked = true; // read before its last resume settled: look again at once, with a fresh read
        continue;
      }
      waking.add(p.run_id);
      retryAt.delete(p.run_id);
      ctx.log(`timers: waking ${p.run_id} (${p.state}${p.event ? ` for ${p.event}` : ""})`);
      ctx.resumeRun(p.run_id).then(
        () => settled(p.run_id),
        (err: unknown) => {
          settled(p.run_id);
          retryAt.set(p.run_id, ctx.clock.now() + RETRY_MS);
          ctx.log(`timers: resuming ${p.run_id} failed: ${errorMessage(err)}; trying again in ${RETRY_MS / 1000}s`);
        },
      );
    }
  };

  const run = async (ctx: ServeContext, signal: AbortSignal) => {
    while (!signal.aborted) {
      poked = false;
      try {
        await wakeDue(ctx);
      } catch (err) {
        ctx.log(`timers: ${errorMessage(err)}`); // a busy or broken database: try again on the next tick
      }
      // Parks due now are being woken (or wait for a retry): sleep until the next future wake time, at most pollMs.
      const now = ctx.clock.now();
      const next = await ctx.db.waits.nextWake(now);
      const wait = next === undefined ? pollMs : Math.min(pollMs, next - now);
      const tick = new AbortController();
      const onStop = () => tick.abort();
      signal.addEventListener("abort", onStop, { once: true });
      poke = () => tick.abort();
      try {
        if (!poked) await ctx.clock.sleep(wait, tick.signal);
      } catch (err) {
        // Woken early: a signal was sent in this process, or serve is stopping (the loop condition sees it).
        ignoreError("the timer service's sleep", err);
      } finally {
        signal.removeEventListener("abort", onStop);
        poke = undefined;
      }
    }
  };

  let unsubscribe: (() => void) | undefined;
  return {
    name: "timers",
    async start(ctx) {
      const signal = AbortSignal.any([stopping.signal, ctx.signal]);
      unsubscribe = onSignal(() => {
        poked = true;
        poke?.();
      });
      loop = run(ctx, signal);
    },
    async stop() {
      stopping.abort();
      unsubscribe?.();
      await loop;
    },
  };
}
