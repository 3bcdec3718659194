// Validates the default export of `.aegis.ts` and resolves it into a LoadedConfig. Every problem is collected with
// its key path, what was found and what is allowed, and reported as one ConfigError. Never throws anything else.

import { z } from "zod";
import { ConfigError, type ConfigIssue } from "../util/errors.ts";
import { describeHarnesses, findProvider, harnessNames, providerSpecs, type Provider } from "../drivers/providers.ts";
import { Agent, providerFromFlat, type AgentFlatShape } from "./providers.ts";
import {
  BudgetSchema, DEFAULT_DYNAMIC_MAX_AGENTS, DEFAULT_LEASE_MS, DEFAULT_STORE_POOL, StoreSchema, DEFAULT_REPLAY_MAX_TOKENS, DynamicWorkflowsSchema, flatAgentSchema, IsolationSchema, KeepSchema, providerObjectSchema, QueueSchema, ReplaySchema, TopLevelSchema,
  windowToMs, type Budget, type ResolvedQueue,
} from "./schema.ts";
import { pgUrlProblem } from "../store/url.ts";
import { resolveSchedules, resolveServe, serveAllowedKeys, resolveWebhooks, type ResolvedSchedule, type ResolvedServe, type ResolvedWebhook } from "./serve-schema.ts";

export interface LoadedConfig {
  /** The project root: the folder holding the config file. */
  readonly root: string;
  /** The config file that was loaded. */
  readonly file: string;
  readonly defaultAgent?: string;
  readonly agents: Record<string, Agent>;
  readonly queues: Record<string, ResolvedQueue>;
  /** Absolute paths of workflow files or folders. */
  readonly workflows: string[];
  /** Absolute path of the state folder. */
  readonly stateDir: string;
  /** Replaying a conversation into a fresh provider session: its size limit in estimated tokens (0: no replay). */
  readonly replay: { readonly maxTokens: number };
  /** No-code workflows started by agents (aegis_run_dynamic_workflow): above this many projected agents, approval. */
  readonly dynamicWorkflows: { readonly maxAgents: number };
  /** Schedules `aegis serve` fires, by name (#12). */
  readonly schedules: Record<string, ResolvedSchedule>;
  /** Webhooks served on `serve.http`, by name (#12). */
  readonly webhooks: Record<string, ResolvedWebhook>;
  readonly serve: ResolvedServe;
  /** Where the state lives (#15): no url = the SQLite file in stateDir. Print the url only through redactUrl(). */
  readonly store: StoreConfig;
}

export interface StoreConfig {
  readonly url?: string;
  readonly pool: number;
  /** The safety poll behind notifications; unset = the backend's default. */
  readonly pollMs?: number;
  readonly leaseMs: number;
}

type Path = (string | number)[];

