// Checks, when serve starts, that every schedule and webhook names a workflow that exists (#12), so a typo is
// reported at once with its key path and a did-you-mean (the loader's unknown-name message), not at 3 a.m. as a
// skipped fire. It reports; it never fires or serves anything.

import type { LoadedConfig } from "../config/validate.ts";
import { ConfigError, errorMessage, type ConfigIssue } from "../util/errors.ts";
import { resolveWorkflow } from "../workflow/loader.ts";

/** Finds a workflow by name (throws when there is none); serve's own loader by default, tests pass their own. */
export type WorkflowResolver = (name: string) => Promise<unknown>;

export function defaultResolver(cfg: LoadedConfig): WorkflowResolver {
  return (name) => resolveWorkflow(cfg, name, cfg.root);
}

/** Throws one ConfigError naming each `<section>.<name>.workflow` that resolves to no workflow. */
export async function checkWorkflows(cfg: LoadedConfig, section: "schedules" | "webhooks", resolve: WorkflowResolver): Promise<void> {
  const issues: ConfigIssue[] = [];
  for (const [name, entry] of Object.entries(cfg[section] ?? {})) {
    try {
      await resolve(entry.workflow);
    } catch (err) {
      issues.push({ path: `${section}.${name}.workflow`, message: errorMessage(err) });
    }
  }
  if (issues.length) {
    throw new ConfigError(`invalid config ${cfg.file}:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join("\n")}`, { file: cfg.file, issues });
  }
}
