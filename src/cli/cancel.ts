// `aegis cancel <id> [--json]`: cancels a queue task. A pending task is dropped; a running one has its worker's
// process tree stopped by the aegis process running it (this command waits for that, up to --wait-ms).
// A workflow run id (`run_…`) cancels that run instead: its process stops it cleanly and it stays resumable.

import { defineCommand } from "citty";
import { verbsFor } from "../serve/verbs.ts";
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
    // Through a running serve when there is one, else here (serving no queue: cancelling never starts workers).
    const { verbs } = await verbsFor(await loadConfigFromArgs(args), workDir(args));
    if (args.id.startsWith("run_")) {
      const r = await untilInterrupted(verbs.cancelRun(args.id, waitMs));
      if (args.json) return void out(JSON.stringify(r));
      return void out(r.status === "running" ? `${args.id}: cancel requested; the aegis process running it has not stopped yet` : `${args.id}: ${r.status}`);
    }
    const r = await untilInterrupted(verbs.cancelTask(args.id, waitMs));
    if (args.json) return void out(JSON.stringify(r));
    if (r.requested) out(`${r.taskId}: cancel requested; the aegis process running it has not stopped it yet`);
    else if (r.was === "terminal") out(`${r.taskId} had already ended: ${r.status}`);
    else out(`${r.taskId} cancelled (was ${r.was})`);
  },
});
