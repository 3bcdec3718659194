// `aegis config validate | show | schema`: check, inspect and describe the project's configuration.

import { defineCommand } from "citty";
import { configJsonSchema } from "../config/schema.ts";
import type { Agent } from "../config/providers.ts";
import type { LoadedConfig } from "../config/validate.ts";
import { findProvider } from "../drivers/providers.ts";
import { describeTarget, storeTarget } from "../store/open.ts";
import { out } from "../ui/log.ts";
import { ConfigError, errorMessage, formatError } from "../util/errors.ts";
import { configArgs, jsonArg, loadConfigFromArgs } from "./context.ts";

const validate = defineCommand({
  meta: { name: "validate", description: "Load and check the configuration; exit 0 if valid, 2 if not" },
  args: { ...configArgs, ...jsonArg },
  async run({ args }) {
    try {
      const cfg = await loadConfigFromArgs(args);
      if (args.json) out(JSON.stringify({ ok: true, file: cfg.file, agents: Object.keys(cfg.agents), queues: Object.keys(cfg.queues) }));
      else out(`ok: ${cfg.file} (${count(Object.keys(cfg.agents).length, "agent")}, ${count(Object.keys(cfg.queues).length, "queue")})`);
    } catch (err) {
      if (args.json && err instanceof ConfigError) {
        out(JSON.stringify({ ok: false, file: err.file, error: formatError(err), issues: err.issues }));
        return 2;
      }
      throw err;
    }
  },
});

const show = defineCommand({
  meta: { name: "show", description: "Print the resolved configuration (defaults applied, secrets redacted)" },
  args: { ...configArgs, ...jsonArg },
  async run({ args }) {
    const view = describeConfig(await loadConfigFromArgs(args));
    if (args.json) return void out(JSON.stringify(view, null, 2));
    out(`file: ${view.file}\nroot: ${view.root}\nstateDir: ${view.stateDir}\ndefaultAgent: ${view.defaultAgent ?? "(none)"}`);
    out(`store: ${view.store.location} pool=${view.store.pool} leaseMs=${view.store.leaseMs}${view.store.pollMs !== undefined ? ` pollMs=${view.store.pollMs}` : ""}`);
    out(`replay: maxTokens=${view.replay.maxTokens}${view.replay.maxTokens === 0 ? " (off)" : ""}`);
    out("agents:");
    for (const [name, a] of Object.entries(view.agents)) {
      const extra = Object.entries(a)
        .filter(([k, v]) => !["harness", "model", "permission", "prompt"].includes(k) && v !== undefined)
        .map(([k, v]) => `${k}=${showValue(k, v)}`);
      // An unset model ("": an ACP agent's own default) is said so, not printed as an empty `model=`.
      out(`  ${name}: ${a.harness} model=${a.model || "(the agent's default)"} permission=${a.permission}${extra.length ? ` ${extra.join(" ")}` : ""}`);
    }
    if (Object.keys(view.queues).length) out("queues:");
    for (const [name, q] of Object.entries(view.queues)) {
      const budgets = q.budgets.map((b) => `${b.limit}${b.kind === "usd" ? " USD" : " output tokens"}/${b.window}`).join(", ");
      out(`  ${name}: agent=${q.agent} maxParallel=${q.maxParallel}${budgets ? ` budgets=${budgets}` : ""}`);
    }
    if (view.workflows.length) out(`workflows: ${view.workflows.join(", ")}`);
  },
});

const schema = defineCommand({
  meta: { name: "schema", description: "Print the JSON Schema of .aegis.ts's default export (for editors and tools)" },
  run() {
    out(JSON.stringify(configJsonSchema(), null, 2));
  },
});

export default defineCommand({
  meta: { name: "config", description: "Validate, show or describe the configuration" },
  subCommands: { validate, show, schema },
});

const SECRET_NAME = /(key|token|secret|password|passwd|pass|pat|credential|auth|cookie|session)/i;
/** Values that look like credentials whatever their variable is called: known prefixes, or long random strings. */
const SECRET_VALUE = /^(sk-|ghp_|gho_|ghs_|github_pat_|xox[abpr]-|AKIA|AIza|glpat-)|^(?=.*\d)(?=.*[a-zA-Z])[A-Za-z0-9_\-+/=.]{32,}$/;

export function looksSecret(name: string, value: string): boolean {
  return SECRET_NAME.test(name) || SECRET_VALUE.test(value);
}

/**
 * A plain, JSON-safe view of the config with secret-looking env values redacted. `inheritEnv` (CLI agents only) is the
 * environment mode: "all", or the list of names/globs the CLI inherits; it holds names, never values.
 */
export function describeConfig(cfg: LoadedConfig, env: Record<string, string | undefined> = process.env) {
  const agents = Object.fromEntries(Object.entries(cfg.agents).map(([name, a]) => [name, describeAgent(a)]));
  return {
    file: cfg.file, root: cfg.root, stateDir: cfg.stateDir, defaultAgent: cfg.defaultAgent, store: describeStore(cfg, env), replay: cfg.replay, agents,
    queues: cfg.queues, workflows: cfg.workflows,
  };
}

/**
 * One agent: its harness, then every option its provider table entry declares (functions left out, defaults applied,
 * secret-looking env values redacted), then its prompt.
 */
function describeAgent(a: Agent): Record<string, unknown> & { harness: string; model: string; permission: string } {
  const p = a.provider as unknown as Record<string, unknown>;
  const keys = Object.keys(findProvider(a.harness)?.options.shape ?? {});
  const options: Record<string, unknown> = {};
  for (const key of keys) {
    const value = p[key];
    if (value === undefined || typeof value === "function") continue;
    options[key] = key === "env" ? redactEnv(value as Record<string, string>) : value;
  }
  return { harness: a.harness, model: a.model, permission: a.permission, effort: a.effort, ...options, prompt: a.prompt };
}

/** The store settings with the backend chosen and the URL's password replaced by *** (never printed). */
function describeStore(cfg: LoadedConfig, env: Record<string, string | undefined>) {
  let location: string;
  try {
    location = describeTarget(storeTarget(cfg, env));
  } catch (err) {
    location = `(unusable: ${errorMessage(err)})`;
  }
  const { url: _url, ...settings } = cfg.store;
  return { location, ...settings };
}

function redactEnv(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, looksSecret(k, v) ? "<redacted>" : v]));
}

/** A value in `config show`'s text form: env by its names, lists in brackets, objects as JSON. */
function showValue(key: string, v: unknown): string {
  if (key === "env" && v && typeof v === "object") return Object.keys(v).join(",");
  if (Array.isArray(v)) return `[${v.join(",")}]`;
  if (v && typeof v === "object") return JSON.stringify(v);
  return String(v);
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
