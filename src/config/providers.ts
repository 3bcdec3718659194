// The Agent profile users declare, in either shape, and the provider types it holds. The providers themselves are
// described once, in the provider table (src/drivers/providers.ts); their classes live in src/drivers/<name>/provider.ts
// and are re-exported here for the many modules that import them from the config. Constructors never throw: they
// record what the user wrote so that validation (validate.ts) can report every mistake with its key path.

import { findProvider, type Provider, type ProviderName } from "../drivers/providers.ts";
import type { CodexEffort } from "../drivers/codex/provider.ts";
import type { Effort, Permission } from "./provider-options.ts";
import type { AgentFlatShape } from "./schema.ts";

export {
  EFFORTS, PERMISSIONS,
  type Effort, type InheritEnv, type Permission, type ProviderOptions,
} from "./provider-options.ts";
export { ClaudeCode, type ClaudeCodeOptions } from "../drivers/claude/provider.ts";
export { GeminiCLI, type GeminiCLIOptions } from "../drivers/gemini/provider.ts";
export { OpenCode, type OpenCodeOptions } from "../drivers/opencode/provider.ts";
export { ACPAgent, type ACPAgentOptions } from "../drivers/acp-agent/provider.ts";
export { Codex, type CodexEffort, type CodexOptions } from "../drivers/codex/provider.ts";
export {
  Scripted, type ScriptedContext, type ScriptedOptions, type ScriptedReply, type ScriptedReplyFn, type ScriptedToolCall,
} from "../drivers/scripted/provider.ts";
export type { Provider, ProviderName } from "../drivers/providers.ts";
export type { AgentFlatShape, Harness } from "./schema.ts";

export interface AgentProviderShape {
  provider: Provider;
  /** Extra instructions (a persona) appended to the agent's system prompt. */
  prompt?: string;
  /** "worktree": each session gets its own git worktree (branch `aegis/<handle>`) as its cwd; "none" (default). */
  isolation?: "worktree" | "none";
  /** On close, a session's worktree is kept if it has changes ("changed", default), always, or never. */
  keep?: "changed" | "always" | "never";
}
/**
 * An agent profile. Two shapes are accepted and are equivalent after validation:
 * `new Agent({ provider: new ClaudeCode({ model: "opus" }) })` and
 * `new Agent({ harness: "claude-code", model: "opus" })`. Either way `agent.provider` and the flat fields
 * (`harness`, `model`, `permission`, `effort`) are populated.
 */
export class Agent {
  readonly provider: Provider;
  readonly prompt?: string;
  /** "worktree": each session gets its own git worktree (branch `aegis/<handle>`) as its cwd; default "none". */
  readonly isolation?: "worktree" | "none";
  /** On close, a session's worktree is kept if it has changes ("changed", default), always, or never. */
  readonly keep?: "changed" | "always" | "never";
  /** @internal what the user wrote, validated by loadConfig. */
  readonly input: AgentProviderShape | AgentFlatShape;
  constructor(o: AgentProviderShape | AgentFlatShape) {
    this.input = o;
    this.provider = "provider" in (o ?? {}) ? (o as AgentProviderShape).provider : providerFromFlat(o as AgentFlatShape);
    if (o?.prompt !== undefined) this.prompt = o.prompt;
    if (o?.isolation !== undefined) this.isolation = o.isolation;
    if (o?.keep !== undefined) this.keep = o.keep;
  }
  get harness(): ProviderName { return this.provider?.name; }
  get model(): string { return this.provider?.model; }
  get permission(): Permission { return this.provider?.permission; }
  get effort(): Effort | CodexEffort | undefined { return (this.provider as { effort?: Effort | CodexEffort } | undefined)?.effort; }
}

/**
 * Builds the provider object for the flat shape from the provider table; an unknown harness (or one without a flat
 * shape) yields undefined, reported by validation.
 */
export function providerFromFlat(o: AgentFlatShape): Provider {
  const spec = typeof o?.harness === "string" ? findProvider(o.harness) : undefined;
  if (!spec?.flat) return undefined as unknown as Provider;
  const { harness: _harness, prompt: _prompt, isolation: _isolation, keep: _keep, ...options } = o as Record<string, unknown>;
  return new spec.cls(options as never);
}