export function validateConfig(raw: unknown, file: string, root: string): LoadedConfig {
  const issues: ConfigIssue[] = [];
  const top = TopLevelSchema.safeParse(raw, { reportInput: true });
  if (!top.success) {
    collect(issues, top.error, []);
    throw configError(file, issues);
  }
  const cfg = top.data;
  const agents: Record<string, Agent> = {};
  for (const [name, value] of Object.entries(cfg.agents)) {
    const agent = validateAgent(value, ["agents", name], issues);
    if (agent) agents[name] = agent;
  }
  if (Object.keys(cfg.agents).length === 0) {
    issues.push({ path: "agents", message: "agents must declare at least one agent, e.g. { demo: { provider: new Scripted({ reply: (p) => p }) } }" });
  }
  const names = Object.keys(cfg.agents);
  if (cfg.defaultAgent !== undefined && !names.includes(cfg.defaultAgent)) {
    issues.push({ path: "defaultAgent", message: `defaultAgent must name a declared agent (${names.join(", ")}); got ${show(cfg.defaultAgent)}${didYouMean(cfg.defaultAgent, names)}` });
  }
  const queues: Record<string, ResolvedQueue> = {};
  for (const [name, value] of Object.entries(cfg.queues ?? {})) {
    const q = QueueSchema.safeParse(value, { reportInput: true });
    if (!q.success) {
      collect(issues, q.error, ["queues", name]);
      continue;
    }
    if (!names.includes(q.data.agent)) {
      issues.push({ path: `queues.${name}.agent`, message: `agent must name a declared agent (${names.join(", ")}); got ${show(q.data.agent)}${didYouMean(q.data.agent, names)}` });
    }
    const budgets = (q.data.budgets ?? []).map((b): Budget =>
      "usd" in b
        ? { kind: "usd", limit: b.usd, window: b.window, windowMs: windowToMs(b.window) }
        : { kind: "outputTokens", limit: b.outputTokens, window: b.window, windowMs: windowToMs(b.window) });
    const seen = new Set<string>();
    budgets.forEach((b, i) => {
      const key = `${b.kind}/${b.window}`;
      if (seen.has(key)) issues.push({ path: `queues.${name}.budgets.${i}`, message: `duplicate budget: ${b.kind} over ${b.window} is declared twice` });
      seen.add(key);
    });
    const isolated = (q.data.isolation ?? agents[q.data.agent]?.isolation ?? "none") === "worktree";
    for (const key of ["base", "keep"] as const) {
      if (q.data[key] !== undefined && !isolated) {
        issues.push({ path: `queues.${name}.${key}`, message: `${key} applies to worktrees, and this queue's workers get none: add isolation: "worktree" to the queue (or to agent ${show(q.data.agent)})` });
      }
    }
    queues[name] = {
      name, agent: q.data.agent, maxParallel: q.data.maxParallel, budgets,
      ...(q.data.isolation !== undefined ? { isolation: q.data.isolation } : {}),
      ...(q.data.base !== undefined ? { base: q.data.base } : {}),
      ...(q.data.keep !== undefined ? { keep: q.data.keep } : {}),
      ...(q.data.hosts !== undefined ? { hosts: q.data.hosts } : {}),
    };
  }
  const collectAt = (error: z.ZodError, prefix: Path) => collect(issues, error, prefix);
  const schedules = resolveSchedules(cfg.schedules ?? {}, issues, collectAt);
  const webhooks = resolveWebhooks(cfg.webhooks ?? {}, issues, collectAt);
  const serve = resolveServe(cfg.serve, collectAt);
  const urlProblem = cfg.store?.url === undefined ? undefined : pgUrlProblem(cfg.store.url);
  if (urlProblem) issues.push({ path: "store.url", message: `store.url ${urlProblem}` });
  if (issues.length) throw configError(file, issues);
  const resolve = (p: string) => (p.startsWith("/") ? p : `${root}/${p.replace(/^\.\//, "")}`);
  return {
    root,
    file,
    defaultAgent: cfg.defaultAgent ?? (names.length === 1 ? names[0] : undefined),
    agents,
    queues,
    workflows: (cfg.workflows ?? []).map(resolve),
    stateDir: resolve(cfg.stateDir ?? ".aegis"),
    replay: { maxTokens: cfg.replay?.maxTokens ?? DEFAULT_REPLAY_MAX_TOKENS },
    dynamicWorkflows: { maxAgents: cfg.dynamicWorkflows?.maxAgents ?? DEFAULT_DYNAMIC_MAX_AGENTS },
    schedules,
    webhooks,
    serve,
    store: {
      ...(cfg.store?.url !== undefined ? { url: cfg.store.url } : {}),
      pool: cfg.store?.pool ?? DEFAULT_STORE_POOL,
      ...(cfg.store?.pollMs !== undefined ? { pollMs: cfg.store.pollMs } : {}),
      leaseMs: cfg.store?.leaseMs ?? DEFAULT_LEASE_MS,
    },
  };
}

const AgentShapeKeys = z.strictObject({
  provider: z.unknown(), prompt: z.string().optional(), isolation: IsolationSchema.optional(), keep: KeepSchema.optional(),
});

/** The profile keys besides the provider, as the Agent constructor takes them. */
function profileOf(o: { prompt?: string; isolation?: "worktree" | "none"; keep?: "changed" | "always" | "never" }) {
  return {
    ...(o.prompt !== undefined ? { prompt: o.prompt } : {}),
    ...(o.isolation !== undefined ? { isolation: o.isolation } : {}),
    ...(o.keep !== undefined ? { keep: o.keep } : {}),
  };
}

