// `aegis config validate | show | schema`: check, inspect and describe the project's configuration.

import { defineCommand } from "citty";
import { configJsonSchema } from "../config/schema.ts";
import type { LoadedConfig } from "../config/validate.ts";
import { out } from "../ui/log.ts";
import { ConfigError, formatError } from "../util/errors.ts";
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
    out(`replay: maxTokens=${view.replay.maxTokens}${view.replay.maxTokens === 0 ? " (off)" : ""}`);
    out("agents:");
    for (const [name, a] of Object.entries(view.agents)) {
      const extra = [
        a.effort && `effort=${a.effort}`, a.bin && `bin=${a.bin}`, a.env && `env=${Object.keys(a.env).join(",")}`,
        a.inheritEnv && `inheritEnv=${a.inheritEnv === "all" ? "all" : `[${a.inheritEnv.join(",")}]`}`,
      ].filter(Boolean);
      out(`  ${name}: ${a.harness} model=${a.model} permission=${a.permission}${extra.length ? ` ${extra.join(" ")}` : ""}`);
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
export function describeConfig(cfg: LoadedConfig) {
  const agents = Object.fromEntries(Object.entries(cfg.agents).map(([name, a]) => {
    const p = a.provider as { bin?: string; env?: Record<string, string>; inheritEnv?: "all" | string[] };
    const env = p.env ? Object.fromEntries(Object.entries(p.env).map(([k, v]) => [k, looksSecret(k, v) ? "<redacted>" : v])) : undefined;
    const inheritEnv = a.harness === "scripted" ? undefined : p.inheritEnv ?? "all";
    return [name, { harness: a.harness, model: a.model, permission: a.permission, effort: a.effort, bin: p.bin, env, inheritEnv, prompt: a.prompt }];
  }));
  return {
    file: cfg.file, root: cfg.root, stateDir: cfg.stateDir, defaultAgent: cfg.defaultAgent, replay: cfg.replay, agents, queues: cfg.queues,
    workflows: cfg.workflows,
  };
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
