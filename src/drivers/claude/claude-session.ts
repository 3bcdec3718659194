// One live Claude Code process holding one conversation. It reads stdout for the life of the process, routes events to
// the turn in flight, answers control requests, and guarantees that every `send()` ends with exactly one `turn_end`:
// on `result`, on interrupt, on idle timeout (turn-watchdog.ts: interrupt, then kill) and on process death (with the
// stderr tail).
// Spawning and killing go through src/proc; building the command line is claude-command.ts's job.

import type { ClaudeCode } from "../../config/providers.ts";
import type { ChildProcess } from "../../proc/spawn.ts";
import type { AgentEvent, DriverSession, StartOptions, TurnEnd } from "../driver.ts";
import { openingTexts } from "../opening.ts";
import { errorEnd, idleTimeoutError, turnEnd } from "../turn-end.ts";
import { DEFAULT_IDLE_TIMEOUT_MS, TurnWatchdog } from "../turn-watchdog.ts";
import type { ParsedLine } from "./claude-parser.ts";
import { ClaudeParser } from "./claude-parser.ts";
import { decideToolUse } from "./claude-permission.ts";
import { CanUseToolRequest, controlErrorFrame, controlRequestFrame, permissionResponseFrame, userFrame } from "./claude-wire.ts";
import { EventChannel } from "./event-channel.ts";
import { describeExit, withStderr } from "./exit-diagnosis.ts";
import { errorMessage } from "../../util/errors.ts";

/** How long an interrupted turn may take to end before the process is killed. */
const MAX_INTERRUPT_GRACE_MS = 5000;
/** Shutdown ladder for close(): Claude exits ~0.1 s after stdin EOF when idle, and cleans its tool shells on SIGINT. */
const CLOSE_LADDER = { graceMs: 1000, sigint: true };

interface Turn {
  readonly channel: EventChannel<AgentEvent>;
  readonly started: number;
  /** Resolves once the turn has ended. */
  readonly finished: Promise<void>;
  markFinished(): void;
  ended: boolean;
  interrupted: boolean;
  closedDuring: boolean;
}

export interface ControlResult {
  ok: boolean;
  /** No answer came in time (the process may still be alive). */
  timedOut?: boolean;
  error?: string;
  response?: unknown;
}

export class ClaudeSession implements DriverSession {
  private readonly parser = new ClaudeParser();
  /** The idle timeout and the interrupt-then-kill ladder, one for the session, re-armed per turn. */
  private readonly watchdog: TurnWatchdog;
  private turn?: Turn;
  /** Why the process is gone, once it is. */
  private dead?: string;
  private closing?: Promise<void>;
  private requestSeq = 0;
  private readonly pending = new Map<string, (r: ControlResult) => void>();
  private readonly asks = new Map<string, AbortController>();
  /** Resolves when stdout has ended and the exit has been handled. */
  readonly done: Promise<void>;
  /** The replayed conversation, sent once as blocks of their own before the first turn's text (opening.ts). */
  private opening: string[];

  constructor(
    private readonly child: ChildProcess,
    private readonly provider: ClaudeCode,
    private readonly opts: StartOptions,
  ) {
    this.watchdog = new TurnWatchdog({
      idleMs: opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
      graceMs: MAX_INTERRUPT_GRACE_MS,
      onIdle: () => void this.control("interrupt", MAX_INTERRUPT_GRACE_MS),
      onForce: () => {
        if (this.turn && !this.turn.ended) void this.child.stop({ graceMs: 200, sigint: true });
      },
    });
    // The primer travels as --append-system-prompt (claude-command.ts), on every start, resumed ones included.
    this.opening = openingTexts(opts, { primerElsewhere: true });
    this.done = this.readLoop();
  }

  get providerSessionId(): string | undefined {
    return this.parser.sessionId ?? this.opts.resumeId;
  }

  get pid(): number {
    return this.child.pid;
  }

  /** Why the process ended, or undefined while it runs. */
  get exitReason(): string | undefined {
    return this.dead;
  }

  /** MCP servers and their status as the CLI reported them at the last turn's start. */
  get mcpServers() {
    return this.parser.mcpServers;
  }

  stderrTail(): string {
    return this.child.stderrTail();
  }

  async *send(text: string): AsyncIterable<AgentEvent> {
    const started = performance.now();
    // A turn already being interrupted (its consumer left, or interrupt() was called) ends soon: the watchdog kills
    // the CLI if it does not. Wait for it rather than refusing.
    if (this.turn && this.watchdog.interrupting) await this.turn.finished;
    const refuse = this.closing ? "the session is closed" : this.dead ? `${this.dead}; start or resume a new session`
      : this.turn ? "a turn is already running in this session" : undefined;
    if (refuse) {
      yield errorEnd(started, refuse);
      return;
    }
    const turn = newTurn(started);
    this.turn = turn;
    this.watchdog.begin();
    this.child.write(userFrame(text, this.opening));
    this.opening = [];
    try {
      for await (const ev of turn.channel) yield ev;
    } finally {
      // A consumer that stops reading mid-turn does not want the rest: stop the CLI working on it.
      if (!turn.ended) this.requestInterrupt(turn);
    }
  }

