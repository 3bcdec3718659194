// Words for a Claude Code process that ended: its exit status, its stderr tail, and the one start-up failure users
// hit most (bypassPermissions as root) turned into an AegisError that says how to fix it. Text only; no I/O.

import type { ExitStatus } from "../../proc/spawn.ts";
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
export function startupError(reason: string, tail: string, permission: string): AegisError {
  if (ROOT_REFUSAL.test(tail)) {
    return new AegisError(
      "E_PERMISSION",
      `Claude Code refuses permission "${permission}" (bypassPermissions) when run as root`,
      {
        hint: "run aegis as a non-root user, or, when this is a container or sandbox, export IS_SANDBOX=1 before " +
          `running aegis (or set it in the provider's env: new ClaudeCode({ ..., env: { IS_SANDBOX: "1" } }))`,
        data: { stderr: tail },
      },
    );
  }
  return new AegisError("E_AGENT_EXIT", withStderr(`claude failed to start: ${reason}`, tail), { data: { stderr: tail } });
}