function validateAgent(value: unknown, path: Path, issues: ConfigIssue[]): Agent | undefined {
  const input = value instanceof Agent || isAgentLike(value) ? (value as Agent).input : value;
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    issues.push({ path: join(path), message: `an agent must be new Agent({...}) or an object with provider or harness; got ${show(input)}` });
    return undefined;
  }
  if ("provider" in input) {
    const r = AgentShapeKeys.safeParse(input, { reportInput: true });
    if (!r.success) return void collect(issues, r.error, path);
    const provider = validateProvider(r.data.provider, [...path, "provider"], issues);
    if (!provider) return undefined;
    return new Agent({ provider, ...profileOf(r.data) });
  }
  if ("harness" in input) {
    const harness = (input as { harness: unknown }).harness;
    const spec = typeof harness === "string" ? findProvider(harness) : undefined;
    if (!spec?.flat) {
      issues.push({ path: join([...path, "harness"]), message: `harness must be one of ${describeHarnesses()}; got ${show(harness)}${typeof harness === "string" ? didYouMean(harness, harnessNames()) : ""}` });
      return undefined;
    }
    const r = flatAgentSchema(spec).safeParse(input, { reportInput: true });
    if (!r.success) return void collect(issues, r.error, path, providerKeys(spec.name, "harness"));
    const flat = r.data as unknown as AgentFlatShape;
    return new Agent({ provider: providerFromFlat(flat), ...profileOf(flat) });
  }
  const classes = providerSpecs().map((p) => p.className).join(", ");
  issues.push({
    path: join(path),
    message: `an agent needs either provider (one of ${classes}, e.g. new ClaudeCode({ model: "opus" })) or harness (${describeHarnesses()}); got keys ${Object.keys(input).join(", ") || "(none)"}`,
  });
  return undefined;
}

/** A provider object (a class instance or a plain `{ name, ... }`), checked against its table entry's options. */
function validateProvider(value: unknown, path: Path, issues: ConfigIssue[]): Provider | undefined {
  const names = providerSpecs().map((p) => p.name);
  const classes = providerSpecs().map((p) => `new ${p.className}({...})`).join(", ");
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    issues.push({ path: join(path), message: `provider must be a provider object (${classes}); got ${show(value)}` });
    return undefined;
  }
  const name = (value as { name?: unknown }).name;
  const spec = typeof name === "string" ? providerSpecs().find((p) => p.name === name) : undefined;
  if (!spec) {
    issues.push({
      path: join([...path, "name"]),
      message: `name must be one of ${names.join(", ")}; got ${show(name)}${typeof name === "string" ? didYouMean(name, names) : ""} (use ${classes})`,
    });
    return undefined;
  }
  const r = providerObjectSchema(spec).safeParse(value, { reportInput: true });
  if (!r.success) return void collect(issues, r.error, path, providerKeys(spec.name, "provider"));
  // Plain objects become class instances (defaults applied); instances are kept.
  return value instanceof spec.cls ? (value as Provider) : new spec.cls(value as never);
}

/**
 * Allowed keys for an unknown-key message about a provider's options, naming which other providers have the key:
 * `effort` on OpenCode is "an option of claude-code only".
 */
function providerKeys(name: string, shape: "provider" | "harness"): KeyHelp {
  const spec = findProvider(name)!;
  const own = Object.keys(spec.options.shape);
  return {
    allowed: shape === "harness" ? ["harness", ...own, "prompt", "isolation", "keep"] : own,
    note: (key) => {
      const others = providerSpecs().filter((p) => p !== spec && key in p.options.shape).map((p) => p.name);
      return others.length ? ` for ${shape} ${show(name)} (an option of ${others.join(", ")} only)` : ` for ${shape} ${show(name)}`;
    },
  };
}

interface KeyHelp { allowed: string[]; note: (key: string) => string }

function isAgentLike(v: unknown): boolean {
  return typeof v === "object" && v !== null && (v as object).constructor?.name === "Agent" && "input" in v;
}

function configError(file: string, issues: ConfigIssue[]): ConfigError {
  const lines = issues.map((i) => `  ${i.path || "(top level)"}: ${i.message}`);
  const noun = issues.length === 1 ? "problem" : "problems";
  return new ConfigError(`invalid config ${file} (${issues.length} ${noun}):\n${lines.join("\n")}`, { file, issues });
}

function collect(issues: ConfigIssue[], error: z.ZodError, prefix: Path, keys?: KeyHelp): void {
  for (const issue of error.issues) {
    const path = [...prefix, ...(issue.path as Path)];
    if (issue.code === "unrecognized_keys") {
      // The KeyHelp describes the object validated at `prefix` (a provider's options), not objects nested in it.
      const own = keys && issue.path.length === 0 ? keys : undefined;
      const allowed = own ? own.allowed : allowedKeys(issue.input, path);
      for (const key of issue.keys) {
        issues.push({
          path: join([...path, key]),
          message: `unknown key ${show(key)}${own ? own.note(key) : ""}${didYouMean(key, allowed)}${allowed.length ? `; allowed: ${allowed.join(", ")}` : ""}`,
        });
      }
      continue;
    }
    if (issue.code === "invalid_union" && path[path.length - 2] === "budgets") {
      collectBudget(issues, (issue as { input?: unknown }).input, path);
      continue;
    }
    issues.push({ path: join(path), message: describeIssue(issue, path) });
  }
}

