// The one builder of `turn_end` events: every driver (and the session's guard for a broken driver) ends a turn with
// `turnEnd(startedAt, …)`, so the shape (duration from the turn's start, zero usage when unknown, `error` only on
// failed turns) and the wording of an idle timeout are the same for every provider. Types and pure functions only.

import { type TurnEnd, type Usage, ZERO_USAGE } from "./driver.ts";

export interface TurnEndFields {
  stopReason: string;
  isError: boolean;
  error?: string | undefined;
  usage?: Usage | undefined;
  costUsd?: number | undefined;
}

/** A `turn_end` for a turn started at `startedAt` (performance.now()); `durationMs` is measured here. */
export function turnEnd(startedAt: number, f: TurnEndFields): TurnEnd {
  const end: TurnEnd = {
    type: "turn_end",
    stopReason: f.stopReason,
    isError: f.isError,
    durationMs: Math.round(performance.now() - startedAt),
    usage: f.usage ?? { ...ZERO_USAGE },
  };
  if (f.error !== undefined) end.error = f.error;
  if (f.costUsd !== undefined) end.costUsd = f.costUsd;
  return end;
}

/** A failed turn: `stopReason` "error" unless given ("timeout", "cancelled"). */
export function errorEnd(startedAt: number, error: string, stopReason = "error", extra?: Pick<TurnEndFields, "usage" | "costUsd">): TurnEnd {
  return turnEnd(startedAt, { stopReason, isError: true, error, ...extra });
}

/** The error text of a turn ended by the idle timeout, the same for every driver. */
export function idleTimeoutError(label: string, idleMs: number, detail?: string): string {
  return `timed out: no event from ${label} for ${idleMs} ms, so the turn was interrupted${detail ? `: ${detail}` : ""}`;
}
