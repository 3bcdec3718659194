// defineConfig: the identity helper that gives `.aegis.ts` files type checking and editor completion.

import type { Agent, AgentFlatShape, AgentProviderShape } from "./providers.ts";

/** A budget: at most `usd` dollars or `outputTokens` tokens over a rolling window such as "30m", "24h", "7d". */
export type BudgetConfig = { usd: number; window: string } | { outputTokens: number; window: string };

export interface QueueConfig {
  /** The agent profile (a key of `agents`) that workers of this queue run. */
  agent: string;
  /** How many workers may run at once (>= 1). Default 1. */
  maxParallel?: number;
  budgets?: BudgetConfig[];
}

export interface AegisConfig {
  /** The agent used when a command names none. Defaults to the only agent when there is one. */
  defaultAgent?: string;
  /** Agent profiles by name: `new Agent({...})` or plain `{ provider, prompt? }` / flat `{ harness, model, ... }` objects. */
  agents: Record<string, Agent | AgentProviderShape | AgentFlatShape>;
  queues?: Record<string, QueueConfig>;
  /** Files or folders of workflow modules (.ts), relative to the project root, imported at start. */
  workflows?: string[];
  /** Where run state lives, relative to the project root. Default `.aegis`. */
  stateDir?: string;
  /**
   * When a session must be resumed and the provider cannot (its own session store lost the conversation, another
   * machine, a CLI bug), aegis starts a fresh session and replays the earlier conversation from its transcript.
   */
  replay?: {
    /** Size limit of the replayed conversation in estimated tokens (4 characters each); newest turns are kept. 0 turns replay off. Default 24000. */
    maxTokens?: number;
  };
}

/** Declares a project's configuration: `export default defineConfig({ agents: {...} })` in `.aegis.ts`. */
export function defineConfig<T extends AegisConfig>(config: T): T {
  return config;
}
