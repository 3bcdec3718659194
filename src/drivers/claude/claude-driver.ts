// The Claude Code driver: finds the CLI, spawns it through src/proc with the stream-json command line, and checks
// that it came up (an `initialize` control request must be answered) before handing out the session. Turn handling
// lives in claude-session.ts; this file must stay free of protocol details beyond the start-up handshake.

import type { ClaudeCode, Provider } from "../../config/providers.ts";
import { type ChildProcess, spawnProcess } from "../../proc/spawn.ts";
import { AegisError, errorCode, errorMessage } from "../../util/errors.ts";
import type { Driver, DriverSession, StartOptions } from "../driver.ts";
import { buildClaudeCommand, INSTALL_HINT, resolveClaudeBin } from "./claude-command.ts";
import { ClaudeSession } from "./claude-session.ts";
import { startupError } from "./exit-diagnosis.ts";

/** Claude Code usually answers `initialize` within a second; a cold first start can take several. */
const START_TIMEOUT_MS = 30_000;

export async function startClaude(provider: ClaudeCode, opts: StartOptions): Promise<ClaudeSession> {
  if (provider.name !== "claude-code") throw new AegisError("E_INTERNAL", `claude driver got provider ${String((provider as { name: unknown }).name)}`);
  const explicitPath = opts.env?.PATH ?? provider.env?.PATH;
  const bin = resolveClaudeBin(provider, explicitPath ?? process.env.PATH);
  const { cmd, env, inheritEnv } = buildClaudeCommand(bin, provider, opts);
  let child: ChildProcess;
  try {
    child = spawnProcess({ cmd, cwd: opts.cwd, env, inheritEnv, ladder: { graceMs: 1000, sigint: true } });
  } catch (err) {
    if (errorCode(err) !== "E_AGENT_MISSING") throw err;
    throw new AegisError("E_AGENT_MISSING", errorMessage(err), { hint: INSTALL_HINT, cause: err, data: { bin } });
  }
  const session = new ClaudeSession(child, provider, opts);

  const init = await session.control("initialize", START_TIMEOUT_MS);
  if (!init.ok) {
    const died = session.exitReason;
    await session.close();
    const tail = session.stderrTail();
    if (init.timedOut) throw new AegisError("E_TIMEOUT", `claude did not answer its start-up handshake: ${init.error}`, { data: { stderr: tail } });
    if (died) throw startupError(died, tail, provider.permission, inheritEnv);
    throw new AegisError("E_PROTOCOL", `claude refused the start-up handshake: ${init.error ?? "unknown error"}`, { data: { stderr: tail } });
  }
  if (opts.signal) {
    if (opts.signal.aborted) await session.close();
    else opts.signal.addEventListener("abort", () => void session.close(), { once: true });
  }
  return session;
}

export const claudeDriver: Driver = {
  name: "claude-code",
  start(provider: Provider, opts: StartOptions): Promise<DriverSession> {
    return startClaude(provider as ClaudeCode, opts);
  },
};
