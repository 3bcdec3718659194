// A ServeContext for schedule and webhook tests: a fake clock the test sets, a store, and a startRun that records a
// `runs` row (with its caller, as serve's does) and the call, so tests see what started without running workflows.

import type { ResolvedSchedule, ResolvedServe, ResolvedWebhook } from "../../src/config/serve-schema.ts";
import type { LoadedConfig } from "../../src/config/validate.ts";
import type { Clock, ServeContext } from "../../src/serve/service.ts";
import { finishRun, insertRun } from "../../src/store/runs.ts";
import { sqliteDb } from "../../src/store/sqlite/db.ts";
import type { Store } from "../../src/store/store.ts";

export interface FakeServe {
  ctx: ServeContext;
  clock: Clock & { t: number };
  started: { runId: string; workflow: string; args: Record<string, unknown>; caller?: string }[];
  logs: string[];
  /** Ends a started run with `status`. */
  finish(runId: string, status?: "done" | "failed"): void;
  abort: AbortController;
}

let seq = 0;

export function fakeServe(store: Store, cfg: { schedules?: Record<string, ResolvedSchedule>; webhooks?: Record<string, ResolvedWebhook>; serve?: ResolvedServe }, at: number): FakeServe {
  const abort = new AbortController();
  const clock = {
    t: at,
    now() { return this.t; },
    // Never elapses on its own: tests drive time by setting `t` and calling tick().
    sleep: (_ms: number, signal?: AbortSignal) => new Promise<void>((_resolve, reject) => {
      signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
    }),
  };
  const started: FakeServe["started"] = [];
  const logs: string[] = [];
  const ctx: ServeContext = {
    cfg: { file: "/proj/.aegis.ts", schedules: cfg.schedules ?? {}, webhooks: cfg.webhooks ?? {}, serve: cfg.serve ?? {} } as unknown as LoadedConfig,
    // Over the test's store (which the test closes): its rows are what the service wrote, read back synchronously.
    db: sqliteDb(store, { closeStore: false, safetyPollMs: 3_600_000 }),
    clock,
    log: (m) => logs.push(m),
    async startRun(workflow, args, opts) {
      const runId = `run_test${String(++seq).padStart(6, "0")}`;
      insertRun(store, { id: runId, workflow, args, ...(opts?.caller ? { caller: opts.caller } : {}), at: clock.t });
      started.push({ runId, workflow, args, ...(opts?.caller ? { caller: opts.caller } : {}) });
      return runId;
    },
    async resumeRun() {},
    signal: abort.signal,
  };
  return {
    ctx, clock, started, logs, abort,
    finish: (runId, status = "done") => finishRun(store, runId, { status, at: clock.t, attemptMs: 1 }),
  };
}

export function schedule(name: string, s: Partial<ResolvedSchedule>): ResolvedSchedule {
  return { name, workflow: "wf", args: {}, overlap: "skip", catchUp: "latest", enabled: true, ...s };
}
