// The built-in catalog: ordinary workflow modules (each `export default workflow(…)` on the public "aegis" API),
// imported here by literal paths so `bun build --compile` embeds them. The loader imports this module lazily and
// registers the list as built-in (a project workflow of the same name overrides one). Nothing here runs a workflow.

import executePlan from "./execute-plan.ts";
import fixCi from "./fix-ci.ts";
import prompt from "./prompt.ts";
import reviewBranch from "./review-branch.ts";
import tddCycle from "./tdd-cycle.ts";

export const catalog = [executePlan, fixCi, prompt, reviewBranch, tddCycle];
