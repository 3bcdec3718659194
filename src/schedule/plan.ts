// Pure schedule planning (#12): given a schedule, the latest scheduled time already planned (its cursor) and now,
// which fires are due and where the cursor moves. No store, no clock, no I/O: the service feeds it numbers, tests
// feed it any time they like. Croner reads the pattern (5 fields, or 6 with seconds first) in the schedule's tz.

import { Cron } from "croner";
import type { ResolvedSchedule } from "../config/serve-schema.ts";

/** A fire later than this after its time counts as missed (what catchUp "none" drops). */
export const ON_TIME_MS = 60_000;
/** catchUp "all" runs at most this many missed fires (the latest ones), so a long outage cannot flood the queue. */
export const MAX_CATCH_UP = 1000;

export type ScheduleSpec = Pick<ResolvedSchedule, "cron" | "at" | "tz" | "catchUp">;

export interface Plan {
  /** Scheduled times to fire, oldest first. */
  due: number[];
  /** The new cursor: the latest scheduled time that is now planned (fired or passed over). */
  cursor: number;
}

/** Parsed patterns by pattern and tz: serve asks for every schedule's next fire on each wake-up. */
const parsed = new Map<string, Cron>();

function cronOf(s: ScheduleSpec): Cron {
  const key = `${s.cron!}\u0000${s.tz ?? ""}`;
  let cron = parsed.get(key);
  if (!cron) {
    cron = new Cron(s.cron!, { paused: true, mode: "5-or-6-parts", ...(s.tz ? { timezone: s.tz } : {}) });
    if (parsed.size >= 1000) parsed.clear(); // a bound, not an LRU: configs hold far fewer patterns
    parsed.set(key, cron);
  }
  return cron;
}

/** The schedule's first scheduled time strictly after `after`, or null if it has none (a one-shot in the past). */
export function nextFireAfter(s: ScheduleSpec, after: number): number | null {
  if (s.at !== undefined) return s.at > after ? s.at : null;
  return cronOf(s).nextRun(new Date(after))?.getTime() ?? null;
}

/** The fires due in (cursor, now], as the schedule's catchUp policy has them. */
export function planFires(s: ScheduleSpec, cursor: number, now: number): Plan {
  const next = nextFireAfter(s, cursor);
  if (next === null || next > now) return { due: [], cursor };
  const times = dueTimes(s, cursor, now, s.catchUp === "all" ? MAX_CATCH_UP : 1);
  if (times.length === 0) return { due: [], cursor };
  const latest = times[times.length - 1]!;
  if (s.catchUp === "none") return { due: now - latest <= ON_TIME_MS ? [latest] : [], cursor: latest };
  return { due: times, cursor: latest };
}

/** Up to `max` scheduled times in (cursor, now], the latest ones, oldest first. */
function dueTimes(s: ScheduleSpec, cursor: number, now: number, max: number): number[] {
  if (s.at !== undefined) return s.at > cursor && s.at <= now ? [s.at] : [];
  // previousRuns counts back from just after now, so a fire at exactly `now` is included.
  const back = cronOf(s).previousRuns(max, new Date(now + 1)).map((d) => d.getTime());
  return back.filter((t) => t > cursor && t <= now).reverse();
}

/** What a due fire does when the schedule's previous run may still be going. */
export function overlapAction(policy: ResolvedSchedule["overlap"], previousActive: boolean): "start" | "skip" | "wait" {
  if (!previousActive || policy === "allow") return "start";
  return policy === "skip" ? "skip" : "wait";
}

/** Run statuses after which a run is over (anything else, such as running, waiting or interrupted, is still going). */
const FINISHED = new Set(["done", "failed", "crashed", "cancelled"]);

export function runIsActive(status: string | null): boolean {
  return status !== null && !FINISHED.has(status);
}

/** The key a fire's run carries as its caller, so a run started just before a crash is found again, not doubled. */
export function fireCaller(schedule: string, scheduledAt: number): string {
  return `schedule:${schedule}@${new Date(scheduledAt).toISOString()}`;
}
