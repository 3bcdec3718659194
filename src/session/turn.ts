// Runs one turn over a driver: consumes its event stream, hands every event to a sink, tracks the final assistant
// message (text chunks sharing a message id, or contiguous chunks without one; a tool call starts a new message),
// and guards against a driver that stops producing events: after `idleTimeoutMs` without an event the turn is
// interrupted, and after a further grace period the driver is closed and the turn ends as a timeout error.
// It must not touch the store or the inbox; Session does.

import type { AgentEvent, DriverSession, TurnEnd, Usage } from "../drivers/driver.ts";
import { ZERO_USAGE } from "../drivers/driver.ts";
import { logIgnored } from "./log-ignored.ts";

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
  idleTimeoutMs: number;
  /** Extra time, after interrupting a silent turn, before the driver is closed. */
  graceMs?: number;
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

const FORCED = Symbol("forced");

export async function runTurn(driver: DriverSession, text: string, opts: TurnOptions): Promise<TurnOutcome> {
  const started = performance.now();
  const tracker = new MessageTracker();
  let end: TurnEnd | undefined;
  let lastEventAt = performance.now();
  // A holder, not a `let`: the watchdog closure changes it while the loop below awaits.
  const st: { stage: "running" | "interrupted" | "forced" } = { stage: "running" };
  let force!: (v: typeof FORCED) => void;
  const forced = new Promise<typeof FORCED>((r) => (force = r));
  const grace = opts.graceMs ?? Math.min(opts.idleTimeoutMs, 5_000);

  const check = () => {
    const silent = performance.now() - lastEventAt;
    if (st.stage === "running" && silent >= opts.idleTimeoutMs) {
      st.stage = "interrupted";
      // The driver may already end the turn on its own timeout; interrupting again is harmless.
      void driver.interrupt().catch(logIgnored("interrupting a silent turn")); // the forced close below follows anyway
      timer = setTimeout(check, grace);
    } else if (st.stage === "interrupted") {
      st.stage = "forced";
      void driver.close().catch(logIgnored("closing a silent driver")); // the turn is ended regardless
      force(FORCED);
    } else timer = setTimeout(check, Math.max(1, opts.idleTimeoutMs - silent));
  };
  let timer: ReturnType<typeof setTimeout> = setTimeout(check, opts.idleTimeoutMs);

  const it = driver.send(text)[Symbol.asyncIterator]();
  try {
    for (;;) {
      const r = await Promise.race([it.next(), forced]);
      if (r === FORCED) break;
      if (r.done) break;
      const ev = r.value;
      lastEventAt = performance.now();
      if (st.stage === "interrupted" && ev.type !== "turn_end") st.stage = "running";
      tracker.see(ev);
      opts.onEvent(ev);
      if (ev.type === "turn_end") {
        end = ev;
        break;
      }
    }
  } catch (err) {
    // Drivers must not throw out of a turn, but a bug there must still end the turn as an error, not hang it.
    end = synthEnd(started, "error", `driver failed: ${(err as Error)?.message ?? String(err)}`);
    opts.onEvent(end);
  } finally {
    clearTimeout(timer);
  }
  if (!end) {
    const why = st.stage === "forced"
      ? `turn timed out: no event from the agent for ${opts.idleTimeoutMs} ms`
      : "the agent's event stream ended without a turn end";
    end = synthEnd(started, st.stage === "forced" ? "timeout" : "error", why);
    opts.onEvent(end);
  }
  // Release the driver's stream: a generator left suspended after its turn_end never runs its cleanup.
  if (st.stage !== "forced") void it.return?.(undefined)?.catch?.(logIgnored("releasing a finished event stream"));
  if (st.stage === "interrupted" && end.isError) {
    // The turn ended because the watchdog interrupted it: report the silence, not the interrupt.
    end = { ...end, stopReason: "timeout", error: `turn timed out: no event from the agent for ${opts.idleTimeoutMs} ms` };
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

function synthEnd(started: number, stopReason: string, error: string): TurnEnd {
  return { type: "turn_end", stopReason, isError: true, error, durationMs: Math.round(performance.now() - started), usage: { ...ZERO_USAGE } };
}
