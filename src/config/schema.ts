// The configuration schema (zod): one source for validation and for the JSON Schema that editors read.
// Validation is done in parts (validate.ts) so each mistake is reported with its exact key path; the pieces here
// are also composed into `ConfigSchema` for `aegis config schema`.

import { z } from "zod";
import type { ProviderSpec } from "../drivers/provider-spec.ts";
import { providerSpecs, type PROVIDERS } from "../drivers/providers.ts";
import { ScheduleSchema, ServeSchema, WebhookSchema } from "./serve-schema.ts";

const promptField = z.string().optional().describe("Extra instructions (a persona) appended to the agent's system prompt.");
export const IsolationSchema = z.enum(["worktree", "none"]);
export const KeepSchema = z.enum(["changed", "always", "never"]);
/** The profile keys every agent shape has besides its provider. */
const profileFields = {
  prompt: promptField,
  isolation: IsolationSchema.optional().describe(
    '"worktree": each session gets its own git worktree on branch aegis/<handle> (made from the project\'s HEAD) and the CLI runs there; "none" (default): it works in the project checkout.',
  ),
  keep: KeepSchema.optional().describe(
    'What happens to a session\'s worktree when it closes: "changed" (default) keeps it if it has commits or uncommitted changes, "always" keeps it, "never" removes it.',
  ),
};

/** The provider object of one table entry: `{ name: "<its name>", ...its options }`. */
export function providerObjectSchema(spec: ProviderSpec) {
  return z.strictObject({ name: z.literal(spec.name), ...spec.options.shape }).describe(`new ${spec.className}({...})`);
}

/** The flat agent shape of one table entry: `{ harness: "<its name or alias>", ...its options, prompt? }`. */
export function flatAgentSchema(spec: ProviderSpec) {
  const names = [spec.name, ...(spec.aliases ?? [])] as [string, ...string[]];
  return z.strictObject({ harness: z.literal(names).describe(`${spec.label}: "${spec.name}"${spec.aliases?.length ? ` (or ${spec.aliases.map((a) => `"${a}"`).join(", ")})` : ""}.`), ...spec.options.shape, ...profileFields });
}

/** Every provider object of the table, by `name`. */
export const ProviderSchema = z.discriminatedUnion(
  "name",
  providerSpecs().map(providerObjectSchema) as unknown as [ReturnType<typeof providerObjectSchema>, ...ReturnType<typeof providerObjectSchema>[]],
);

/** The agent shape's own keys; its provider is validated against the table entry its `name` picks. */
export const AgentProviderShapeSchema = z.strictObject({ provider: ProviderSchema, ...profileFields });

/** One table entry's flat shape as a type: its options beside `harness` (aliases are accepted at run time only). */
type FlatShapeOf<S> = S extends ProviderSpec<infer P, infer O, true> ? { harness: P["name"]; prompt?: string; isolation?: "worktree" | "none"; keep?: "changed" | "always" | "never" } & z.input<O> : never;
type FlatShapes = FlatShapeOf<(typeof PROVIDERS)[number]>;

/** Every flat agent shape of the table, by `harness` (typed from the table's entries). */
export const AgentFlatShapeSchema = z.discriminatedUnion(
  "harness",
  providerSpecs().filter((p) => p.flat).map(flatAgentSchema) as unknown as [ReturnType<typeof flatAgentSchema>, ...ReturnType<typeof flatAgentSchema>[]],
) as unknown as z.ZodType<FlatShapes, FlatShapes>;
/**
 * The flat shape: `{ harness: "claude-code", model: "opus", ... }`, a provider's options beside `harness` (its name or
 * an alias). The public types list each provider's shape; inside aegis it is checked per provider by validate.ts.
 */
export type AgentFlatShape = z.input<typeof AgentFlatShapeSchema>;
/** The `harness:` value of the flat agent shape: a provider's name, or one of its aliases. */
export type Harness = AgentFlatShape["harness"];
export const AgentSchema = z.union([AgentProviderShapeSchema, AgentFlatShapeSchema]);

export const WINDOW_PATTERN = /^([1-9][0-9]*)(m|h|d|w)$/;
const windowSchema = z.string().regex(WINDOW_PATTERN, { message: "window must look like 30m, 24h, 7d or 2w" });
export const BudgetSchema = z.union([
  z.strictObject({
    usd: z.number().positive().describe("At most this many US dollars over the window."),
    window: windowSchema.describe('A rolling window: "30m", "24h", "7d", "2w".'),
  }),
  z.strictObject({
    outputTokens: z.number().int().positive().describe("At most this many output tokens over the window."),
    window: windowSchema.describe('A rolling window: "30m", "24h", "7d", "2w".'),
  }),
]);
/** A budget: at most `usd` dollars or `outputTokens` tokens over a rolling window such as "30m", "24h", "7d". */
export type BudgetConfig = z.input<typeof BudgetSchema>;

