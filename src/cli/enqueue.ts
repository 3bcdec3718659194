// `aegis enqueue <queue> <payload|-> [--wait] [--json] [--key k]`: adds a task to a queue. Without --wait the task is
// recorded (a running `aegis serve` or an `aegis work` process runs it); with --wait it waits for the task to end and
// prints its result, exiting 1 if it failed or was cancelled: the running serve works the task (enqueued through its
// socket, this process only watching the task's row), or with none this process runs the queue's workers itself.
// If that serve is killed meanwhile, the wait goes on until the next serve recovers the task (failed as interrupted).

import { defineCommand } from "citty";
import { startRuntime } from "../runtime.ts";
import { verbsFor } from "../serve/verbs.ts";
import type { Db } from "../store/api.ts";
import { openDb } from "../store/open.ts";
import { logger, out } from "../ui/log.ts";
import { AegisError, UsageError } from "../util/errors.ts";
import { configArgs, interrupted, jsonArg, loadConfigFromArgs, workDir } from "./context.ts";

export default defineCommand({
  meta: { name: "enqueue", description: "Add a task to a queue; --wait waits for it (run by aegis serve, else here) and prints the result" },
  args: {
    queue: { type: "positional", description: "The queue (declared in .aegis.ts)", required: true },
    payload: { type: "positional", description: "The task text, or - to read it from stdin", required: true },
    wait: { type: "boolean", description: "Wait until this task ends (the running aegis serve works it, else this process does), then print its result" },
    key: { type: "string", description: "Idempotency key: enqueueing the same key again returns the existing task", valueHint: "key" },
    ...configArgs,
    ...jsonArg,
  },
  async run({ args }) {
    const payload = args.payload === "-" ? await Bun.stdin.text() : args.payload;
    if (payload.trim() === "") throw new UsageError(args.payload === "-" ? "the payload read from stdin is empty" : "the payload is empty");
    const config = await loadConfigFromArgs(args);
    // Through a running serve when there is one (its workers pick the task up at once), else recorded here.
    const { verbs, via } = await verbsFor(config, workDir(args));
    if (!args.wait) {
      const e = await verbs.enqueue(args.queue, payload, args.key);
      if (args.json) out(JSON.stringify(e));
      else out(`${e.taskId} ${e.existing ? "already enqueued with this key" : "enqueued"} on ${args.queue}${e.position ? ` (position ${e.position})` : ""}`);
      const hosts = config.queues[args.queue]?.hosts;
      if (hosts?.length) {
        const db = await openDb({ config });
        try {
          await warnIfNoWorkerMayRun(db, hosts, args.queue, { onlyIfNone: true });
        } finally {
          await db.close();
        }
      }
      return;
    }
    // --wait: the serve works the queue when one runs (this process only watches the task's row); else this process
    // runs the queue's workers itself until the task ends.
    const rt = await startRuntime({ config, cwd: workDir(args), queues: { serve: via === "serve" ? [] : [args.queue] } });
    try {
      let taskId: string;
      if (via === "serve") taskId = (await verbs.enqueue(args.queue, payload, args.key)).taskId;
      else {
        taskId = (await rt.queues.enqueue(args.queue, payload, { enqueuedBy: "user", ...(args.key ? { idempotencyKey: args.key } : {}) })).taskId;
        await rt.db.flush(); // durable before the id is printed
        await rt.queues.start();
      }
      await warnIfNoWorkerMayRun(rt.db, config.queues[args.queue]?.hosts, args.queue);
      const task = await untilInterrupted(rt.queues.waitFor(taskId));
      if (args.json) out(JSON.stringify(task, null, 2));
      else if (task.status === "done") out(task.result ?? "");
      if (task.status !== "done") {
        const why = task.status === "cancelled" ? "was cancelled" : `failed: ${task.error ?? "unknown error"}`;
        throw new AegisError("E_AGENT_EXIT", `task ${task.taskId} ${why}`, { data: { taskId: task.taskId, status: task.status } });
      }
    } finally {
      await rt.close();
    }
  },
});

/**
 * A queue with `hosts` runs only on `aegis work --host-label` workers (neither this process nor aegis serve has labels):
 * the wait says so, and whether a live worker with a matching label is there to run it now (#15). A plain enqueue
 * (`onlyIfNone`) says only the latter, as a notice on stderr: the task is recorded all the same.
 */
async function warnIfNoWorkerMayRun(db: Db, hosts: readonly string[] | undefined, queue: string, opts: { onlyIfNone?: boolean } = {}): Promise<void> {
  if (!hosts?.length) return;
  const workers = await db.owners.listWorkers();
  const able = workers.filter((w) => w.leaseMs > 0 && w.queues.includes(queue) && w.labels.some((l) => hosts.includes(l)));
  const labels = hosts.join(" or ");
  if (able.length) {
    if (!opts.onlyIfNone) logger().info(`queue ${queue} runs only on workers labelled ${labels}: waiting for ${able.map((w) => `${w.host} (pid ${w.pid})`).join(", ")}`);
  } else logger().warn(`queue ${queue} runs only on workers labelled ${labels} and none is running: the task waits until one starts (aegis work --host-label ${hosts[0]})`);
}

/** Resolves like `p`, or rejects with E_CANCELLED on Ctrl-C / SIGTERM. */
export function untilInterrupted<T>(p: Promise<T>): Promise<T> {
  if (interrupted.aborted) return Promise.reject(new AegisError("E_CANCELLED", "interrupted"));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new AegisError("E_CANCELLED", "interrupted"));
    interrupted.addEventListener("abort", onAbort, { once: true });
    p.then(resolve, reject).finally(() => interrupted.removeEventListener("abort", onAbort));
  });
}
