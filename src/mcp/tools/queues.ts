// Queue tools: aegis_enqueue (delegate a payload to a queue's worker, optionally with the result coming back to your
// inbox), aegis_task_status and aegis_cancel. The enqueuer recorded on a task is the authenticated caller, and only
// that caller (or the operator) may cancel it.

import { AegisError } from "../../util/errors.ts";
import { senderOf } from "../identity.ts";
import { arg, defineTool, notFound } from "../tool-def.ts";
import type { TaskView } from "../ports.ts";
import type { ToolContext } from "../tool-def.ts";
import { z } from "zod";

export const enqueueTool = defineTool({
  name: "aegis_enqueue",
  description: "Put a task on a queue (see aegis_meta for the queues); a worker session of the queue's agent does it. " +
    "Returns {taskId, position}. With callback (the default) the worker's final answer arrives in your inbox as " +
    "\"> from queue:<name> · task#<id> · ok|error\"; otherwise poll aegis_task_status.",
  input: {
    queue: arg.name().describe("The queue's name."),
    payload: arg.text("payload").describe("The task, as the worker should read it."),
    callback: z.boolean().default(true).describe("Deliver the result to your inbox when the task ends."),
  },
  async run({ queue, payload, callback }, ctx) {
    const queues = ctx.ports.listQueues().map((q) => q.name);
    if (!queues.includes(queue)) throw notFound("queue", queue, queues);
    // The operator has no inbox: its results are read with aegis_task_status.
    const withCallback = callback && ctx.caller.kind === "session";
    const { taskId, position } = await ctx.ports.enqueue(queue, payload, { enqueuedBy: senderOf(ctx.caller), callback: withCallback });
    return { taskId, position, queue, callback: withCallback };
  },
});

async function findTask(taskId: string, ctx: ToolContext): Promise<TaskView> {
  const task = await ctx.ports.taskStatus(taskId);
  if (!task) throw new AegisError("E_NOT_FOUND", `unknown task "${taskId}"`, { data: { taskId } });
  return task;
}

export const taskStatusTool = defineTool({
  name: "aegis_task_status",
  description: "The state of a queue task: pending, running, done, failed or cancelled, with its position, worker, result or error.",
  input: { taskId: arg.id("task").describe("The id aegis_enqueue returned (task_…).") },
  readOnly: true,
  run: ({ taskId }, ctx) => findTask(taskId, ctx),
});

export const cancelTool = defineTool({
  name: "aegis_cancel",
  description: "Cancel a task you enqueued: a pending one never runs, a running one has its worker stopped. " +
    "Only the session that enqueued a task may cancel it.",
  input: { taskId: arg.id("task").describe("The id aegis_enqueue returned (task_…).") },
  async run({ taskId }, ctx) {
    const task = await findTask(taskId, ctx);
    const me = senderOf(ctx.caller);
    if (ctx.caller.kind === "session" && task.enqueuedBy !== me) {
      throw new AegisError("E_PERMISSION", `task ${taskId} was enqueued by ${task.enqueuedBy}, not by you (${me}); only its enqueuer can cancel it`, {
        data: { taskId, enqueuedBy: task.enqueuedBy },
      });
    }
    return ctx.ports.cancelTask(taskId);
  },
});