export const QueueSchema = z.strictObject({
  agent: z.string().min(1).describe("The agent profile (a key of `agents`) that workers of this queue run."),
  maxParallel: z.number().int().min(1).default(1).describe("How many workers may run at once (>= 1). Default 1."),
  budgets: z.array(BudgetSchema).optional().describe("New tasks are refused once a budget is spent."),
  isolation: IsolationSchema.optional().describe(
    '"worktree": each task\'s worker gets a fresh git worktree (branch aegis/<handle>) made from `base`; when the task ends aegis commits what it left and the task records its branch, commit and diff stats. Default: the agent profile\'s, else "none".',
  ),
  base: z.string().min(1).optional().describe("The branch, tag or commit each task's worktree is made from. Default: the project's HEAD when the task starts."),
  keep: KeepSchema.optional().describe('What happens to a task\'s worktree when it ends: "changed" (default) keeps it if it has work in it, "always", "never".'),
  hosts: z.array(z.string().min(1)).min(1).optional().describe(
    "Only workers started with one of these labels (aegis work --host-label gpu) run this queue's tasks, e.g. machines that have the right tools. Default: any worker.",
  ),
});
/** A named queue of `.aegis.ts`: tasks run by fresh workers of one agent. */
export type QueueConfig = z.input<typeof QueueSchema>;

/** The default size of a replayed conversation (see `replay.maxTokens`), in estimated tokens. */
export const DEFAULT_REPLAY_MAX_TOKENS = 24_000;
export const ReplaySchema = z.strictObject({
  maxTokens: z.number().int().min(0).optional()
    .describe("Size limit of the replayed conversation in estimated tokens (4 characters each); newest turns are kept. 0 turns replay off. Default 24000."),
});

/** The default of `dynamicWorkflows.maxAgents`. */
export const DEFAULT_DYNAMIC_MAX_AGENTS = 5;
export const DynamicWorkflowsSchema = z.strictObject({
  maxAgents: z.number().int().min(0).optional()
    .describe("aegis_run_dynamic_workflow runs a spec whose plan projects at most this many agents; above it (or unbounded) it returns the plan for a human to approve. Default 5."),
});

/** Defaults of `store` (#15). */
export const DEFAULT_STORE_POOL = 8;
export const DEFAULT_LEASE_MS = 30_000;
export const StoreSchema = z.strictObject({
  url: z.string().min(1).optional().describe(
    "A PostgreSQL URL (postgres://user:password@host:5432/db) holding this project's state, shared by every machine running aegis against it. AEGIS_DATABASE_URL wins over it. Unset: the SQLite file in stateDir.",
  ),
  pool: z.number().int().min(1).max(100).optional().describe(`PostgreSQL connections per aegis process (plus one for notifications). Default ${DEFAULT_STORE_POOL}.`),
  pollMs: z.number().int().min(50).optional().describe("The slow safety poll behind change notifications, in ms. Default 1000 on SQLite, 5000 on PostgreSQL."),
  leaseMs: z.number().int().min(1_000).optional().describe(`How long a worker's lease lasts without a heartbeat (sent every third of it), in ms. Default ${DEFAULT_LEASE_MS}.`),
});

/** The top-level keys besides `agents` and `queues`, shared by the check of the whole file and by its JSON Schema. */
const configFields = {
  defaultAgent: z.string().min(1).optional().describe("The agent used when a command names none. Defaults to the only agent when there is one."),
  workflows: z.array(z.string().min(1)).optional()
    .describe("Files or folders of workflow modules (.ts), relative to the project root, imported at start."),
  stateDir: z.string().min(1).optional().describe("Where run state lives, relative to the project root. Default `.aegis`."),
  dynamicWorkflows: DynamicWorkflowsSchema.optional().describe("Limits on no-code workflows agents start with aegis_run_dynamic_workflow."),
  store: StoreSchema.optional().describe("Where the state lives: the SQLite file in stateDir (default) or a PostgreSQL database shared by a fleet."),
  replay: ReplaySchema.optional().describe(
    "When a session must be resumed and the provider cannot (its own session store lost the conversation, another machine, a CLI bug), aegis starts a fresh session and replays the earlier conversation from its transcript.",
  ),
};

/** Top-level keys; agents/queues entries are validated one by one by validate.ts. */
export const TopLevelSchema = z.strictObject({
  ...configFields,
  agents: z.record(z.string(), z.unknown()),
  queues: z.record(z.string(), z.unknown()).optional(),
  schedules: z.record(z.string(), z.unknown()).optional(),
  webhooks: z.record(z.string(), z.unknown()).optional(),
  serve: z.unknown().optional(),
});

/** `.aegis.ts`'s default export: the source of `aegis config schema`. */
export const ConfigSchema = z.strictObject({
  ...configFields,
  agents: z.record(z.string(), AgentSchema).describe("Agent profiles by name."),
  queues: z.record(z.string(), QueueSchema).optional().describe("Named queues, each bound to an agent."),
  schedules: z.record(z.string(), ScheduleSchema).optional().describe("Workflows `aegis serve` fires on a cron pattern or once at a time."),
  webhooks: z.record(z.string(), WebhookSchema).optional().describe("Workflows started by an HMAC-signed POST /hooks/<name> on serve.http."),
  serve: ServeSchema.optional().describe("Settings of `aegis serve`."),
});

/** Everything of `.aegis.ts`'s default export but `agents` (whose type also takes the provider classes). */
export const ConfigOptionsSchema = ConfigSchema.omit({ agents: true });
export type ConfigOptions = z.input<typeof ConfigOptionsSchema>;

export type Budget = { kind: "usd" | "outputTokens"; limit: number; window: string; windowMs: number };
export interface ResolvedQueue {
  name: string;
  agent: string;
  maxParallel: number;
  budgets: Budget[];
  /** Unset: the agent profile's isolation applies. */
  isolation?: "worktree" | "none";
  base?: string;
  keep?: "changed" | "always" | "never";
  /** Only workers with one of these host labels serve the queue; unset: any. */
  hosts?: string[];
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
