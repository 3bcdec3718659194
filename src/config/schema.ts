// The configuration schema (zod): one source for validation and for the JSON Schema that editors read.
// Validation is done in parts (validate.ts) so each mistake is reported with its exact key path; the pieces here
// are also composed into `ConfigSchema` for `aegis config schema`.

import { z } from "zod";
import type { ProviderSpec } from "../drivers/provider-spec.ts";
import { providerSpecs } from "../drivers/providers.ts";

const promptField = z.string().optional().describe("Extra instructions appended to the agent's system prompt");

/** The provider object of one table entry: `{ name: "<its name>", ...its options }`. */
export function providerObjectSchema(spec: ProviderSpec) {
  return z.strictObject({ name: z.literal(spec.name), ...spec.options.shape }).describe(`new ${spec.className}({...})`);
}

/** The flat agent shape of one table entry: `{ harness: "<its name or alias>", ...its options, prompt? }`. */
export function flatAgentSchema(spec: ProviderSpec) {
  const names = [spec.name, ...(spec.aliases ?? [])] as [string, ...string[]];
  return z.strictObject({ harness: z.literal(names), ...spec.options.shape, prompt: promptField });
}

/** Every provider object of the table, by `name`. */
export const ProviderSchema = z.discriminatedUnion(
  "name",
  providerSpecs().map(providerObjectSchema) as unknown as [ReturnType<typeof providerObjectSchema>, ...ReturnType<typeof providerObjectSchema>[]],
);

/** The agent shape's own keys; its provider is validated against the table entry its `name` picks. */
export const AgentProviderShapeSchema = z.strictObject({ provider: ProviderSchema, prompt: promptField });

/** Every flat agent shape of the table, by `harness`. */
export const AgentFlatShapeSchema = z.discriminatedUnion(
  "harness",
  providerSpecs().filter((p) => p.flat).map(flatAgentSchema) as unknown as [ReturnType<typeof flatAgentSchema>, ...ReturnType<typeof flatAgentSchema>[]],
);
export const AgentSchema = z.union([AgentProviderShapeSchema, AgentFlatShapeSchema]);

export const WINDOW_PATTERN = /^([1-9][0-9]*)(m|h|d|w)$/;
const windowSchema = z.string().regex(WINDOW_PATTERN, { message: "window must look like 30m, 24h, 7d or 2w" });
export const BudgetSchema = z.union([
  z.strictObject({ usd: z.number().positive(), window: windowSchema }),
  z.strictObject({ outputTokens: z.number().int().positive(), window: windowSchema }),
]);
export const QueueSchema = z.strictObject({
  agent: z.string().min(1).describe("A key of `agents`"),
  maxParallel: z.number().int().min(1).default(1).describe("How many workers may run at once"),
  budgets: z.array(BudgetSchema).optional(),
});

/** The default size of a replayed conversation (see `replay.maxTokens`), in estimated tokens. */
export const DEFAULT_REPLAY_MAX_TOKENS = 24_000;
export const ReplaySchema = z.strictObject({
  maxTokens: z.number().int().min(0).optional()
    .describe("Size limit, in estimated tokens (4 characters each), of the earlier conversation replayed into a fresh provider session when the provider cannot resume one; newest turns are kept; 0 turns replay off. Default 24000"),
});

/** Top-level keys; agents/queues entries are validated one by one by validate.ts. */
export const TopLevelSchema = z.strictObject({
  defaultAgent: z.string().min(1).optional(),
  agents: z.record(z.string(), z.unknown()),
  queues: z.record(z.string(), z.unknown()).optional(),
  workflows: z.array(z.string().min(1)).optional(),
  stateDir: z.string().min(1).optional(),
  replay: ReplaySchema.optional(),
});

export const ConfigSchema = z.strictObject({
  defaultAgent: z.string().optional().describe("The agent used when none is named"),
  agents: z.record(z.string(), AgentSchema).describe("Agent profiles by name"),
  queues: z.record(z.string(), QueueSchema).optional().describe("Named queues, each bound to an agent"),
  workflows: z.array(z.string()).optional().describe("Files or folders of workflow modules, relative to the project root"),
  stateDir: z.string().optional().describe("Where run state lives; default .aegis under the project root"),
  replay: ReplaySchema.optional().describe("How a conversation is carried into a fresh session when the provider cannot resume it"),
});

export type Budget = { kind: "usd" | "outputTokens"; limit: number; window: string; windowMs: number };
export interface ResolvedQueue {
  name: string;
  agent: string;
  maxParallel: number;
  budgets: Budget[];
}

export function windowToMs(window: string): number {
  const m = WINDOW_PATTERN.exec(window);
  if (!m) throw new Error(`bad window ${window}`);
  const unit = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2] as "m" | "h" | "d" | "w"];
  return Number(m[1]) * unit;
}

/** The JSON Schema of `.aegis.ts`'s default export, for editors and other tools. */
export function configJsonSchema(): unknown {
  return z.toJSONSchema(ConfigSchema, { unrepresentable: "any", io: "input" });
}
