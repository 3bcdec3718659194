// The workflow runs a serve executes: starting them detached (`aegis run --detach`, schedules, webhooks), resuming
// parked or crashed ones, and shutting them down. Every run this serve executes is listed in
// `<stateDir>/serve-runs.json` from before it starts until it ends; one still listed at the next start was cut off
// (the serve was killed, or stopped it at shutdown) and is resumed, as is any run recorded as crashed (its `aegis run`
// process died), unless its workflow says `resume: "manual"`.
// At shutdown a run stops at its next step boundary: a step (an agent's turn) in flight may finish first.
// It must not decide when to shut down (daemon.ts does).

import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Runtime } from "../runtime.ts";
import type { RunRow } from "../store/runs.ts";
import type { RunEvent } from "../ui/events.ts";
import { AegisError, errorCode, errorMessage } from "../util/errors.ts";
import { newId } from "../util/ids.ts";
import { importWorkflowFile, loadConfigWorkflows, resolveWorkflow } from "../workflow/loader.ts";
import { getWorkflow, type Workflow } from "../workflow/registry.ts";
import { reconcileRuns } from "../workflow/run-status.ts";
import { isForeignRun, requireLocalRun, resumeRun, startRun, type RunOptions, type RunOutcome } from "../workflow/runner.ts";

export const RUNS_FILE = "serve-runs.json";

interface Live { stop: AbortController; inFlight: number; done: Promise<RunOutcome | undefined> }

export class ServeRuns {
  private readonly live = new Map<string, Live>();
  private readonly owned: Set<string>;
  private readonly file: string;

  constructor(
    private readonly rt: Runtime,
    stateDir: string,
    private readonly log: (msg: string) => void,
    private readonly shutdown: AbortSignal,
  ) {
    this.file = join(stateDir, RUNS_FILE);
    this.owned = new Set(readList(this.file));
    shutdown.addEventListener("abort", () => {
      for (const l of this.live.values()) if (l.inFlight === 0) l.stop.abort(stopping());
    }, { once: true });
  }

  /** The runs executing in this serve. */
  get running(): string[] {
    return [...this.live.keys()];
  }

  /** Starts a run of `workflow` (a registered name or a .ts file) and resolves with its id once it is recorded. */
  async start(workflow: string, args: Record<string, unknown>, o: { caller?: string; resumeRunId?: string } = {}): Promise<string> {
    if (o.resumeRunId) {
      await this.resume(o.resumeRunId);
      return o.resumeRunId;
    }
    this.refuseWhenStopping();
    const wf = await resolveWorkflow(this.rt.config, workflow, this.rt.config.root);
    this.refuseWhenStopping(); // again: serve may have begun stopping during the import
    const runId = newId("run");
    this.own(runId); // before the run exists: a crash from here on leaves it listed, never lost
    // Its id is handed out once its row is committed (on PostgreSQL that is a round trip away, #15): a serve killed
    // right after answering never leaves the caller an id of a run that does not exist. Bad arguments reject here.
    const recorded = Promise.withResolvers<void>();
    try {
      this.track(runId, (opts) => {
        const p = startRun(this.rt, wf, args, { ...opts, runId, onRecorded: recorded.resolve, ...(o.caller ? { callerHandle: o.caller } : {}) });
        p.catch(recorded.reject); // settles nothing once recorded; track() handles the run's own end
        return p;
      });
      await recorded.promise;
    } catch (err) {
      this.disown(runId);
      throw err;
    }
    return runId;
  }

  /** Resumes an unfinished run here; nothing if it already runs in this serve or is done. */
  async resume(runId: string): Promise<void> {
    if (this.live.has(runId)) return;
    this.refuseWhenStopping();
    await reconcileRuns(this.rt.db);
    const run = await this.rt.db.runs.getRun(runId);
    if (!run) throw new AegisError("E_NOT_FOUND", `no run ${runId}`, { hint: "list runs with: aegis runs" });
    if (run.status === "running") throw new AegisError("E_STATE", `run ${runId} is still running in another aegis process`, { hint: `stop it first: aegis cancel ${runId}` });
    if (run.status === "done") return;
    requireLocalRun(run); // another machine's run: its serve resumes it (#15)
    const wf = await this.workflowOf(run);
    // Checked again after the import: meanwhile another caller may have resumed it, or serve begun stopping (its
    // timer wakes are not awaited at shutdown; a run started now would only be interrupted).
    if (this.live.has(runId)) return;
    this.refuseWhenStopping();
    this.own(runId);
    this.track(runId, (opts) => resumeRun(this.rt, wf, run, opts));
  }

  /** Resolves when no run executes here. */
  async idle(): Promise<void> {
    while (this.live.size > 0) await Promise.all([...this.live.values()].map((l) => l.done));
  }

  /** Interrupts every run still executing, mid-step (they end `interrupted`, resumable, and stay listed). */
  async interruptAll(): Promise<void> {
    for (const l of this.live.values()) l.stop.abort(stopping());
    await this.idle();
  }

