// The workflow runs a serve executes: starting them detached (`aegis run --detach`, schedules, webhooks), resuming
// parked or crashed ones, and at shutdown interrupting what still runs, remembering those runs in
// `<stateDir>/serve-resume.json` so that the next serve resumes them along with runs a crash left `crashed`
// (unless their workflow says `resume: "manual"`). It must not decide when to shut down (daemon.ts does).

import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Runtime } from "../runtime.ts";
import { getRun, type RunRow } from "../store/runs.ts";
import { AegisError, errorMessage } from "../util/errors.ts";
import { newId } from "../util/ids.ts";
import { importWorkflowFile, loadConfigWorkflows, resolveWorkflow } from "../workflow/loader.ts";
import { getWorkflow, type Workflow } from "../workflow/registry.ts";
import { reconcileRuns } from "../workflow/run-status.ts";
import { resumeRun, startRun, type RunOutcome } from "../workflow/runner.ts";

export const RESUME_FILE = "serve-resume.json";

interface Live { stop: AbortController; done: Promise<RunOutcome | undefined> }

export class ServeRuns {
  private readonly live = new Map<string, Live>();

  constructor(
    private readonly rt: Runtime,
    private readonly stateDir: string,
    private readonly log: (msg: string) => void,
    private readonly shutdown: AbortSignal,
  ) {}

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
    const runId = newId("run");
    const stop = new AbortController();
    // startRun records the run (or throws a UsageError for bad arguments) before it returns its promise.
    const p = startRun(this.rt, wf, args, { runId, signal: stop.signal, park: true, ...(o.caller ? { callerHandle: o.caller } : {}) });
    this.track(runId, stop, p);
    return runId;
  }

  /** Resumes an unfinished run here; nothing if it already runs in this serve. */
  async resume(runId: string): Promise<void> {
    if (this.live.has(runId)) return;
    this.refuseWhenStopping();
    reconcileRuns(this.rt.store);
    const run = getRun(this.rt.store, runId);
    if (!run) throw new AegisError("E_NOT_FOUND", `no run ${runId}`, { hint: "list runs with: aegis runs" });
    if (run.status === "running") throw new AegisError("E_STATE", `run ${runId} is still running in another aegis process`, { hint: `stop it first: aegis cancel ${runId}` });
    if (run.status === "done") return;
    const wf = await this.workflowOf(run);
    const stop = new AbortController();
    this.track(runId, stop, resumeRun(this.rt, wf, run, { signal: stop.signal, park: true }));
  }

  /** Resolves when no run executes here. */
  async idle(): Promise<void> {
    while (this.live.size > 0) await Promise.all([...this.live.values()].map((l) => l.done));
  }

  /** Interrupts every run still executing (they end `interrupted`, resumable) and notes them for the next serve. */
  async interruptAll(): Promise<void> {
    const ids = this.running;
    if (ids.length === 0) return;
    writeResumeList(this.stateDir, [...new Set([...readResumeList(this.stateDir), ...ids])]);
    for (const l of this.live.values()) l.stop.abort(new AegisError("E_CANCELLED", "aegis serve stopped; the run resumes when serve starts again"));
    await this.idle();
  }

  /** At start: resumes runs a crash left unfinished and runs the previous serve interrupted (resume: "auto" only). */
  async resumeLeftOver(): Promise<void> {
    reconcileRuns(this.rt.store);
    const noted = readResumeList(this.stateDir);
    const rows = this.rt.store.db.query<RunRow, []>("SELECT * FROM runs WHERE status = 'crashed' AND error_code = 'E_CRASHED' ORDER BY created_at").all();
    for (const id of noted) {
      const r = getRun(this.rt.store, id);
      if (r && r.status === "interrupted") rows.push(r);
    }
    if (rows.length === 0) {
      if (noted.length) writeResumeList(this.stateDir, []);
      return;
    }
    await loadConfigWorkflows(this.rt.config);
    for (const run of rows) {
      try {
        const wf = await this.workflowOf(run);
        if ((wf.resume ?? "auto") === "manual") {
          this.log(`run ${run.id} (${run.workflow}) was left ${run.status}; its workflow says resume: "manual": aegis resume ${run.id}`);
          continue;
        }
        this.log(`resuming run ${run.id} (${run.workflow}), left ${run.status}`);
        await this.resume(run.id);
      } catch (err) {
        this.log(`cannot resume run ${run.id} (${run.workflow}): ${errorMessage(err)}`);
      }
    }
    writeResumeList(this.stateDir, []);
  }

  private track(runId: string, stop: AbortController, p: Promise<RunOutcome>): void {
    const done = p.then((outcome) => {
      this.log(`run ${runId} (${outcome.workflow}) ${outcome.status}${outcome.status === "done" ? "" : `: ${errorMessage(outcome.error ?? outcome.status)}`}`);
      return outcome;
    }, (err: unknown) => {
      this.log(`run ${runId} failed to run: ${errorMessage(err)}`);
      return undefined;
    }).finally(() => this.live.delete(runId));
    this.live.set(runId, { stop, done });
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

function readResumeList(stateDir: string): string[] {
  const path = join(stateDir, RESUME_FILE);
  if (!existsSync(path)) return [];
  try {
    const v = JSON.parse(readFileSync(path, "utf8")) as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
  } catch (err) {
    throw new AegisError("E_STATE", `${path} is not a JSON list of run ids: ${errorMessage(err)}`, { hint: `remove it; runs it named can be resumed with aegis resume <runId>` });
  }
}

function writeResumeList(stateDir: string, ids: string[]): void {
  const path = join(stateDir, RESUME_FILE);
  if (ids.length === 0 && !existsSync(path)) return;
  writeFileSync(`${path}.tmp`, `${JSON.stringify(ids)}\n`, { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}
