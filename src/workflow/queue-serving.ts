// Which queues a process that runs a workflow (`aegis run`, `aegis resume`, the library's run()) serves: none at
// first, then each queue from the moment the workflow enqueues or delegates to it (or replays such a step when
// resumed), so a run never works the tasks of queues it does not use. It must not decide which of a served queue's
// tasks run: that stays FIFO and maxParallel, in the queue layer.

import { createRuntime, startRuntime, type Runtime, type RuntimeOptions } from "../runtime.ts";

export interface RunRuntime {
  rt: Runtime;
  /** Starts serving `queue` in this process (once): pass it to startRun/resumeRun as `serveQueue`. */
  serveQueue: (queue: string) => void;
}

type RunRuntimeOptions = Omit<RuntimeOptions, "queues"> & { queues?: Omit<NonNullable<RuntimeOptions["queues"]>, "serve"> };

/** A runtime whose QueueManager serves no queue until the run's workflow uses one. */
export function createRunRuntime(opts: RunRuntimeOptions): RunRuntime {
  return serving(createRuntime({ ...opts, queues: { ...opts.queues, serve: [] } }));
}

/** createRunRuntime on the backend the config chooses (the SQLite file, or PostgreSQL: see startRuntime). */
export async function startRunRuntime(opts: RunRuntimeOptions): Promise<RunRuntime> {
  return serving(await startRuntime({ ...opts, queues: { ...opts.queues, serve: [] } }));
}

function serving(rt: Runtime): RunRuntime {
  // Tasks already pending on a newly served queue (a resumed run's earlier enqueue) start at once.
  return { rt, serveQueue: (queue) => rt.queues.serveQueue(queue) };
}
