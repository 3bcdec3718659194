// The agent turns of a workflow run: `send` (one journaled turn, read under the run's own sender tag or a group's)
// and `live` (one turn, not journaled; a group's race journals its outcome itself). A session woken through its
// provider's resume whose first turn fails is respawned fresh and asked again; the run's stop, or a caller's own
// `stop` signal, interrupts the turn. It must not decide what a run does with a reply; the engine and groups do.

import type { SessionManager } from "../session/manager.ts";
import type { SenderTag } from "../session/sender.ts";
import { AegisError } from "../util/errors.ts";
import { abortReason } from "./bash.ts";
import { interruptUntil } from "./group-collect.ts";
import type { Journal, LiveOutcome } from "./journal.ts";
import type { RunSessions } from "./run-sessions.ts";

export interface SendOutput {
  text: string;
  handle: string;
  providerSessionId?: string;
}

export class EngineTurns {
  constructor(
    private readonly journal: Journal,
    private readonly runSessions: RunSessions,
    private readonly sessions: SessionManager,
    /** The run's own sender tag (`workflow:<name>:<runId>`). */
    private readonly sender: SenderTag,
    /** The run's stop. */
    private readonly signal: AbortSignal,
  ) {}

  /**
   * A journaled turn read under `from` (default the run's own tag); aborting `stop` interrupts it. `gist` stands for
   * the text in the step's label (a group's objective rather than its whole brief).
   */
  async send(handle: string, text: string, from: SenderTag = this.sender, stop?: AbortSignal, gist?: string): Promise<string> {
    // A group's tag joins the digest; a plain send keeps the input it always had.
    const own = from === this.sender;
    const input = own ? { handle, text } : { handle, text, from };
    const label = `send ${handle} ${quote(gist ?? text)}${own ? "" : ` (${from})`}`;
    const out = await this.journal.step<SendOutput>(
      { kind: "send", label, input },
      () => this.live(handle, text, from, stop),
    );
    this.runSessions.noteProviderId(handle, out.providerSessionId);
    return out.text;
  }

  /** One live turn; a session woken through its provider's resume whose first turn fails is respawned and asked again. */
  async live(handle: string, text: string, from: SenderTag = this.sender, stop?: AbortSignal): Promise<LiveOutcome<SendOutput>> {
    try {
      return await this.turn(handle, text, from, stop);
    } catch (err) {
      if (this.signal.aborted || stop?.aborted || !(await this.runSessions.respawnAfterFailedResume(handle, err))) throw err;
      return this.turn(handle, text, from, stop);
    }
  }

  /** One live turn: the reply, the provider session id after it, and the turn's usage. */
  private async turn(handle: string, text: string, from: SenderTag, stop?: AbortSignal): Promise<LiveOutcome<SendOutput>> {
    const s = await this.runSessions.live(handle);
    if (stop?.aborted) throw new AegisError("E_CANCELLED", `the turn of ${handle} was stopped before it began`, { data: { handle } });
    const before = { ...s.totals };
    const interrupt = () => void s.interrupt();
    this.signal.addEventListener("abort", interrupt, { once: true });
    const sending = this.sessions.send(handle, text, from);
    // A group's stop also reaches the turn that carries this message when it waits behind another one.
    const stopTurn = () => void interruptUntil(this.sessions, handle, sending);
    stop?.addEventListener("abort", stopTurn, { once: true });
    let reply: string;
    try {
      reply = await sending;
    } catch (err) {
      if (this.signal.aborted) throw abortReason(this.signal);
      throw err;
    } finally {
      this.signal.removeEventListener("abort", interrupt);
      stop?.removeEventListener("abort", stopTurn);
    }
    this.runSessions.verified(handle);
    const pid = s.driver.providerSessionId;
    return {
      output: { text: reply, handle, ...(pid ? { providerSessionId: pid } : {}) },
      costUsd: s.totals.costUsd - before.costUsd,
      inputTokens: s.totals.input - before.input,
      outputTokens: s.totals.output - before.output,
    };
  }
}

export function quote(s: string, max = 48): string {
  const one = s.replace(/\s+/g, " ").trim();
  return JSON.stringify(one.length > max ? `${one.slice(0, max - 1)}…` : one);
}
