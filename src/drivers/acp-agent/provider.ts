// The ACPAgent entry of the provider table, and the public ACPAgent class: any coding agent that speaks the Agent
// Client Protocol over stdio, started by the command the user gives (`["qwen", "--acp"]`, `["copilot", "--acp"]`).
// It is driven by ./acp-agent-driver.ts (aegis's one ACP session), imported only when a session starts. The
// constructor never throws: it records what the user wrote so that validation reports every mistake with its key path.
// The `name` option labels the agent in messages and logs; it is kept as `label`, because a provider's `name` is its
// kind ("acp"). `aegis doctor` checks the command's executable.

import { z } from "zod";
import { EnvSchema, InheritEnvSchema, keepUnknownOptions, PermissionSchema, type InheritEnv, type Permission } from "../../config/provider-options.ts";
import { defineProvider, type ProbeResult, type ProbeRunner } from "../provider-spec.ts";

const COMMAND_HINT = 'command must be the agent\'s executable and the arguments that start it in ACP mode, e.g. ["qwen", "--acp"]';

/** The fields of an ACPAgent as validated (the `name` option is its `label`). */
export const ACPAgentOptionsSchema = z.strictObject({
  command: z.array(z.string({ error: COMMAND_HINT }).min(1, { message: `${COMMAND_HINT}; an empty string is not` }), { error: COMMAND_HINT })
    .min(1, { message: COMMAND_HINT })
    .describe('The agent\'s executable (on PATH or a path) and its arguments, e.g. ["qwen", "--acp"]'),
  permission: PermissionSchema.describe("read | write | full | auto (required: aegis cannot know an unknown agent's default)"),
  label: z.string().min(1).optional().describe("A name for the agent in messages and `aegis doctor` (the `name` option of new ACPAgent)"),
  model: z.string().optional().describe("A model the agent offers in its session (its ACP `models` list or `model` option); default: the agent's own"),
  env: EnvSchema.optional().describe("Extra environment variables for the agent"),
  inheritEnv: InheritEnvSchema.optional()
    .describe('Which of aegis\'s environment variables the agent inherits: "all" (default) or a list of names/globs, e.g. ["PATH", "HOME"]'),
});

/** The fields of an ACPAgent as validated (a plain provider object or the flat `harness: "acp"` shape). */
export type ACPAgentFields = z.input<typeof ACPAgentOptionsSchema>;
/** The options of `new ACPAgent({...})`: its fields, with `name` as another way to give `label`. */
export type ACPAgentOptions = ACPAgentFields & {
  /** A name for the agent in messages and `aegis doctor`; default: the executable's file name. */
  name?: string;
};

/**
 * Any ACP agent, driven over stdio: `new ACPAgent({ command: ["qwen", "--acp"], permission: "write" })`. aegis
 * puts the agent in its own mode for the permission level when it advertises one (plan, auto-edit, yolo…) and
 * answers its permission requests by the same policy as for Gemini CLI and OpenCode.
 */
export class ACPAgent {
  readonly name = "acp" as const;
  readonly command: string[];
  readonly permission: Permission;
  readonly label?: string;
  /** "" when unset: the session then names the model the agent reports. */
  readonly model: string;
  readonly env?: Record<string, string>;
  readonly inheritEnv: InheritEnv;
  constructor(o: ACPAgentOptions) {
    this.command = o?.command;
    this.permission = o?.permission;
    // A plain provider object `{ name: "acp", label }` reaches here too: there `name` is the kind, not a label.
    const label = o?.label ?? (o?.name === "acp" ? undefined : o?.name);
    if (label !== undefined) this.label = label;
    this.model = o?.model ?? "";
    if (o?.env !== undefined) this.env = o.env;
    this.inheritEnv = o?.inheritEnv ?? "all";
    keepUnknownOptions(this, o, [...Object.keys(ACPAgentOptionsSchema.shape), "name"]);
  }
}

/** The agent's name in messages: its `name`, else its executable's file name. */
export function acpAgentLabel(p: Pick<ACPAgent, "label" | "command">): string {
  if (p.label) return p.label;
  const exe = Array.isArray(p.command) && typeof p.command[0] === "string" ? p.command[0] : "agent";
  return exe.slice(exe.lastIndexOf("/") + 1) || exe;
}

/** `aegis doctor`: the executable must run; a version line is shown when `--version` gives one (not every agent has it). */
async function probeAcpAgent(path: string, run: ProbeRunner): Promise<ProbeResult> {
  const r = await run([path, "--version"]);
  return { version: r.code === 0 && !r.timedOut ? r.firstLine : null };
}

export const acpAgentProvider = defineProvider({
  name: "acp",
  label: "ACP agent",
  cls: ACPAgent,
  className: "ACPAgent",
  options: ACPAgentOptionsSchema,
  flat: true,
  defaultPermission: "read",
  permissions: {
    read: "the agent's own read-only/plan mode when it advertises one; every permission request not for a read, search or fetch tool is refused by aegis's ACP policy",
    write: "its auto-edit/accept-edits mode when advertised; edits are allowed and shell commands refused by the policy",
    full: "its yolo/bypass mode when advertised; every permission request is allowed",
    auto: "its default mode; each permission request goes to aegis (a human on a TTY, refused without one)",
  },
  executable: (p) => (Array.isArray(p.command) && typeof p.command[0] === "string" ? p.command[0] : undefined),
  probe: probeAcpAgent,
  driver: async () => (await import("./acp-agent-driver.ts")).acpAgentDriver,
});
