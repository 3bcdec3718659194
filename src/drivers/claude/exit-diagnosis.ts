// Words for a Claude Code process that ended: its exit status, its stderr tail, and the one start-up failure users
// hit most (bypassPermissions as root) turned into an AegisError that says how to fix it. Text only; no I/O.

import type { ExitStatus } from "../../proc/spawn.ts";
import { envMatcher, type InheritEnv } from "../../proc/env.ts";
import { AegisError } from "../../util/errors.ts";

/** How much of the stderr tail an error message quotes. */
const QUOTED_TAIL_CHARS = 4000;

const ROOT_REFUSAL = /cannot be used with root\/sudo privileges/;

export function describeExit(status: ExitStatus, closing: boolean): string {
  if (closing) return "the session was closed";
  if (status.signal) return `claude was killed by ${status.signal}`;
  return `claude exited with code ${status.code ?? "unknown"}`;
}

/** `message`, then the last part of the stderr tail (if any) on the lines below. */
export function withStderr(message: string, tail: string): string {
  const t = tail.trim();
  if (!t) return message;
  const quoted = t.length > QUOTED_TAIL_CHARS ? `…${t.slice(-QUOTED_TAIL_CHARS)}` : t;
  return `${message}\nstderr:\n${quoted}`;
}

/** The error for a CLI that did not get through start-up. */
export function startupError(reason: string, tail: string, permission: string, inheritEnv: InheritEnv = "all"): AegisError {
  if (ROOT_REFUSAL.test(tail)) {
    const viaEnv = `set it in the provider's env: new ClaudeCode({ ..., env: { IS_SANDBOX: "1" } })`;
    // An exported IS_SANDBOX=1 does not help an agent whose inheritEnv leaves it out: say so instead.
    const hint = inheritEnv !== "all" && !envMatcher(inheritEnv)("IS_SANDBOX")
      ? `this agent's inheritEnv [${inheritEnv.join(", ")}] does not pass IS_SANDBOX: when this is a container or ` +
        `sandbox, add "IS_SANDBOX" to inheritEnv and export IS_SANDBOX=1, or ${viaEnv}; or run aegis as a non-root user`
      : `run aegis as a non-root user, or, when this is a container or sandbox, export IS_SANDBOX=1 before running aegis (or ${viaEnv})`;
    return new AegisError(
      "E_PERMISSION",
      `Claude Code refuses permission "${permission}" (bypassPermissions) when run as root`,
      { hint, data: { stderr: tail } },
    );
  }
  return new AegisError("E_AGENT_EXIT", withStderr(`claude failed to start: ${reason}`, tail), { data: { stderr: tail } });
}
