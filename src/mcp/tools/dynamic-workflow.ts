// aegis_run_dynamic_workflow: an agent hands in a no-code workflow (a spec object, or its YAML/JSON text) with
// arguments. Within `dynamicWorkflows.maxAgents` projected agents it starts like aegis_run_workflow (questions and
// the result come to the caller's inbox); above it, or unbounded, it returns the plan for a human to approve.

import { z } from "zod";
import { AegisError } from "../../util/errors.ts";
import { defineTool } from "../tool-def.ts";

export const runDynamicWorkflowTool = defineTool({
  name: "aegis_run_dynamic_workflow",
  description: "Run a no-code workflow you write: { name, args?, root } where root is a node — agent (agent, prompt, " +
    "schema?, session?), bash (run, check?), human (question, options?), workflow (workflow, args?), sequence/parallel (children), map (over, " +
    "concurrency?, maxItems?, body), loop (body, until: {shell}|{judge}, maxRounds), if (cond, then, else?); every node has " +
    "type and a unique id, and {{ id.key }} templates read earlier nodes' outputs, args, and item/index in a map. " +
    "Returns {status: \"started\", runId} (the result arrives in your inbox as \"> from workflow:<name>\", unless callback " +
    "is false), or {status: \"needs-approval\", plan} when it projects more agents than the project allows: show that plan " +
    "to a human instead of splitting the work to get around it.",
  input: {
    spec: z.union([z.string().min(1), z.record(z.string(), z.unknown())])
      .describe("The workflow: an object, or its YAML or JSON text (the format of `aegis workflow schema`)."),
    args: z.record(z.string(), z.unknown()).default({}).describe("Its arguments, e.g. {\"files\": [\"a.ts\", \"b.ts\"]}."),
    callback: z.boolean().default(true).describe("Deliver the result to your inbox when the run ends."),
  },
  async run({ spec, args, callback }, ctx) {
    if (!ctx.ports.runDynamicWorkflow) throw new AegisError("E_STATE", "dynamic workflows are not available in this aegis process");
    // The operator has no inbox: its results are read with aegis_workflow_status.
    const withCallback = callback && ctx.caller.kind === "session";
    const r = await ctx.ports.runDynamicWorkflow(spec, args, { caller: ctx.caller, callback: withCallback });
    return r.status === "started" ? { ...r, callback: withCallback } : r;
  },
});
