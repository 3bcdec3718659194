// `aegis cancel <id> [--json]`: cancels a queue task. A pending task is dropped; a running one has its worker's
// process tree stopped by the aegis process running it (this command waits for that, up to --wait-ms).
// A workflow run id (`run_…`) cancels that run instead: its process stops it cleanly and it stays resumable.

import { defineCommand } from "citty";
import type { LoadedConfig } from "../config/validate.ts";
import { createRuntime } from "../runtime.ts";
import { out } from "../ui/log.ts";
import { UsageError } from "../util/errors.ts";
import { configArgs, jsonArg, loadConfigFromArgs, workDir } from "./context.ts";
import { untilInterrupted } from "./enqueue.ts";

export default defineCommand({
  meta: { name: "cancel", description: "Cancel a queue task (task_…) or a workflow run (run_…)" },
  args: {
    id: { type: "positional", description: "The task id (task_…) or workflow run id (run_…)", required: true },
    "wait-ms": { type: "string", description: "How long to wait for another aegis process to stop the worker (default 10000)", valueHint: "ms" },
    ...configArgs,
    ...jsonArg,
  },
  async run({ args }) {
    const waitMs = args["wait-ms"] === undefined ? 10_000 : Number(args["wait-ms"]);
    if (!Number.isFinite(waitMs) || waitMs < 0) throw new UsageError(`--wait-ms must be a number of milliseconds; got "${args["wait-ms"]}"`);
    const config = await loadConfigFromArgs(args);
    if (args.id.startsWith("run_")) return cancelWorkflowRun(config, args.id, waitMs, Boolean(args.json));
    // Serves no queue: cancelling must never start workers here.
    const rt = createRuntime({ config, cwd: workDir(args), queues: { serve: [], pollMs: 100 } });
    try {
      const r = await untilInterrupted(rt.queues.cancel(args.id, { waitMs }));
      if (args.json) return void out(JSON.stringify(r));
      if (r.requested) out(`${r.taskId}: cancel requested; the aegis process running it has not stopped it yet`);
      else if (r.was === "terminal") out(`${r.taskId} had already ended: ${r.status}`);
      else out(`${r.taskId} cancelled (was ${r.was})`);
    } finally {
      await rt.close();
    }
  },
});

async function cancelWorkflowRun(config: LoadedConfig, runId: string, waitMs: number, json: boolean): Promise<void> {
  const { openStore } = await import("../store/store.ts");
  const { statePath } = await import("../runtime.ts");
  const { cancelRun } = await import("../workflow/run-status.ts");
  const store = openStore(statePath(config));
  try {
    const r = await untilInterrupted(cancelRun(store, runId, waitMs));
    if (json) return void out(JSON.stringify(r));
    out(r.status === "running" ? `${runId}: cancel requested; the aegis process running it has not stopped yet` : `${runId}: ${r.status}`);
  } finally {
    store.close();
  }
}
