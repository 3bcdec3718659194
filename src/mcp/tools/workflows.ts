// Workflow tools: aegis_run_workflow (start a registered workflow by name; its result can come back to the caller's
// inbox) and aegis_workflow_status. The run's caller is the authenticated caller, never an argument.

import { z } from "zod";
import { AegisError } from "../../util/errors.ts";
import { arg, defineTool, notFound } from "../tool-def.ts";

export const runWorkflowTool = defineTool({
  name: "aegis_run_workflow",
  description: "Start a workflow by name (see aegis_meta for the list) with named arguments; returns {runId} at once. " +
    "With callback (the default) its result arrives in your inbox as \"> from workflow:<name>\"; otherwise poll aegis_workflow_status.",
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
  description: "The state of a workflow run: running, done, failed or cancelled, with its result or error when it has ended.",
  input: { runId: arg.id("run").describe("The id aegis_run_workflow returned (run_…).") },
  readOnly: true,
  async run({ runId }, ctx) {
    const run = await ctx.ports.workflowStatus(runId);
    if (!run) throw new AegisError("E_NOT_FOUND", `unknown workflow run "${runId}"`, { data: { runId } });
    return run;
  },
});
