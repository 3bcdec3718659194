// How a Codex turn ended, in aegis's terms: Codex's turn/completed (status completed / interrupted / failed, with its
// error) becomes the fields of the one turn_end, and Codex's error text becomes something a person reads. Pure: the
// session pushes the result (turn-end.ts builds the event).

import type { Usage } from "../driver.ts";
import { idleTimeoutError, type TurnEndFields } from "../turn-end.ts";
import type { TurnInfo } from "./wire.ts";

export const LABEL = "Codex CLI";

export interface OutcomeContext {
  usage: Usage;
  /** The idle timeout interrupted the turn. */
  idleFired: boolean;
  idleMs: number;
  /** The last error Codex reported during the turn without retrying it (the `error` notification). */
  lastError?: string;
}

/** The turn_end fields for a turn/completed. */
export function turnOutcome(info: TurnInfo, c: OutcomeContext): TurnEndFields {
  const { usage } = c;
  if (info.status === "completed") return { stopReason: "end_turn", isError: false, usage };
  if (info.status === "interrupted") {
    if (c.idleFired) return { stopReason: "timeout", isError: true, error: idleTimeoutError(LABEL, c.idleMs), usage };
    return { stopReason: "cancelled", isError: true, error: "interrupted", usage };
  }
  const error = info.error ? withDetails(info.error.message, info.error.additionalDetails) : c.lastError ?? `the turn ended with status ${info.status}`;
  return { stopReason: "error", isError: true, error, usage };
}

/**
 * Codex's error text for the user. An API error's message is the response body as is: for an OpenAI-style JSON body
 * `{"error":{"message":…,"type":…}}` that is its message and type.
 */
export function withDetails(message: string, details: string | null | undefined): string {
  let text = message;
  if (message.trimStart().startsWith("{")) {
    try {
      const err = (JSON.parse(message) as { error?: { message?: unknown; type?: unknown } }).error;
      if (typeof err?.message === "string") text = typeof err.type === "string" ? `${err.message} (${err.type})` : err.message;
    } catch {
      text = message; // not JSON after all: Codex's words as they are
    }
  }
  return details ? `${text}: ${details}` : text;
}