  /**
   * At start: resumes the runs a crash left unfinished (resume: "auto" workflows; the others are named in the log):
   * those a previous serve was executing, and every run recorded as crashed (its process died while it ran: an
   * `aegis run` killed, a machine restart). A run stopped on purpose (`interrupted`: Ctrl-C, --timeout, --max-cost),
   * failed or cancelled is left alone.
   */
  async resumeLeftOver(): Promise<void> {
    await reconcileRuns(this.rt.db);
    const ids = new Set([...this.owned, ...(await this.rt.db.runs.crashedRunIds())]);
    if (ids.size === 0) return;
    await loadConfigWorkflows(this.rt.config);
    for (const id of ids) {
      const run = await this.rt.db.runs.getRun(id);
      // A run another machine started is resumed by that machine's serve (#15).
      if (!run || run.status === "done" || run.status === "cancelled" || run.error_code === "E_PARKED" || isForeignRun(run)) {
        this.disown(id);
        continue;
      }
      try {
        const wf = await this.workflowOf(run);
        if ((wf.resume ?? "auto") === "manual") {
          this.log(`run ${run.id} (${run.workflow}) was left ${run.status}; its workflow says resume: "manual": aegis resume ${run.id}`);
          this.disown(id);
          continue;
        }
        this.log(`resuming run ${run.id} (${run.workflow}), left ${run.status}`);
        await this.resume(run.id);
      } catch (err) {
        this.log(`cannot resume run ${run.id} (${run.workflow}): ${errorMessage(err)}; it stays for aegis resume ${run.id}`);
        this.disown(id);
      }
    }
  }

  private track(runId: string, go: (opts: RunOptions) => Promise<RunOutcome>): void {
    const stop = new AbortController();
    const live: Live = { stop, inFlight: 0, done: Promise.resolve(undefined) };
    const onEvent = (e: RunEvent) => {
      if (e.type === "step_start") live.inFlight++;
      else if (e.type === "step_end") live.inFlight = Math.max(0, live.inFlight - 1);
      else return;
      // Shutting down: the run stops at this step boundary (a step that just ended is journaled; one just begun redoes).
      if (this.shutdown.aborted && (e.type === "step_start" || live.inFlight === 0)) stop.abort(stopping());
    };
    // park: a sleep, a waitFor or an unanswerable askHuman parks the run; the timer service wakes it (#12).
    const p = go({ signal: stop.signal, onEvent, park: true });
    live.done = p.then((outcome) => {
      const parked = errorCode(outcome.error) === "E_PARKED"; // logged as parked (sleeping, waiting), not interrupted
      const why = errorMessage(outcome.error ?? outcome.status).replace(/^the run is parked, /, "");
      this.log(`run ${runId} (${outcome.workflow}) ${parked ? "parked" : outcome.status}${outcome.status === "done" ? "" : `: ${why}`}`);
      // Cut off by this serve's shutdown: stays listed for the next serve. Any other end is the run's own.
      // A parked run is the timer service's to wake, not a cut-off one.
      if (!(outcome.status === "interrupted" && this.shutdown.aborted) || parked) this.disown(runId);
      return outcome;
    }, (err: unknown) => {
      this.log(`run ${runId} failed to run: ${errorMessage(err)}`);
      this.disown(runId);
      return undefined;
    }).finally(() => this.live.delete(runId));
    this.live.set(runId, live);
  }

  private own(runId: string): void {
    if (this.owned.has(runId)) return;
    this.owned.add(runId);
    writeList(this.file, this.owned);
  }

  private disown(runId: string): void {
    if (this.owned.delete(runId)) writeList(this.file, this.owned);
  }

  private refuseWhenStopping(): void {
    if (this.shutdown.aborted) throw new AegisError("E_STATE", "aegis serve is stopping and starts no new run", { hint: "start it again once it has stopped" });
  }

  private async workflowOf(run: RunRow): Promise<Workflow> {
    await loadConfigWorkflows(this.rt.config);
    if (run.file && existsSync(run.file)) await importWorkflowFile(run.file);
    const wf = getWorkflow(run.workflow);
    if (!wf) throw new AegisError("E_CONFIG", `run ${run.id} is of workflow "${run.workflow}", which is no longer registered`);
    return wf;
  }
}

function stopping(): AegisError {
  return new AegisError("E_CANCELLED", "aegis serve stopped; the run resumes when serve starts again");
}

function readList(path: string): string[] {
  if (!existsSync(path)) return [];
  try {
    const v = JSON.parse(readFileSync(path, "utf8")) as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
  } catch (err) {
    throw new AegisError("E_STATE", `${path} is not a JSON list of run ids: ${errorMessage(err)}`, { hint: "remove it; the runs it named can be resumed with aegis resume <runId>" });
  }
}

/** Written whole and renamed into place, so a crash leaves the old list or the new one. */
function writeList(path: string, ids: Set<string>): void {
  writeFileSync(`${path}.tmp`, `${JSON.stringify([...ids])}\n`, { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}