/** A budget has exactly one limit; report against that branch so the message is about the field that is wrong. */
function collectBudget(issues: ConfigIssue[], input: unknown, path: Path): void {
  const o = (typeof input === "object" && input !== null ? input : {}) as Record<string, unknown>;
  const limits = ["usd", "outputTokens"].filter((k) => k in o);
  if (limits.length !== 1) {
    issues.push({ path: join(path), message: `a budget needs exactly one of usd or outputTokens, plus a window (e.g. { usd: 5, window: "24h" }); got ${limits.length ? `both ${limits.join(" and ")}` : `keys ${Object.keys(o).join(", ") || "(none)"}`}` });
    return;
  }
  const branch = BudgetSchema.options[limits[0] === "usd" ? 0 : 1];
  const r = branch.safeParse(input, { reportInput: true });
  if (!r.success) collect(issues, r.error, path);
}

function describeIssue(issue: z.core.$ZodIssue, path: Path): string {
  const key = String(path[path.length - 1] ?? "value");
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case "invalid_value":
      return `${key} must be ${issue.values.length === 1 ? show(issue.values[0]) : `one of ${issue.values.join(", ")}`}; got ${show(input)}`;
    case "invalid_union": {
      const opts = (issue as { options?: unknown[] }).options;
      if (opts) return `${key} must be one of ${opts.join(", ")}; got ${show(input && typeof input === "object" ? (input as Record<string, unknown>)[key] : input)}`;
      // A union with its own message (inheritEnv) says what is allowed better than the generic text below.
      if (!issue.message.startsWith("Invalid input")) return `${issue.message}; got ${show(input)}`;
      return `${key} must be one of the allowed shapes (see \`aegis config schema\`); got ${show(input)}`;
    }
    case "invalid_type":
      if (input === undefined) return `${key} is required (${issue.expected})`;
      // A schema's own message (ACPAgent's command) says what is wanted better than the type's name.
      if (!issue.message.startsWith("Invalid input")) return `${issue.message}; got ${show(input)}`;
      return `${key} must be ${issue.expected === "int" ? "a whole number" : article(issue.expected)}; got ${show(input)}`;
    case "too_small":
      // A schema's own message (ACPAgent's command) says what belongs there better than a count.
      if (issue.origin === "string" || issue.origin === "array") return issue.message.startsWith("Too small") ? `${key} must not be empty` : issue.message;
      return `${key} must be ${issue.inclusive ? ">=" : ">"} ${issue.minimum}; got ${show(input)}`;
    case "too_big":
      return `${key} must be ${issue.inclusive ? "<=" : "<"} ${issue.maximum}; got ${show(input)}`;
    case "invalid_format":
      return `${issue.message}; got ${show(input)}`;
    default:
      return `${key} ${issue.message.replace(/^Invalid input: /, "")}; got ${show(input)}`;
  }
}

function allowedKeys(input: unknown, path: Path): string[] {
  if (typeof input !== "object" || input === null) return [];
  if (path.length === 1 && path[0] === "replay") return Object.keys(ReplaySchema.shape);
  if (path.length === 1 && path[0] === "dynamicWorkflows") return Object.keys(DynamicWorkflowsSchema.shape);
  if (path.length === 1 && path[0] === "store") return Object.keys(StoreSchema.shape);
  const serveKeys = serveAllowedKeys(path);
  if (serveKeys) return serveKeys;
  const o = input as Record<string, unknown>;
  const shapeOf = (s: { shape: Record<string, unknown> }) => Object.keys(s.shape).filter((k) => k !== "name");
  if ("provider" in o) return shapeOf(AgentShapeKeys);
  if ("agent" in o || "maxParallel" in o) return shapeOf(QueueSchema);
  if ("window" in o) return ["usd", "outputTokens", "window"];
  if ("agents" in o) return shapeOf(TopLevelSchema);
  return [];
}

export function didYouMean(word: string, candidates: string[]): string {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? `; did you mean ${show(best)}?` : "";
}

function distance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0]!;
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j]!;
      dp[j] = Math.min(dp[j]! + 1, dp[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length]!;
}

function join(path: Path): string {
  return path.map(String).join(".");
}

function article(t: string): string {
  return /^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`;
}

function show(v: unknown): string {
  if (v === undefined) return "nothing";
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "function") return "a function";
  if (Array.isArray(v)) return "an array";
  if (v && typeof v === "object") return v.constructor && v.constructor !== Object ? `a ${v.constructor.name}` : "an object";
  return String(v);
}
