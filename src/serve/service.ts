// The seam between `aegis serve` (src/serve/daemon.ts) and the long-running services it composes: queues, timers
// and parked runs, schedules, webhooks. A service gets one ServeContext when serve starts and is stopped, with a grace
// period, when serve shuts down. The clock is injectable so that unit tests drive time without a real serve or real
// waiting. This file holds only types and the real clock: it must not import a service or start anything.

import type { LoadedConfig } from "../config/validate.ts";
import type { Db } from "../store/api.ts";

/** The project's resolved configuration, as a serve holds it. */
export type ResolvedConfig = LoadedConfig;

/** Time, injectable: the real one below, a fake one in tests. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`; rejects with the signal's reason if it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export interface ServeContext {
  cfg: ResolvedConfig;
  /** The state, through the store contract (the serve runtime's rt.db): SQLite or PostgreSQL. */
  db: Db;
  /**
   * This serve's owner id (rt.owner): the schedule fires it records carry it, so another serve sharing the database
   * leaves them to it while it lives and adopts them once it is dead (#15).
   */
  owner?: string;
  clock: Clock;
  /** One line to serve's log (stderr), without a trailing newline. */
  log: (msg: string) => void;
  /** Starts a workflow run in this serve process (detached: returns when it has started); resolves with its runId. */
  startRun(workflow: string, args: Record<string, unknown>, opts?: { caller?: string; resumeRunId?: string }): Promise<string>;
  /** Resumes a parked/interrupted run in this process (no-op if it is already running here). */
  resumeRun(runId: string): Promise<void>;
  /** Aborted when serve begins shutting down. */
  signal: AbortSignal;
}

export interface ServeService {
  readonly name: string;
  start(ctx: ServeContext): Promise<void>;
  /** Stop taking new work; resolve when this service's own work is stopped (within graceMs). */
  stop(graceMs: number): Promise<void>;
}

/** The wall clock: Date.now and a timer that an AbortSignal cancels. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep(ms, signal) {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal!.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, Math.max(0, ms));
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  },
};
