// Workflow tools: aegis_run_workflow (start a registered workflow by name; its questions and its result come to the
// caller's inbox) and aegis_workflow_status (the run as `aegis runs --json` shows it). The run's caller is the
// authenticated caller, never an argument.

import { z } from "zod";
import { AegisError } from "../../util/errors.ts";
import { arg, defineTool, notFound } from "../tool-def.ts";

export const runWorkflowTool = defineTool({
  name: "aegis_run_workflow",
  description: "Start a workflow by name (see aegis_meta for the list) with named arguments; returns {runId} at once. " +
    "If the workflow asks a question, it arrives in your inbox as a message headed \"> from workflow:<name>\" and your reply " +
    "to that message is the answer. With callback (the default) its result arrives the same way; otherwise poll aegis_workflow_status.",
  input: {
    name: arg.name().describe("The workflow's name."),
    args: z.record(z.string(), z.unknown()).default({}).describe("The workflow's arguments, e.g. {\"feature\": \"rate-limit\"}."),
    callback: z.boolean().default(true).describe("Deliver the result to your inbox when the run ends."),
  },
  async run({ name, args, callback }, ctx) {
    const names = ctx.ports.listWorkflows();
    if (!names.includes(name)) throw notFound("workflow", name, names);
    // The operator has no inbox: its results are read with aegis_workflow_status.
    const withCallback = callback && ctx.caller.kind === "session";
    const { runId } = await ctx.ports.runWorkflow(name, args, { caller: ctx.caller, callback: withCallback });
    return { runId, name, callback: withCallback };
  },
});

export const workflowStatusTool = defineTool({
  name: "aegis_workflow_status",
  description: "The state of a workflow run (as `aegis runs --json` shows it): running, done, failed, crashed, interrupted or " +
    "cancelled, with its result or error ({code, message}) when it has ended.",
  input: { runId: arg.id("run").describe("The id aegis_run_workflow returned (run_…).") },
  readOnly: true,
  async run({ runId }, ctx) {
    const run = await ctx.ports.workflowStatus(runId);
    if (!run) throw new AegisError("E_NOT_FOUND", `unknown workflow run "${runId}"`, { data: { runId } });
    return run;
  },
});
