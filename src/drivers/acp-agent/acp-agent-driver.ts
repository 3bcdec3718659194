// The driver for any ACP agent (ACPAgent): starts the user's command as is and runs aegis's one ACP session over it
// (acp-session.ts: permission requests answered by policy, MCP servers by the agent's mcpCapabilities, resume by
// session/load, the primer and replay as opening blocks). What only a generic agent needs is done once the session
// exists: the agent's own mode for the permission level (modes.ts) and the model, when one is asked for.
//
// Permission is enforced twice where the agent allows it: by its mode (plan for read, auto-edit for write, yolo for
// full) and by aegis's answer to every session/request_permission. An agent that runs a tool without asking and offers
// no fitting mode is not held back by aegis: that is the agent's own policy. Builds the launch only; spawns nothing.

import type { Permission, Provider } from "../../config/providers.ts";
import { logger } from "../../ui/log.ts";
import { AegisError, errorCode } from "../../util/errors.ts";
import type { Driver, DriverSession, StartOptions } from "../driver.ts";
import { startAcpSession } from "../acp/acp-session.ts";
import { mergeEnv, resolveBin, type AcpLaunch, type SessionSetupContext } from "../acp/launch.ts";
import type { ConfigOption } from "../acp/wire.ts";
import { chooseMode, isPermissiveMode } from "./modes.ts";
import { acpAgentLabel, type ACPAgent } from "./provider.ts";

/** The command line and environment for one session of the agent. */
export function acpAgentLaunch(provider: ACPAgent, opts: StartOptions): AcpLaunch {
  const label = acpAgentLabel(provider);
  const env = mergeEnv(provider.env, opts.env);
  const [exe = "", ...args] = provider.command;
  const bin = resolveBin({
    defaultName: exe, label, install: "", cwd: opts.cwd, path: env.PATH,
    hint: `command[0] must be the agent's executable, on PATH or as a path (relative paths start from the working directory ${opts.cwd}); install the agent or fix the command`,
  });
  return {
    label,
    cmd: [bin, ...args],
    env,
    inheritEnv: provider.inheritEnv ?? "all",
    // Some ACP agents never exit on stdin EOF (codex-acp, claude-code-acp: measured); SIGTERM then ends them.
    closeGraceMs: 1500,
    setup: (s) => setUpSession(provider.permission, provider.model || undefined, label, s),
  };
}

/** Picks the agent's mode for the permission level and the model asked for; returns the model in effect. */
export async function setUpSession(
  permission: Permission, model: string | undefined, label: string, s: SessionSetupContext, warn = (m: string) => logger().warn(m),
): Promise<{ model?: string }> {
  const { client, sessionId, result } = s;
  const modes = result.modes;
  if (modes) {
    const mode = chooseMode(permission, modes.availableModes, modes.currentModeId);
    const current = modes.availableModes.find((m) => m.id === modes.currentModeId);
    if (!mode && permission !== "full" && current && isPermissiveMode(current)) {
      warn(`${label} runs in its mode "${current.id}", which acts without asking, and offers no mode that fits permission "${permission}": aegis cannot hold it to that level`);
    }
    if (mode && mode.id !== modes.currentModeId) {
      await client.setMode(sessionId, mode.id).catch((err: unknown) => {
        // An answer refusing the mode it advertised; anything else (the agent died) is reported as it is.
        if (errorCode(err) !== "E_PROTOCOL") throw err;
        throw new AegisError("E_PROTOCOL", `${label} refused its own mode "${mode.id}" (chosen for permission "${permission}"): ${(err as Error).message}`, {
          data: { mode: mode.id, permission }, cause: err,
          hint: "aegis does not start an agent in a mode other than the one its permission level needs; report this to the agent's maintainers",
        });
      });
    }
    const note = `${label}: permission "${permission}" → mode ${mode?.id ?? `${modes.currentModeId} (none fits; its permission requests are answered by policy)`}`;
    s.diag(note);
    logger().debug(note);
  }
  if (!model) return { ...(reportedModel(result) ? { model: reportedModel(result) } : {}) };
  await chooseModel(model, label, s);
  return { model };
}

/** Sets the model through the session's `models` list or its `model` config option; neither: a clear E_CONFIG. */
async function chooseModel(model: string, label: string, s: SessionSetupContext): Promise<void> {
  const { client, sessionId, result } = s;
  const listed = result.models?.availableModels;
  if (listed) {
    const hit = listed.find((m) => m.modelId === model) ?? listed.find((m) => m.name === model);
    if (hit) {
      if (hit.modelId !== result.models?.currentModelId) await client.setModel(sessionId, hit.modelId);
      return;
    }
    throw unknownModel(label, model, listed.map((m) => m.modelId));
  }
  const option = result.configOptions?.find((o) => o.id === "model");
  if (option) {
    const values = optionValues(option);
    if (!values.includes(model)) throw unknownModel(label, model, values);
    if (option.currentValue !== model) await client.setConfigOption(sessionId, option.id, model);
    return;
  }
  throw new AegisError("E_CONFIG", `${label} offers no model choice over ACP, so model "${model}" cannot be set`, {
    data: { model },
    hint: "remove `model` from this ACPAgent and choose the model the agent's own way (its environment or config file)",
  });
}

function unknownModel(label: string, model: string, known: string[]): AegisError {
  const shown = known.length > 20 ? `${known.slice(0, 20).join(", ")}, … (${known.length} in all)` : known.join(", ");
  return new AegisError("E_CONFIG", `${label} does not offer model "${model}"; it offers: ${shown || "(none)"}`, {
    data: { model, known },
    hint: "set `model` to one of the models the agent lists, or leave it out to use the agent's default",
  });
}

function optionValues(option: ConfigOption): string[] {
  return (option.options ?? []).flatMap((o) => (o.options ? o.options.map((v) => v.value) : o.value !== undefined ? [o.value] : []));
}

function reportedModel(result: SessionSetupContext["result"]): string | undefined {
  if (result.models?.currentModelId) return result.models.currentModelId;
  const current = result.configOptions?.find((o) => o.id === "model")?.currentValue;
  return typeof current === "string" ? current : undefined;
}

export const acpAgentDriver: Driver = {
  name: "acp",
  async start(provider: Provider, opts: StartOptions): Promise<DriverSession> {
    const agent = provider as unknown as ACPAgent;
    return startAcpSession({ launch: acpAgentLaunch(agent, opts), permission: agent.permission, model: agent.model || undefined, opts });
  },
};
