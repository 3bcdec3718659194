// The public "aegis" module: what `.aegis.ts`, workflow files and scripts import. Everything exported here is
// documented, since this is the API reference users read. Nothing here may do work at import time.

export {
  Agent, ClaudeCode, GeminiCLI, OpenCode, Scripted,
  type Harness, type Provider, type ProviderOptions,
  type ScriptedOptions, type ScriptedReply, type ScriptedContext, type ScriptedToolCall,
} from "./config/providers.ts";
export { defineConfig, type AegisConfig, type QueueConfig, type BudgetConfig } from "./config/define.ts";
export { findProjectRoot, loadConfig, type LoadOptions } from "./config/load.ts";
export type { LoadedConfig } from "./config/validate.ts";
export { AegisError, ConfigError, type ErrorCode } from "./util/errors.ts";
export type { AgentEvent, Usage } from "./drivers/driver.ts";

import type { Effort as EffortLevel, Permission as PermissionLevel } from "./config/providers.ts";

/** What an agent may do: read (look only), write (edit files), full (anything), auto (ask a human on a TTY). */
export type Permission = PermissionLevel;
/** Permission levels, as values: `Permission.read` etc. */
export const Permission = { read: "read", write: "write", full: "full", auto: "auto" } as const;
/** How hard Claude Code thinks: low, medium, high, max. */
export type Effort = EffortLevel;
/** Effort levels for Claude Code, as values: `Effort.high` etc. */
export const Effort = { low: "low", medium: "medium", high: "high", max: "max" } as const;