  async interrupt(): Promise<void> {
    const turn = this.turn;
    if (!turn || turn.ended) return;
    turn.interrupted = true;
    this.requestInterrupt(turn);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      const turn = this.turn;
      if (turn && !turn.ended) turn.closedDuring = true;
      await this.child.stop(CLOSE_LADDER);
      await this.done;
    })();
    return this.closing;
  }

  /** Sends a control request of ours and waits for its answer (or the process's death, or `timeoutMs`). */
  control(subtype: "initialize" | "interrupt", timeoutMs: number): Promise<ControlResult> {
    if (this.dead) return Promise.resolve({ ok: false, error: this.dead });
    const id = `aegis_${subtype}_${++this.requestSeq}`;
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish({ ok: false, timedOut: true, error: `no answer to ${subtype} within ${timeoutMs} ms` }), timeoutMs);
      timer.unref?.(); // the CLI process keeps aegis alive while an answer can still come
      const finish = (r: ControlResult) => {
        clearTimeout(timer);
        this.pending.delete(id);
        resolve(r);
      };
      this.pending.set(id, finish);
      this.child.write(controlRequestFrame(id, subtype));
    });
  }

  private async readLoop(): Promise<void> {
    try {
      for await (const line of this.child.lines()) this.onLine(line);
    } catch (err) {
      // The framer does not throw for bad data; this is a broken pipe. The exit status below tells the rest.
      this.dead = `reading claude's output failed: ${errorMessage(err)}`;
    }
    // stdout ended: the process has exited (or closed stdout, which is as good as dead for us).
    // A cleared timer, not Bun.sleep: a pending sleep would keep a finished aegis process alive for its full 2 s.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const exited = await Promise.race([this.child.exited, new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), 2000)))]);
    clearTimeout(timer);
    if (!exited) await this.child.stop(CLOSE_LADDER);
    this.onDeath(describeExit(exited ?? (await this.child.exited), this.closing !== undefined));
  }

  private onLine(line: string): void {
    const turn = this.turn;
    this.watchdog.touch();
    const parsed = this.parser.parse(line);
    switch (parsed.kind) {
      case "events":
        // Events outside a turn (a late line after an interrupt) only update the parser's state.
        if (turn) for (const ev of parsed.events) turn.channel.push(ev);
        return;
      case "result":
        if (turn) {
          for (const ev of parsed.events) turn.channel.push(ev);
          this.finishTurn(turn, parsed.end);
        }
        return;
      case "control_response":
        this.pending.get(parsed.requestId)?.(parsed);
        return;
      case "control_cancel":
        this.asks.get(parsed.requestId)?.abort();
        return;
      case "control_request":
        void this.answerControl(parsed);
        return;
    }
  }

  private async answerControl(req: Extract<ParsedLine, { kind: "control_request" }>): Promise<void> {
    const can = CanUseToolRequest.safeParse(req.request);
    if (!can.success) {
      this.child.write(controlErrorFrame(req.requestId, `aegis does not handle control request "${req.request.subtype}"`));
      return;
    }
    const cancelled = new AbortController();
    this.asks.set(req.requestId, cancelled);
    try {
      // While a human decides, the CLI is rightly silent: the idle clock stops.
      const decision = await this.watchdog.paused(() => decideToolUse(this.provider.permission, can.data, this.opts.askPermission));
      if (!cancelled.signal.aborted) this.child.write(permissionResponseFrame(req.requestId, decision));
    } finally {
      this.asks.delete(req.requestId);
    }
  }

  /** Asks the CLI to stop the turn; the watchdog kills the process if the turn has not ended within the grace. */
  private requestInterrupt(turn: Turn): void {
    if (turn.ended || this.watchdog.interrupting || this.dead) return;
    void this.control("interrupt", MAX_INTERRUPT_GRACE_MS);
    this.watchdog.escalate();
  }

  private finishTurn(turn: Turn, end: TurnEnd): void {
    if (turn.ended) return;
    turn.ended = true;
    const timedOut = this.watchdog.timedOut;
    this.watchdog.end();
    const f = { stopReason: end.stopReason, isError: end.isError, error: end.error, usage: end.usage, costUsd: end.costUsd };
    if (timedOut) {
      f.isError = true;
      f.stopReason = "timeout";
      f.error = idleTimeoutError("claude", this.watchdog.idleMs, end.error);
    } else if (turn.closedDuring && end.isError) {
      f.stopReason = "cancelled";
      f.error = "the session was closed during the turn";
    } else if (turn.interrupted && end.isError) {
      f.stopReason = "cancelled";
      // Claude's own text for an aborted turn is an internal diagnostic ("[ede_diagnostic] result_type=…").
      f.error = "interrupted";
    }
    const out = turnEnd(turn.started, f);
    turn.channel.push(out);
    turn.channel.close();
    if (this.turn === turn) this.turn = undefined;
    turn.markFinished();
  }

  private onDeath(reason: string): void {
    this.dead ??= reason;
    this.watchdog.close();
    for (const finish of [...this.pending.values()]) finish({ ok: false, error: this.dead });
    for (const ac of this.asks.values()) ac.abort();
    const turn = this.turn;
    if (turn && !turn.ended) {
      this.finishTurn(turn, errorEnd(turn.started, withStderr(`${this.dead} before the turn ended`, this.child.stderrTail())));
    }
  }
}

function newTurn(started: number): Turn {
  let markFinished = () => {};
  const finished = new Promise<void>((resolve) => {
    markFinished = resolve;
  });
  return {
    channel: new EventChannel(), started, finished, markFinished, ended: false, interrupted: false, closedDuring: false,
  };
}
