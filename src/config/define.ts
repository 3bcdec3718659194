// defineConfig: the identity helper that gives `.aegis.ts` files type checking and editor completion.

import type { Agent, AgentProviderShape } from "./providers.ts";
import type { AgentFlatShape, ConfigOptions } from "./schema.ts";

export type { BudgetConfig, QueueConfig } from "./schema.ts";

/** A project's configuration: the default export of `.aegis.ts`. Its keys are described by ConfigSchema (schema.ts). */
export type AegisConfig = ConfigOptions & {
  /** Agent profiles by name: `new Agent({...})` or plain `{ provider, prompt? }` / flat `{ harness, model, ... }` objects. */
  agents: Record<string, Agent | AgentProviderShape | AgentFlatShape>;
};

/** Declares a project's configuration: `export default defineConfig({ agents: {...} })` in `.aegis.ts`. */
export function defineConfig<T extends AegisConfig>(config: T): T {
  return config;
}
