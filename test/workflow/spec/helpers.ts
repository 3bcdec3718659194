// Test helpers for no-code workflows: a spec from YAML text, validated against a rig's agents, as a Workflow.
// Only for tests.

import { specWorkflow } from "../../../src/workflow/spec/load.ts";
import { validateSpec, type SpecContext } from "../../../src/workflow/spec/validate.ts";
import type { Workflow } from "../../../src/workflow/registry.ts";

export const AGENTS: SpecContext = { agents: ["writer", "reviewer"], defaultAgent: "writer" };

/** The workflow a YAML spec text describes (validated as the file `test.yaml`). */
export function yamlWorkflow(yaml: string, ctx: SpecContext = AGENTS): Workflow {
  const spec = validateSpec(Bun.YAML.parse(yaml), "test.yaml", ctx);
  return specWorkflow(spec, { ...ctx, root: process.cwd() });
}

/** The message of the error validating `yaml` throws (fails the test if it validates). */
export function validationError(yaml: string, ctx: SpecContext = AGENTS): string {
  try {
    validateSpec(Bun.YAML.parse(yaml), "workflows/test.yaml", ctx);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error("the spec validated");
}
