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
}

/** Declares a project's configuration: `export default defineConfig({ agents: {...} })` in `.aegis.ts`. */
export function defineConfig<T extends AegisConfig>(config: T): T {
  return config;
}
