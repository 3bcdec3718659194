// `engine.delegate`'s second half: waiting for a queue task's result. A task that failed only because an earlier
// aegis process died while its worker ran ("interrupted") never finished its turn, so it is enqueued again (under an
// idempotency key, so a retry of this very step finds it instead of adding another). Other failures raise
// WorkflowError. It must not journal; the engine wraps it in a step.

import type { QueueManager } from "../queue/queue-manager.ts";
import { isInterrupted, type Task } from "../queue/task.ts";
import type { SenderTag } from "../session/sender.ts";
import { abortReason } from "./bash.ts";
import { WorkflowError } from "./errors.ts";
import type { LiveOutcome } from "./journal.ts";

export type QueuePort = Pick<QueueManager, "enqueue" | "waitFor" | "start">;

export interface DelegateWait {
  queue: string;
  payload: string;
  taskId: string;
  sender: SenderTag;
  /** Prefix of the idempotency keys of re-enqueued tasks; unique per step and attempt. */
  retryKey: string;
  signal: AbortSignal;
}

const MAX_REQUEUES = 3;

export async function delegateTask(queues: QueuePort, d: DelegateWait): Promise<LiveOutcome<string>> {
  let id = d.taskId;
  let cost = 0;
  let input = 0;
  let output = 0;
  for (let i = 0; ; i++) {
    const task = await untilAborted(() => queues.waitFor(id), d.signal);
    cost += task.costUsd;
    input += task.tokens.input;
    output += task.tokens.output;
    if (task.status === "done") return { output: task.result ?? "", costUsd: cost, inputTokens: input, outputTokens: output };
    if (task.status === "failed" && isInterrupted(task.error) && i < MAX_REQUEUES) {
      id = (await queues.enqueue(d.queue, d.payload, { enqueuedBy: d.sender, callback: false, idempotencyKey: `${d.retryKey}:${i}` })).taskId;
      continue;
    }
    throw taskFailed(task);
  }
}

function taskFailed(task: Task): WorkflowError {
  const why = task.status === "cancelled" ? "was cancelled" : `failed: ${task.error ?? "the worker exited with an error"}`;
  return new WorkflowError(`task ${task.taskId} on queue "${task.queue}" ${why}`, {
    data: { taskId: task.taskId, queue: task.queue, status: task.status, lastMessage: task.result },
  });
}

/** Starts the wait only if the run is still going: a wait started and then dropped would reject unhandled at close. */
function untilAborted<T>(start: () => Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortReason(signal));
  const p = start();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(
      (v) => (signal.removeEventListener("abort", onAbort), resolve(v)),
      (e: unknown) => (signal.removeEventListener("abort", onAbort), reject(e)),
    );
  });
}
