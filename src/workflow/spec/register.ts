// Where no-code workflow files meet the loader: it imports this lazily when the config's workflows (or a command
// line) name a .yaml/.yml/.json file, so TypeScript-only projects never load the spec code (zod shapes, ajv). Files
// are validated against the config the loader passes; `workflow` nodes' targets are checked once every file of a
// batch is registered, since a file may call one loaded after it. It must not run workflows.

import { dirname } from "node:path";
import type { LoadedConfig } from "../../config/validate.ts";
import { listWorkflows, registerWorkflow, type Workflow } from "../registry.ts";
import { checkCalls, readSpecFile, specProject, specWorkflow, type SpecProject } from "./load.ts";
import type { Spec } from "./schema.ts";

type ProjectConfig = Partial<Pick<LoadedConfig, "agents" | "defaultAgent" | "root">>;

let pending: Spec[] | undefined;

/** Starts loading the config's files: their calls to other workflows are checked when the batch ends. */
export function beginSpecBatch(): void {
  pending = [];
}

/** Ends the batch; with `check` (the default) every spec of it calls only registered workflows (ConfigError otherwise). */
export function endSpecBatch(opts: { check?: boolean } = {}): void {
  const batch = pending ?? [];
  pending = undefined;
  if (opts.check !== false) for (const spec of batch) checkCalls(spec, listWorkflows());
}

/** Reads, validates and registers one spec file; returns its workflow. */
export function importSpecFile(file: string, config: ProjectConfig): Workflow {
  const p: SpecProject = config.agents && config.root ? specProject(config as Pick<LoadedConfig, "agents" | "defaultAgent" | "root">) : { root: config.root ?? dirname(file) };
  const spec = readSpecFile(file, p);
  const wf = registerWorkflow(specWorkflow(spec, p, file));
  if (pending) pending.push(spec);
  else checkCalls(spec, listWorkflows());
  return wf;
}
