// The public "aegis" module: what `.aegis.ts`, workflow files and scripts import. Everything exported here is
// documented, since this is the API reference users read. Nothing here may do work at import time.

export {
  ACPAgent, Agent, ClaudeCode, Codex, GeminiCLI, OpenCode, Scripted,
  type CodexEffort, type CodexOptions,
  type ACPAgentOptions, type Harness, type InheritEnv, type Provider, type ProviderOptions,
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

// ── workflows ─────────────────────────────────────────────────────────────────────────────────────────────────
/**
 * `workflow(name?, fn, opts?)` registers a workflow: an async function receiving the engine and its arguments.
 * The name defaults to the function's name. `listWorkflows()` and `getWorkflow(name)` read the registry.
 * `opts.args` is the schema of its arguments (`z` below): it types `args`, applies defaults, checks every run's
 * arguments and types `aegis run <name> --key=value`; `aegis run <name> --help` lists them. Without it the workflow
 * takes free `--key=value` arguments (numbers and true/false typed by their text).
 * @example export default workflow("hello", async (engine, { who }) => engine.send(await engine.spawn("writer"), `Greet ${who}`),
 *   { args: z.object({ who: z.string().default("world").describe("Whom to greet") }) });
 */
export { workflow, listWorkflows, getWorkflow, type Workflow, type WorkflowFn, type WorkflowOptions, type WorkflowPlan } from "./workflow/registry.ts";
/** The schema builder for a workflow's `args` (zod, typed for arguments); any Standard Schema, e.g. an installed zod's, works too. */
export { z, type ArgSchema, type StringArg, type NumberArg, type ArrayArg, type ObjectArg, type ArgShape, type ArgsOf, type ArgBuilder } from "./workflow/z.ts";
export type { ArgsSchema, ArgsIssue } from "./workflow/arg-schema.ts";
/** The engine a workflow receives, the session view it lists, the options of its shell verbs, and its git worktree verbs' shapes. */
export type {
  WorkflowEngine, SessionInfo, BashOptions, BashPredicateOptions, SpawnOptions, WorktreeInfo, CommitResult, WorktreeDiff, MergeOptions, MergeResult,
} from "./workflow/engine-types.ts";
/** `engine.group`: a group of agent sessions, its members, broadcasts, gathers with their reducers, and races (#13). */
export type {
  Group, GroupMember, GroupMemberSpec, BroadcastOptions, BroadcastReceipt, GatherOptions, GatherResult, GroupReducer, MajorityVote,
  RaceOptions, RaceResult,
} from "./workflow/engine-types.ts";
/** Expected workflow failures (exit 1, status `failed`): WorkflowError, and PredicateFailed for exhausted predicates. */
export { WorkflowError, PredicateFailed, type BashResult } from "./workflow/errors.ts";
/** Library mode: run a workflow from a plain `bun script.ts`; resolves with its result or throws its error. */
export { run, type LibraryRunOptions } from "./workflow/library.ts";
/** The NDJSON events of `aegis run --json` (and of `run(…, { onEvent })`), in their versioned envelope. */
export type { RunEvent, RunEventType } from "./ui/events.ts";
