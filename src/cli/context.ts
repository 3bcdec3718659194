// State shared by every command of one CLI invocation: the interrupt signal (Ctrl-C) and the common flags.

import { resolve } from "node:path";
import type { ArgsDef } from "citty";
import { loadConfig } from "../config/load.ts";
import type { LoadedConfig } from "../config/validate.ts";
import { refreshProjectTypes } from "./public-types.ts";

const controller = new AbortController();

/** Aborted on the first Ctrl-C (SIGINT) or SIGTERM; commands stop cleanly and exit 130. */
export const interrupted: AbortSignal = controller.signal;

export function interrupt(reason: string): void {
  if (!controller.signal.aborted) controller.abort(new Error(reason));
}

/** Flags every command that reads the configuration accepts. */
export const configArgs = {
  config: { type: "string", description: "Path to the config file (default: .aegis.ts in this or a parent folder, then ~/.aegis.ts; env AEGIS_CONFIG)", valueHint: "file" },
  cwd: { type: "string", description: "Run as if started in this folder", valueHint: "dir" },
} as const satisfies ArgsDef;

export const jsonArg = {
  json: { type: "boolean", description: "Print machine-readable JSON on stdout" },
} as const satisfies ArgsDef;

export function workDir(args: { cwd?: string }): string {
  return args.cwd ? resolve(args.cwd) : process.cwd();
}

export async function loadConfigFromArgs(args: { config?: string; cwd?: string }): Promise<LoadedConfig> {
  const config = await loadConfig({ file: args.config, cwd: workDir(args) });
  await refreshProjectTypes(config.root); // a project's editor types follow the aegis that runs it
  return config;
}
