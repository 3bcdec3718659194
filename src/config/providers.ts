// User-facing configuration objects: the provider classes and Agent. Constructors never throw: they record what the
// user wrote so that validation (schema.ts) can report every mistake with its key path in the config file.

export type Permission = "read" | "write" | "full" | "auto";
export type Effort = "low" | "medium" | "high" | "max";
export type Harness = "claude-code" | "gemini" | "opencode";
export type ProviderName = Harness | "scripted";

export const PERMISSIONS: readonly Permission[] = ["read", "write", "full", "auto"];
export const EFFORTS: readonly Effort[] = ["low", "medium", "high", "max"];
export const HARNESSES: readonly Harness[] = ["claude-code", "gemini", "opencode"];

/**
 * Which of aegis's own environment variables a CLI (and every tool it runs) inherits: `"all"` (the default: the
 * user's PATH, tokens, cloud credentials and CI variables reach the agent), or only the variables named in a list,
 * where `*` matches any run of characters and `?` one: `["PATH", "HOME", "ANTHROPIC_*"]` for a hardened setup.
 * aegis's internal variables (its process tag) are never inherited; `env` is added on top either way.
 */
export type InheritEnv = "all" | string[];

/** Options every CLI-backed provider accepts. */
export interface ProviderOptions {
  /** The model name, passed to the CLI as-is (e.g. `opus`, `gemini-3-flash-preview`, `opencode/gpt-5`). */
  model: string;
  /** What the agent may do: read (look only), write (edit files), full (anything), auto (ask on a TTY). */
  permission?: Permission;
  /** Path to the CLI executable; default: found on PATH. */
  bin?: string;
  /** Extra environment variables for the CLI process, on top of the inherited ones (these win). */
  env?: Record<string, string>;
  /** Which of aegis's environment variables the CLI inherits: `"all"` (default) or a list of names/globs. */
  inheritEnv?: InheritEnv;
}

/** Anthropic's Claude Code CLI, driven over stream-json. The only provider with `effort`. */
export class ClaudeCode {
  readonly name = "claude-code" as const;
  readonly model: string;
  readonly permission: Permission;
  readonly effort: Effort;
  readonly bin?: string;
  readonly env?: Record<string, string>;
  readonly inheritEnv: InheritEnv;
  constructor(o: ProviderOptions & { effort?: Effort }) {
    this.model = o?.model;
    this.permission = o?.permission ?? "auto";
    this.effort = o?.effort ?? "high";
    if (o?.bin !== undefined) this.bin = o.bin;
    if (o?.env !== undefined) this.env = o.env;
    this.inheritEnv = o?.inheritEnv ?? "all";
    copyUnknown(this, o, ["model", "permission", "effort", "bin", "env", "inheritEnv"]);
  }
}

/** Fields shared by the ACP-driven providers; `permission` defaults to full, as in the seed. */
abstract class AcpProvider {
  readonly model: string;
  readonly permission: Permission;
  readonly bin?: string;
  readonly env?: Record<string, string>;
  readonly inheritEnv: InheritEnv;
  constructor(o: ProviderOptions) {
    this.model = o?.model;
    this.permission = o?.permission ?? "full";
    if (o?.bin !== undefined) this.bin = o.bin;
    if (o?.env !== undefined) this.env = o.env;
    this.inheritEnv = o?.inheritEnv ?? "all";
    copyUnknown(this, o, ["model", "permission", "bin", "env", "inheritEnv"]);
  }
}

/** Google's Gemini CLI, driven over ACP (`gemini --acp`). Permission maps to its approval mode. */
export class GeminiCLI extends AcpProvider {
  readonly name = "gemini" as const;
}

/** The OpenCode CLI, driven over ACP (`opencode acp`). Models use opencode's `provider/model` form. */
export class OpenCode extends AcpProvider {
  readonly name = "opencode" as const;
}

/** A tool call the Scripted agent pretends to make during a turn. */
export interface ScriptedToolCall {
  name: string;
  input?: unknown;
  /** The tool's output as the agent saw it. */
  output?: string;
  ok?: boolean;
}

