// Runs one turn over a driver: consumes its event stream, hands every event to a sink, tracks the final assistant
// message (text chunks sharing a message id, or contiguous chunks without one; a tool call starts a new message).
// It runs no timer: the idle timeout is the driver's (src/drivers/turn-watchdog.ts), which guarantees the turn ends.
// A driver that throws or whose stream ends without a turn_end (a bug) still gets its turn ended here, as an error.
// It must not touch the store or the inbox; Session does.

import type { AgentEvent, DriverSession, TurnEnd, Usage } from "../drivers/driver.ts";
import { errorEnd } from "../drivers/turn-end.ts";
import { errorMessage } from "../util/errors.ts";
import { logIgnored } from "../util/log-ignored.ts";

export interface TurnOutcome {
  ok: boolean;
  /** The turn's final assistant message ("" if it wrote none). */
  text: string;
  /** Why the turn failed, for failed turns. */
  error?: string;
  stopReason: string;
  usage: Usage;
  costUsd: number;
  durationMs: number;
}

export interface TurnOptions {
  onEvent: (ev: AgentEvent) => void;
}

/** Follows the assistant's messages through a turn and remembers the last one. */
export class MessageTracker {
  private current = "";
  private currentId: string | undefined;
  private contiguous = false;

  see(ev: AgentEvent): void {
    if (ev.type === "text") {
      const continues = ev.messageId !== undefined ? ev.messageId === this.currentId : this.contiguous && this.currentId === undefined;
      if (continues) this.current += ev.text;
      else {
        this.current = ev.text;
        this.currentId = ev.messageId;
      }
      this.contiguous = true;
    } else if (ev.type === "tool_call" || ev.type === "tool_result") {
      this.contiguous = false;
      this.currentId = undefined;
    }
  }

  /** The last assistant message so far. */
  get text(): string {
    return this.current;
  }
}

export async function runTurn(driver: DriverSession, text: string, opts: TurnOptions): Promise<TurnOutcome> {
  const started = performance.now();
  const tracker = new MessageTracker();
  let end: TurnEnd | undefined;
  const it = driver.send(text)[Symbol.asyncIterator]();
  try {
    for (;;) {
      const r = await it.next();
      if (r.done) break;
      const ev = r.value;
      tracker.see(ev);
      opts.onEvent(ev);
      if (ev.type === "turn_end") {
        end = ev;
        break;
      }
    }
  } catch (err) {
    // Drivers must not throw out of a turn, but a bug there must still end the turn as an error, not hang it.
    end = errorEnd(started, `driver failed: ${errorMessage(err)}`);
    opts.onEvent(end);
  }
  if (!end) {
    end = errorEnd(started, "the agent's event stream ended without a turn end");
    opts.onEvent(end);
  } else {
    // Release the driver's stream: a generator left suspended after its turn_end never runs its cleanup.
    void it.return?.(undefined)?.catch?.(logIgnored("releasing a finished event stream"));
  }
  return {
    ok: !end.isError,
    text: tracker.text,
    ...(end.isError ? { error: end.error ?? end.stopReason } : {}),
    stopReason: end.stopReason,
    usage: end.usage,
    costUsd: end.costUsd ?? 0,
    durationMs: end.durationMs,
  };
}
