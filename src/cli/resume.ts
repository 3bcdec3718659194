// `aegis resume <runId> [--answer k=v] [--json] [--timeout 30m] [--max-cost 5]`: the next attempt of a run that did not
// finish. Its journal is replayed (recorded steps return their outputs without running again) and the run goes live
// at the first unrecorded step. A run that is done prints its result; one still running elsewhere is refused.

import { defineCommand } from "citty";
import { out, writeErr } from "../ui/log.ts";
import { AegisError, UsageError } from "../util/errors.ts";
import { runFlags } from "../workflow/args.ts";
import { importWorkflowFile, loadConfigWorkflows } from "../workflow/loader.ts";
import { startRunRuntime } from "../workflow/queue-serving.ts";
import { getWorkflow, listWorkflows } from "../workflow/registry.ts";
import { reconcileRuns, requireLocalRun } from "../workflow/run-status.ts";
import { loadConfigFromArgs, workDir } from "./context.ts";
import { runAndReport, runFlagArgs } from "./run.ts";

export default defineCommand({
  meta: { name: "resume", description: "Resume a run that did not finish: replay its journal, then continue live" },
  args: {
    runId: { type: "positional", description: "The run's id (run_…), from `aegis runs`", required: true },
    detach: { type: "boolean", description: "Resume it in this project's running `aegis serve`, print its runId and return" },
    ...runFlagArgs,
  },
  async run({ args }) {
    const flags = runFlags(args);
    const runId = args.runId;
    const config = await loadConfigFromArgs(flags);
    if (args.detach) {
      const { verbsFor } = await import("../serve/verbs.ts");
      await (await verbsFor(config, workDir(flags))).verbs.resumeDetached(runId);
      return void out(args.json ? JSON.stringify({ runId }) : runId);
    }
    const { rt, serveQueue } = await startRunRuntime({ config });
    try {
      await reconcileRuns(rt.db);
      const run = await rt.db.runs.getRun(runId);
      if (!run) throw new UsageError(`no run ${runId}`, "list runs with: aegis runs");
      if (run.status === "running") {
        throw new AegisError("E_STATE", `run ${runId} is still running in another aegis process`, { hint: `stop it first: aegis cancel ${runId}` });
      }
      if (run.status === "done") {
        writeErr(`run ${runId} is already done; its result:\n`);
        const result: unknown = run.result === null ? undefined : JSON.parse(run.result);
        if (result !== undefined) out(typeof result === "string" ? result : JSON.stringify(result, null, 2));
        await rt.close();
        return;
      }
      requireLocalRun(run); // its parked files and worktrees are on the machine that ran it (#15)
      await loadConfigWorkflows(config);
      if (run.file) await importWorkflowFile(run.file);
      const wf = getWorkflow(run.workflow);
      if (!wf) {
        throw new AegisError("E_CONFIG", `run ${runId} is of workflow "${run.workflow}", which is no longer registered`, {
          hint: `registered: ${listWorkflows().join(", ") || "(none)"}`,
        });
      }
      const { resumeRun } = await import("../workflow/runner.ts");
      await runAndReport(rt, flags, (opts) => resumeRun(rt, wf, run, { ...opts, serveQueue }));
    } catch (err) {
      await rt.close();
      throw err;
    }
  },
});
