// `aegis work [--queue q[,q2]] [--concurrency n] [--host-label l[,l2]] [--until-idle] [--json]`: runs queue workers in
// this process, as one worker of a fleet sharing the state database (#15): it holds a lease, takes at most
// --concurrency tasks at once (so other workers get some), and serves a queue with `hosts: [...]` only if one of its
// --host-labels matches. With --until-idle it exits once the queues have nothing pending and nothing running here
// (how a CI job drains a queue); without it, it serves until Ctrl-C / SIGTERM, then stops its workers (their tasks
// fail as interrupted) and exits 130.

import { defineCommand } from "citty";
import type { QueueEvent } from "../queue/task.ts";
import { startRuntime } from "../runtime.ts";
import { suspendOutsideBatches } from "../store/store.ts";
import { logger, out } from "../ui/log.ts";
import { AegisError, UsageError } from "../util/errors.ts";
import { logIgnored } from "../util/log-ignored.ts";
import { configArgs, jsonArg, loadConfigFromArgs, workDir } from "./context.ts";
import { untilInterrupted } from "./enqueue.ts";

/** A worker's default --concurrency: enough to keep a queue busy, few enough that a second worker gets work. */
export const DEFAULT_CONCURRENCY = 4;

export default defineCommand({
  meta: { name: "work", description: "Run queue workers here: until the queues are empty (--until-idle) or until stopped" },
  args: {
    queue: { type: "string", description: "Only these queues (comma-separated); default all", valueHint: "q[,q2]" },
    "until-idle": { type: "boolean", description: "Exit when nothing is pending and nothing runs here" },
    parallel: { type: "string", description: "At most this many workers per queue in this process (default: the queue's maxParallel)", valueHint: "n" },
    concurrency: { type: "string", description: `At most this many tasks at once in this worker, over all its queues (default ${DEFAULT_CONCURRENCY}, so other workers get work)`, valueHint: "n" },
    "host-label": { type: "string", description: "This machine's labels (comma-separated): it serves a queue with hosts: [...] only if one matches", valueHint: "l[,l2]" },
    "poll-ms": { type: "string", description: "The queue's safety clock: how often it looks for work it was not told about and, every 5th time, for dead workers to recover; new tasks and freed slots wake it at once (default 1000)", valueHint: "ms" },
    ...configArgs,
    ...jsonArg,
  },
  async run({ args }) {
    const config = await loadConfigFromArgs(args);
    const serve = args.queue ? args.queue.split(",").map((q) => q.trim()).filter(Boolean) : Object.keys(config.queues);
    if (serve.length === 0) throw new UsageError("no queues to work: declare queues in .aegis.ts or pass --queue");
    const pollMs = args["poll-ms"] === undefined ? 1000 : Number(args["poll-ms"]);
    if (!Number.isFinite(pollMs) || pollMs <= 0) throw new UsageError(`--poll-ms must be a positive number; got "${args["poll-ms"]}"`);
    const parallel = args.parallel === undefined ? undefined : Number(args.parallel);
    if (parallel !== undefined && (!Number.isInteger(parallel) || parallel < 1)) throw new UsageError(`--parallel must be a positive integer; got "${args.parallel}"`);
    const concurrency = args.concurrency === undefined ? DEFAULT_CONCURRENCY : Number(args.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError(`--concurrency must be a positive integer; got "${args.concurrency}"`);
    const hostLabels = args["host-label"] ? args["host-label"].split(",").map((l) => l.trim()).filter(Boolean) : [];
    // The queues this worker may run: a queue with hosts only with a matching label (--until-idle waits for no other).
    const runnable = serve.filter((q) => {
      const hosts = config.queues[q]?.hosts;
      if (!hosts || hosts.some((h) => hostLabels.includes(h))) return true;
      logger().warn(`queue ${q} runs only on workers labelled ${hosts.join(" or ")}; this one (${hostLabels.join(", ") || "no --host-label"}) leaves its tasks to them`);
      return false;
    });
    if (args["until-idle"] && runnable.length === 0) {
      throw new UsageError(`--until-idle: this worker may run none of ${serve.join(", ")} (queues with hosts: [...] run only on workers with a matching --host-label), so it would wait forever`);
    }
    const rt = await startRuntime({
      config, cwd: workDir(args),
      queues: { serve, pollMs, keepAlive: true, concurrency, hostLabels, ...(parallel ? { localParallel: parallel } : {}) },
    });
    // Ctrl-Z stops this worker between its SQLite write batches, never inside one (where it would keep the file's
    // write lock and hold up the whole fleet until it resumes); paused past its lease, it is recovered like any (#15).
    process.on("SIGTSTP", () => suspendOutsideBatches());
    const counts = { done: 0, failed: 0, cancelled: 0 };
    let seq = 0;
    rt.queues.on((e) => {
      if (e.type === "finished" && e.task.status in counts) counts[e.task.status as keyof typeof counts]++;
      if (args.json) out(JSON.stringify({ v: 1, type: `task_${e.type}`, seq: seq++, at: new Date().toISOString(), task: e.task }));
      else report(e);
    });
    let failed = false;
    try {
      await rt.queues.start();
      if (args["until-idle"]) await untilInterrupted(rt.queues.drain(runnable));
      else await untilInterrupted(rt.queues.serve());
    } catch (err) {
      failed = true;
      throw err;
    } finally {
      // After a failure (the state database gone), closing may fail for the same reason: the first error is the
      // one reported, the close's only logged (#15).
      await (failed ? rt.close().catch(logIgnored("closing the runtime after aegis work failed")) : rt.close());
      if (!args.json) logger().info(`worked ${serve.join(", ")}: ${counts.done} done, ${counts.failed} failed, ${counts.cancelled} cancelled`);
    }
    if (!args["until-idle"]) throw new AegisError("E_CANCELLED", "stopped");
  },
});

function report(e: QueueEvent): void {
  const t = e.task;
  if (e.type === "started") logger().info(`${t.taskId} started on ${t.queue} (worker ${t.workerHandle})`);
  else if (e.type === "finished") {
    const detail = t.status === "failed" ? `: ${(t.error ?? "").split("\n")[0]}` : "";
    logger().info(`${t.taskId} ${t.status}${detail}`);
  }
}
