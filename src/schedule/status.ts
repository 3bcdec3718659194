// What `aegis schedules`, the `aegis_schedules` MCP tool and serve's control API show about each schedule (#12): its
// timing, its next fire and its last fire with the run's status. It reads rows and computes; it never fires anything.

import type { ResolvedSchedule } from "../config/serve-schema.ts";
import type { Db } from "../store/api.ts";
import { lastFire, type FireWithRun } from "../store/schedules.ts";
import type { Store } from "../store/store.ts";
import { nextFireAfter } from "./plan.ts";

export interface ScheduleView {
  name: string;
  workflow: string;
  /** The cron pattern, or null for a one-shot. */
  cron: string | null;
  /** A one-shot's time (ISO), or null. */
  at: string | null;
  tz: string | null;
  overlap: ResolvedSchedule["overlap"];
  catchUp: ResolvedSchedule["catchUp"];
  enabled: boolean;
  /** The next scheduled time (ISO), or null (disabled, or a one-shot that has passed). */
  next: string | null;
  /** The latest fire: its scheduled time, what became of it and its run. */
  last: { scheduledAt: string; state: string; manual: boolean; runId: string | null; runStatus: string | null; reason: string | null } | null;
}

/** The views from a synchronous store (aegis ui's read-only connection). */
export function scheduleViews(schedules: Record<string, ResolvedSchedule>, store: Store | undefined, now: number): ScheduleView[] {
  return Object.values(schedules).map((s) => view(s, store ? lastFire(store, s.name) : null, now));
}

/** The views through the store contract, on either backend. */
export async function scheduleViewsDb(schedules: Record<string, ResolvedSchedule>, db: Db, now: number): Promise<ScheduleView[]> {
  const out: ScheduleView[] = [];
  for (const s of Object.values(schedules)) out.push(view(s, await db.schedules.lastFire(s.name), now));
  return out;
}

function view(s: ResolvedSchedule, last: FireWithRun | null, now: number): ScheduleView {
  const next = s.enabled ? nextFireAfter(s, now) : null;
  return {
    name: s.name,
    workflow: s.workflow,
    cron: s.cron ?? null,
    at: s.at !== undefined ? new Date(s.at).toISOString() : null,
    tz: s.tz ?? null,
    overlap: s.overlap,
    catchUp: s.catchUp,
    enabled: s.enabled,
    // A one-shot whose time passed without a fire row still fires once when a serve runs (catchUp permitting).
    next: next !== null ? new Date(next).toISOString() : s.enabled && s.at !== undefined && !last ? new Date(s.at).toISOString() : null,
    last: last ? {
      scheduledAt: new Date(last.scheduled_at).toISOString(), state: last.state, manual: last.manual === 1,
      runId: last.run_id, runStatus: last.run_status, reason: last.reason,
    } : null,
  };
}
