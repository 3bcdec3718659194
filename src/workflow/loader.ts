// Imports workflow modules: the files and folders named by the config's `workflows`, and a file given on the command
// line. The "aegis" module they import resolves to this very copy of aegis (config/module-plugin.ts), so their
// `workflow(...)` calls land in the shared registry, also inside the compiled binary. Failures become ConfigErrors
// with a location. It must not run workflows.

import { readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadFailure } from "../config/load.ts";
import { registerAegisModule } from "../config/module-plugin.ts";
import type { LoadedConfig } from "../config/validate.ts";
import { didYouMean } from "../config/validate.ts";
import { ConfigError, errorCode, notFound } from "../util/errors.ts";
import { definingBuiltins, getWorkflow, isWorkflow, listWorkflows, allWorkflows, registerBuiltins, setLoadingFile, type Workflow } from "./registry.ts";

const MODULE_EXT = /\.(ts|mts|js|mjs|tsx|jsx)$/;
const SKIP = /(\.test|\.spec|\.d)\.[mc]?[tj]sx?$/;
/** No-code workflow files (src/workflow/spec/); in a walked folder, JSON that is clearly not one is left alone. */
const SPEC_EXT = /\.(ya?ml|json)$/i;
const NOT_SPEC = /^(package(-lock)?\.json|tsconfig.*\.json|jsconfig\.json|.*\.schema\.json)$/i;
/** The config whose agents no-code files are checked against: the one loadConfigWorkflows last loaded. */
let specProject: Partial<Pick<LoadedConfig, "agents" | "defaultAgent" | "root">> = {};

/** The module files under the config's `workflows` entries (folders are read recursively, sorted). */
export function workflowFiles(paths: readonly string[]): string[] {
  const files: string[] = [];
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new ConfigError(`workflows: ${p} does not exist`, { issues: [{ path: "workflows", message: `${p} does not exist` }] });
    }
    if (st.isFile()) files.push(p);
    else if (st.isDirectory()) files.push(...walk(p));
  }
  return files;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith(".") || name.startsWith("_") || name === "node_modules") continue;
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) out.push(...walk(p));
    else if ((MODULE_EXT.test(name) && !SKIP.test(name)) || (SPEC_EXT.test(name) && !NOT_SPEC.test(name))) out.push(p);
  }
  return out;
}

/** Imports one workflow module; returns its default export if that is a workflow. */
export async function importWorkflowFile(file: string): Promise<Workflow | undefined> {
  if (SPEC_EXT.test(file)) return (await import("./spec/register.ts")).importSpecFile(file, specProject);
  await registerAegisModule();
  setLoadingFile(file);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(file)) as Record<string, unknown>;
  } catch (err) {
    if (errorCode(err) === "E_CONFIG") throw err;
    throw loadFailure(file, err);
  } finally {
    setLoadingFile(undefined);
  }
  return isWorkflow(mod.default) ? (mod.default as Workflow) : undefined;
}

/** Makes the built-in catalog (src/catalog/, embedded in the binary) available beneath the project's workflows. */
export async function loadBuiltinWorkflows(): Promise<void> {
  const { catalog } = await definingBuiltins(() => import("../catalog/index.ts"));
  registerBuiltins(catalog);
}

/** Imports every workflow module of the config, in order, above the built-in catalog. */
export async function loadConfigWorkflows(config: Pick<LoadedConfig, "workflows"> & Partial<Pick<LoadedConfig, "agents" | "defaultAgent" | "root">>): Promise<void> {
  await loadBuiltinWorkflows();
  const files = workflowFiles(config.workflows);
  // No-code files are checked against the config's agents, and their calls to other workflows once all are loaded.
  specProject = config;
  const spec = files.some((f) => SPEC_EXT.test(f)) ? await import("./spec/register.ts") : undefined;
  spec?.beginSpecBatch();
  try {
    for (const f of files) await importWorkflowFile(f);
  } catch (err) {
    spec?.endSpecBatch({ check: false }); // the batch is over: a later file is checked on its own
    throw err;
  }
  spec?.endSpecBatch();
}

/** True if a `run` target names a file rather than a registered workflow. */
export function looksLikeFile(target: string): boolean {
  return MODULE_EXT.test(target) || SPEC_EXT.test(target) || target.includes("/");
}

/**
 * Finds the workflow a command names: a file (its default export, or the single workflow it registers; the config's
 * workflows are loaded too, so it may use them) or a registered name. Unknown names get a did-you-mean.
 */
export async function resolveWorkflow(config: Pick<LoadedConfig, "workflows">, target: string, cwd: string): Promise<Workflow> {
  await loadConfigWorkflows(config);
  if (looksLikeFile(target)) {
    const file = resolve(cwd, target);
    try {
      if (!statSync(file).isFile()) throw new Error("not a file");
    } catch {
      throw new ConfigError(`workflow file not found: ${file}`);
    }
    const def = await importWorkflowFile(file);
    if (def) return def;
    const mine = allWorkflows().filter((w) => w.file === file);
    if (mine.length === 1) return mine[0]!;
    throw new ConfigError(mine.length === 0
      ? `${file} registers no workflow`
      : `${file} registers several workflows (${mine.map((w) => w.name).join(", ")}); export one as default or run it by name`, {
      file, hint: "e.g. export default workflow(\"name\", async (engine, args) => { … })",
    });
  }
  const wf = getWorkflow(target);
  if (wf) return wf;
  const names = listWorkflows();
  throw notFound("workflow", target, names, didYouMean(target, names),
    names.length ? undefined : "no workflow is registered: add files to `workflows` in .aegis.ts, or run a file: aegis run ./my-workflow.ts");
}
