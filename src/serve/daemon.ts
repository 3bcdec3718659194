// `aegis serve`'s process: takes the project's serve lock, builds one runtime serving every queue and the MCP plane,
// listens on the control socket, starts the services (timers, schedules, webhooks: one line each below), resumes
// runs a crash left unfinished, and shuts down in order: stop taking work, give running work `graceMs`, then
// interrupt what is left (runs stay resumable; the next serve resumes them). It must not print to stdout or parse flags.

import { dirname } from "node:path";
import type { LoadedConfig } from "../config/validate.ts";
import { startRuntime, statePath, type Runtime } from "../runtime.ts";
import { ensureStateDir } from "../store/state-dir.ts";
import { AegisError, errorMessage } from "../util/errors.ts";
import { listenControl, type ControlServer } from "./socket.ts";
import { acquireServeLock, type ServeLock } from "./lock.ts";
import { ServeRuns } from "./runs.ts";
import { scheduleService } from "../schedule/service.ts";
import { webhookService } from "../schedule/webhooks.ts";
import { systemClock, type Clock, type ServeContext, type ServeService } from "./service.ts";
import { timerService } from "../workflow/timer-service.ts";

export interface ServeOptions {
  config: LoadedConfig;
  /** How long running work may go on after shutdown begins before it is interrupted. */
  graceMs: number;
  clock?: Clock;
  /** One line to the log (stderr by default). */
  log?: (msg: string) => void;
  /** The services to run; default defaultServices(). */
  services?: ServeService[];
  /** How often queue workers look for work enqueued by other processes (default 1000 ms). */
  pollMs?: number;
}

export interface Serve {
  readonly ctx: ServeContext;
  readonly rt: Runtime;
  readonly stateDir: string;
  /** Shuts down gracefully (idempotent); resolves when everything is stopped and the lock released. */
  stop(reason: string): Promise<void>;
  /** Resolves when the serve has stopped (after stop(), or after the queues failed for good). */
  readonly stopped: Promise<void>;
}

/**
 * The services every serve runs (timers, schedules, webhooks register here). Webhooks start first: their checks (a
 * secret unset, the port taken) can refuse the start, and must do so before a schedule fires or a timer wakes a run.
 */
export function defaultServices(): ServeService[] {
  return [webhookService(), timerService(), scheduleService()];
}

export async function startServe(opts: ServeOptions): Promise<Serve> {
  const stateDir = dirname(statePath(opts.config));
  ensureStateDir(stateDir);
  const log = opts.log ?? ((msg: string) => process.stderr.write(`aegis serve: ${msg}\n`));
  const lock = acquireServeLock(stateDir);
  let rt: Runtime | undefined;
  let control: ControlServer | undefined;
  const shutdown = new AbortController();
  const started: ServeService[] = [];
  try {
    rt = await startRuntime({ config: opts.config, queues: { keepAlive: true, pollMs: opts.pollMs ?? 1000 } });
    const clock = opts.clock ?? systemClock;
    const runs = new ServeRuns(rt, stateDir, log, shutdown.signal);
    const ctx: ServeContext = {
      cfg: opts.config, db: rt.db, owner: rt.owner, clock, log, signal: shutdown.signal,
      startRun: (workflow, args, o) => runs.start(workflow, args, o),
      resumeRun: (runId) => runs.resume(runId),
    };
    control = listenControl(stateDir, { ctx, rt });
    const services = opts.services ?? defaultServices();
    for (const s of services) {
      await s.start(ctx);
      started.push(s);
    }
    rt.queues.on((e) => {
      const t = e.task;
      if (e.type === "started") log(`${t.taskId} started on ${t.queue} (worker ${t.workerHandle})`);
      else if (e.type === "finished") log(`${t.taskId} ${t.status}${t.status === "failed" ? `: ${(t.error ?? "").split("\n")[0]}` : ""}`);
    });
    await rt.queues.start();
    const serve = build(opts, { rt, ctx, runs, lock, control, shutdown, started, stateDir, log });
    void rt.queues.serve().catch((err: unknown) => {
      if (shutdown.signal.aborted) return; // closing the queues at shutdown ends serve() too
      log(`the queues stopped: ${errorMessage(err)}`);
      void serve.stop("the queues failed");
    });
    await runs.resumeLeftOver();
    log(`serving ${Object.keys(opts.config.queues).length} queue(s), ${services.length} service(s); control socket ${control.path} (pid ${process.pid})`);
    return serve;
  } catch (err) {
    // A service that failed to start (a webhook without its secret) stops those already started before the
    // database closes under them.
    shutdown.abort(new AegisError("E_CANCELLED", "aegis serve did not start"));
    for (const s of started.reverse()) await s.stop(0).catch((e: unknown) => log(`stopping ${s.name}: ${errorMessage(e)}`));
    control?.close();
    await rt?.close();
    lock.release();
    throw err;
  }
}

interface Parts {
  rt: Runtime; ctx: ServeContext; runs: ServeRuns; lock: ServeLock; control: ControlServer;
  shutdown: AbortController; started: ServeService[]; stateDir: string; log: (msg: string) => void;
}

function build(opts: ServeOptions, p: Parts): Serve {
  let stopping: Promise<void> | undefined;
  let markStopped!: () => void;
  const stopped = new Promise<void>((resolve) => (markStopped = resolve));
  return {
    ctx: p.ctx, rt: p.rt, stateDir: p.stateDir, stopped,
    stop(reason) {
      stopping ??= (async () => {
        p.log(`stopping (${reason}): taking no new work; running work has ${Math.round(opts.graceMs / 1000)}s to finish`);
        p.shutdown.abort(new AegisError("E_CANCELLED", `aegis serve is stopping (${reason})`));
        p.rt.queues.stopTaking();
        const problems: string[] = [];
        const graceOver = new AbortController();
        const grace = p.ctx.clock.sleep(opts.graceMs, graceOver.signal).then(() => false, () => true);
        const work = Promise.all([
          // Runs are awaited once the services have stopped: a fire or a wake in flight may still start one.
          Promise.all(p.started.map((s) => s.stop(opts.graceMs).catch((err: unknown) => void problems.push(`${s.name}: ${errorMessage(err)}`))))
            .then(() => p.runs.idle()),
          p.rt.queues.idle(),
        ]).then(() => true);
        const finished = await Promise.race([work, grace]);
        graceOver.abort();
        if (!finished) p.log("the grace period is over: interrupting what still runs (runs stay resumable; running queue tasks fail as interrupted)");
        await p.runs.interruptAll();
        try {
          await p.rt.close();
        } finally {
          p.control.close();
          p.lock.release();
          for (const m of problems) p.log(`stopping ${m}`);
          p.log("stopped");
          markStopped();
        }
      })();
      return stopping;
    },
  };
}