/** What a Scripted reply function returns: the text, or the text plus tool calls made before it. */
export type ScriptedReply = string | { text: string; toolCalls?: ScriptedToolCall[]; isError?: boolean };

export interface ScriptedContext {
  /** The session's handle. */
  handle: string;
  /** 1 for the first turn of the session, then 2, 3, … */
  turn: number;
  /** The conversation id, stable across turns and resume (key your own per-conversation state by it). */
  sessionId: string;
  /** Aborted when the turn is interrupted. */
  signal: AbortSignal;
}

export interface ScriptedOptions {
  /** Produces the agent's reply to each user turn. */
  reply: (prompt: string, ctx: ScriptedContext) => ScriptedReply | Promise<ScriptedReply>;
  /** Pause before replying, to simulate a slow agent. */
  delayMs?: number;
  /** Tokens reported per turn (for budgets and summaries); default: word counts. */
  usage?: { input?: number; output?: number; costUsd?: number };
  /** Always `full`: a scripted agent touches nothing. Accepted for symmetry with the other providers. */
  permission?: Permission;
  model?: string;
}

/** A deterministic built-in agent that needs no account: for demos and for testing your own workflows. */
export class Scripted {
  readonly name = "scripted" as const;
  readonly model: string;
  readonly permission: Permission;
  readonly reply: ScriptedOptions["reply"];
  readonly delayMs?: number;
  readonly usage?: ScriptedOptions["usage"];
  constructor(o: ScriptedOptions) {
    this.reply = o?.reply;
    this.model = o?.model ?? "scripted";
    this.permission = o?.permission ?? "full";
    if (o?.delayMs !== undefined) this.delayMs = o.delayMs;
    if (o?.usage !== undefined) this.usage = o.usage;
    copyUnknown(this, o, ["reply", "model", "permission", "delayMs", "usage"]);
  }
}

export type Provider = ClaudeCode | GeminiCLI | OpenCode | Scripted;

export interface AgentProviderShape {
  provider: Provider;
  /** Extra instructions (a persona) appended to the agent's system prompt. */
  prompt?: string;
}
export interface AgentFlatShape {
  harness: Harness;
  model: string;
  effort?: Effort;
  permission?: Permission;
  prompt?: string;
  bin?: string;
  env?: Record<string, string>;
  inheritEnv?: InheritEnv;
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
  /** @internal what the user wrote, validated by loadConfig. */
  readonly input: AgentProviderShape | AgentFlatShape;
  constructor(o: AgentProviderShape | AgentFlatShape) {
    this.input = o;
    this.provider = "provider" in (o ?? {}) ? (o as AgentProviderShape).provider : providerFromFlat(o as AgentFlatShape);
    if (o?.prompt !== undefined) this.prompt = o.prompt;
  }
  get harness(): ProviderName { return this.provider?.name; }
  get model(): string { return this.provider?.model; }
  get permission(): Permission { return this.provider?.permission; }
  get effort(): Effort | undefined { return this.provider instanceof ClaudeCode ? this.provider.effort : undefined; }
}

/** Builds the provider object for the flat legacy shape; an unknown harness yields undefined (reported by validation). */
export function providerFromFlat(o: AgentFlatShape): Provider {
  const common = { model: o?.model, permission: o?.permission, bin: o?.bin, env: o?.env, inheritEnv: o?.inheritEnv };
  switch (o?.harness) {
    case "claude-code": return new ClaudeCode({ ...common, effort: o.effort });
    case "gemini": return new GeminiCLI(common);
    case "opencode": return new OpenCode(common);
    default: return undefined as unknown as Provider;
  }
}

function copyUnknown(target: object, source: unknown, known: string[]): void {
  // Unknown options are kept so that validation can name them ("unknown key 'efort', did you mean 'effort'?").
  if (typeof source !== "object" || source === null) return;
  for (const [k, v] of Object.entries(source)) {
    if (!known.includes(k) && k !== "name") Object.defineProperty(target, k, { value: v, enumerable: true });
  }
}
