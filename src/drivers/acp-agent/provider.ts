// The ACPAgent provider: any coding agent that speaks the Agent Client Protocol over stdio, started by the command
// the user gives (`["qwen", "--acp"]`, `["copilot", "--acp"]`). Like the other provider classes, the constructor
// never throws: it records what the user wrote so that validation (config/schema.ts) reports every mistake with its
// key path. `name` labels the agent in messages, logs and `aegis doctor`; it is kept as `label`, because a provider's
// `name` is its kind ("acp").

import type { InheritEnv, Permission } from "../../config/providers.ts";

export interface ACPAgentOptions {
  /** The agent's executable and its arguments that start it in ACP mode, e.g. `["qwen", "--acp"]`. */
  command: string[];
  /** What the agent may do: read (look only), write (edit files), full (anything), auto (ask on a TTY). */
  permission: Permission;
  /** A name for the agent in messages and `aegis doctor`; default: the executable's file name. */
  name?: string;
  /** A model the agent offers in its session (ACP `models` or a `model` config option); default: the agent's own. */
  model?: string;
  /** Extra environment variables for the agent, on top of the inherited ones (these win). */
  env?: Record<string, string>;
  /** Which of aegis's environment variables the agent inherits: `"all"` (default) or a list of names/globs. */
  inheritEnv?: InheritEnv;
}

/** Any ACP agent, driven over stdio with aegis's ACP session: `new ACPAgent({ command: ["qwen", "--acp"], permission: "write" })`. */
export class ACPAgent {
  readonly name = "acp" as const;
  readonly command: string[];
  readonly permission: Permission;
  readonly label?: string;
  readonly model: string;
  readonly env?: Record<string, string>;
  readonly inheritEnv: InheritEnv;
  constructor(o: ACPAgentOptions) {
    this.command = o?.command;
    this.permission = o?.permission;
    if (o?.name !== undefined) this.label = o.name;
    // "" when unset: the session names the model the agent reports (every provider has a string model).
    this.model = o?.model ?? "";
    if (o?.env !== undefined) this.env = o.env;
    this.inheritEnv = o?.inheritEnv ?? "all";
    // Unknown options are kept so that validation can name them ("unknown key 'comand', did you mean 'command'?").
    if (typeof o !== "object" || o === null) return;
    const known = ["command", "permission", "name", "model", "env", "inheritEnv"];
    for (const [k, v] of Object.entries(o)) {
      if (!known.includes(k)) Object.defineProperty(this, k, { value: v, enumerable: true });
    }
  }
}

/** The agent's name in messages: its `name`, else its executable's file name. */
export function acpAgentLabel(p: Pick<ACPAgent, "label" | "command">): string {
  if (p.label) return p.label;
  const exe = Array.isArray(p.command) && typeof p.command[0] === "string" ? p.command[0] : "agent";
  return exe.slice(exe.lastIndexOf("/") + 1) || exe;
}
