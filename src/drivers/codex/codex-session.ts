// One Codex thread behind the DriverSession seam: spawns `codex app-server` through src/proc, runs initialize →
// thread/start (or thread/resume) → one turn/start per turn on the same long-lived process, turns notifications into
// AgentEvents (event-mapper.ts), answers approval requests by policy (approvals.ts), and ends every turn with exactly
// one turn_end — on turn/completed, on interrupt (turn/interrupt), on idle (turn-watchdog.ts: interrupt, then kill),
// when the process dies (error + stderr tail) or the session is closed. It must never throw out of a turn and never
// leave a process behind: close() runs the proc shutdown ladder.

import { type ChildProcess, type ExitStatus, spawnProcess } from "../../proc/spawn.ts";
import { AegisError, errorCode } from "../../util/errors.ts";
import { Turn } from "../acp/turn.ts";
import type { AgentEvent, DriverSession, StartOptions } from "../driver.ts";
import { openingTexts } from "../opening.ts";
import { errorEnd, idleTimeoutError } from "../turn-end.ts";
import { DEFAULT_IDLE_TIMEOUT_MS, TurnWatchdog } from "../turn-watchdog.ts";
import { type ApprovalRequest, approvalAnswer, decideApproval } from "./approvals.ts";
import { CodexClient } from "./codex-client.ts";
import { CodexEventMapper } from "./event-mapper.ts";
import { type CodexLaunch, codexHomeOf, threadParams } from "./launch.ts";
import type { Codex } from "./provider.ts";
import { LABEL, turnOutcome, withDetails } from "./turn-outcome.ts";
import { ErrorParams, TurnCompletedParams, type TurnInfo, TurnStartedParams } from "./wire.ts";
import { isTurnCompletedParams, isTurnStartedParams, parseFast } from "./wire-check.ts";

/** After an interrupt (or an idle one), how long Codex has to end the turn before it is killed. */
const INTERRUPT_GRACE_MS = 10_000;
/** initialize answered in 0.3–0.7 s here; a cold start of the 300 MB binary on a loaded machine takes longer. */
const START_TIMEOUT_MS = 60_000;
const ERROR_TAIL_CHARS = 4_000;
/** Codex exits within a second of stdin EOF (measured); then the ladder goes on to signals. */
const CLOSE_GRACE_MS = 2_000;

/** Spawns Codex and opens (or resumes) the thread; throws an AegisError if that fails, leaving nothing behind. */
export async function startCodexSession(provider: Codex, opts: StartOptions, launch: CodexLaunch): Promise<DriverSession> {
  const session = new CodexSession(provider, opts, launch);
  try {
    await session.open();
  } catch (err) {
    throw await session.abortStart(err);
  }
  return session;
}

class CodexSession implements DriverSession {
  providerSessionId: string | undefined;
  private readonly child: ChildProcess;
  private readonly client: CodexClient;
  private readonly mapper = new CodexEventMapper();
  private readonly watchdog: TurnWatchdog;
  private readonly diagnostics: string[] = [];
  private turn?: Turn;
  /** Codex's id of the running turn, once turn/start answered or turn/started arrived. */
  private turnId?: string;
  /** The last error Codex reported for the running turn that it will not retry. */
  private turnError?: string;
  private exit?: ExitStatus;
  private closing?: Promise<void>;
  /** The replayed conversation, sent once as input items of their own before the first turn's text (opening.ts). */
  private opening: string[];
  private model: string;

  constructor(private readonly provider: Codex, private readonly opts: StartOptions, private readonly launch: CodexLaunch) {
    this.model = provider.model;
    // The primer travels as the thread's developer instructions (launch.ts), so only the replay is left here.
    this.opening = openingTexts(opts, { primerElsewhere: true });
    this.watchdog = new TurnWatchdog({
      idleMs: opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
      graceMs: INTERRUPT_GRACE_MS,
      onIdle: () => this.turn && this.cancelTurn(this.turn),
      onForce: () => {
        this.diag(`turn not ended ${INTERRUPT_GRACE_MS} ms after turn/interrupt: stopping ${LABEL}`);
        void this.child.stop({ graceMs: 500 });
      },
    });
    this.child = spawnProcess({ cmd: launch.cmd, cwd: opts.cwd, env: launch.env, inheritEnv: launch.inheritEnv });
    this.client = new CodexClient({
      transport: { lines: this.child.lines(), write: (data) => this.child.write(data) },
      requestTimeoutMs: START_TIMEOUT_MS,
      onNotification: (method, params) => this.onNotification(method, params),
      onApproval: (req) => this.onApproval(req),
      onDiagnostic: (message) => this.diag(message),
    });
    void this.client.start();
    void this.child.exited.then((status) => this.onExit(status));
    if (opts.signal?.aborted) void this.close();
    else opts.signal?.addEventListener("abort", () => void this.close(), { once: true });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  async open(): Promise<void> {
    await this.client.initialize();
    const { opts, provider } = this;
    const resume = opts.resumeId !== undefined;
    const params = threadParams(provider, opts, codexHomeOf(this.launch), { resume });
    let result;
    if (!resume) {
      result = await this.client.threadStart(params);
    } else {
      try {
        result = await this.client.threadResume(opts.resumeId as string, params);
      } catch (err) {
        if (errorCode(err) !== "E_PROTOCOL") throw err;
        throw new AegisError("E_NOT_FOUND", `${LABEL} could not resume thread ${opts.resumeId}: ${(err as Error).message}`, {
          data: { resumeId: opts.resumeId, reason: "load-failed" },
          cause: err,
        });
      }
    }
    this.providerSessionId = result.thread.id;
    if (result.model) this.model = result.model;
  }

  async *send(text: string): AsyncIterable<AgentEvent> {
    // A turn being interrupted ends soon, or the watchdog stops the process: wait for it rather than refusing.
    if (this.turn && !this.turn.isOver && this.turn.interrupted) await this.turn.finished;
    const threadId = this.providerSessionId;
    const started = performance.now();
    if (this.closing || this.exit || !threadId) return yield errorEnd(started, this.deadMessage());
    if (this.turn && !this.turn.isOver) return yield errorEnd(started, "a turn is already running in this session");
    const turn = new Turn(this.watchdog);
    this.turn = turn;
    this.turnId = undefined;
    this.turnError = undefined;
    this.mapper.beginTurn();
    turn.push({ type: "init", providerSessionId: threadId, model: this.model });
    const texts = [...this.opening, text];
    this.opening = [];
    this.client.turnStart(threadId, texts).then(
      (turnId) => {
        this.turnId ??= turnId;
        // Interrupted before Codex named the turn: the interrupt goes out now.
        if (turn.interrupted && !turn.isOver) this.sendInterrupt(threadId, turnId);
      },
      (err: unknown) => void this.failTurn(turn, err),
    );
    try {
      yield* turn.events();
    } finally {
      // The consumer stopped reading early: do not leave the agent working for nobody.
      if (!turn.isOver) this.cancelTurn(turn);
    }
  }

  async interrupt(): Promise<void> {
    const turn = this.turn;
    if (turn && !turn.isOver) this.cancelTurn(turn);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      const turn = this.turn;
      if (turn && !turn.isOver) turn.cancel.abort();
      // Codex exits on stdin EOF and takes its commands with it; the ladder's signals and sweep do the rest.
      await this.child.stop({ graceMs: CLOSE_GRACE_MS });
      this.watchdog.close();
      turn?.end({ stopReason: "error", isError: true, error: "the session was closed" });
    })();
    return this.closing;
  }

  stderrTail(): string {
    return this.child.stderrTail();
  }

  /** Stops everything after a failed start and returns the error the user reads: Codex's own words if it died. */
  async abortStart(err: unknown): Promise<unknown> {
    const code = errorCode(err);
    if (code === "E_AGENT_EXIT") await Promise.race([this.child.exited, Bun.sleep(2000)]);
    const explained = code === "E_AGENT_EXIT" || code === "E_TIMEOUT"
      ? new AegisError("E_AGENT_EXIT", `${LABEL} failed to start: ${this.deadMessage((err as Error).message)}`, { cause: err })
      : err;
    await this.close();
    return explained;
  }

  private onNotification(method: string, params: unknown): void {
    const turn = this.turn;
    // TurnScoped's check by hand (this runs for every notification).
    const scope = params as { threadId?: unknown; turnId?: unknown } | null;
    // Another thread's news (none is started here, but a shared server could), or nothing to tell outside a turn.
    if (typeof scope?.threadId === "string" && scope.threadId !== this.providerSessionId) return;
    if (!turn || turn.isOver) return;
    if (method === "turn/started") {
      const p = parseFast(params, isTurnStartedParams, TurnStartedParams);
      if (p.success) this.turnId ??= p.data.turn.id;
    }
    // A late event of an earlier (interrupted) turn must not land in this one.
    const eventTurn = scope?.turnId;
    if (typeof eventTurn === "string" && this.turnId && eventTurn !== this.turnId) return;
    turn.touch();
    if (method === "turn/completed") {
      const p = parseFast(params, isTurnCompletedParams, TurnCompletedParams);
      if (p.success) return this.finishTurn(turn, p.data.turn);
      this.diag(`invalid turn/completed: ${p.error.message}`);
      return;
    }
    if (method === "error") {
      const p = ErrorParams.safeParse(params);
      // willRetry: "Reconnecting… n/N"; the turn goes on.
      if (p.success && !p.data.willRetry) this.turnError = withDetails(p.data.error.message, p.data.error.additionalDetails);
      return;
    }
    const events = this.mapper.map(method, params);
    // An interrupted command may still report "completed": after an interrupt a tool result is a failure.
    turn.pushAll(turn.interrupted ? events.map((e) => (e.type === "tool_result" ? { ...e, ok: false } : e)) : events);
  }

  private async onApproval(req: ApprovalRequest): Promise<unknown> {
    const turn = this.turn;
    if (!turn || turn.isOver || turn.interrupted) return approvalAnswer(req, false);
    const decided = await turn.paused(() => raceAbort(decideApproval(this.provider.permission, req, this.opts.askPermission), turn.cancel.signal));
    if (decided instanceof Error) this.diag(`askPermission failed, refusing: ${decided.message}`);
    return approvalAnswer(req, decided === true);
  }

  private finishTurn(turn: Turn, info: TurnInfo): void {
    const usage = this.mapper.turnUsage();
    turn.push({ type: "usage", usage });
    turn.end(turnOutcome(info, { usage, idleFired: turn.idleFired, idleMs: this.watchdog.idleMs, ...(this.turnError ? { lastError: this.turnError } : {}) }));
    // An interrupt leaves the turn's command running (measured): stop it before the next turn.
    const threadId = this.providerSessionId;
    if (info.status === "interrupted" && threadId) {
      this.client.cleanBackgroundTerminals(threadId).catch((err: unknown) => this.diag(`backgroundTerminals/clean failed: ${String(err)}`));
    }
  }

  private async failTurn(turn: Turn, err: unknown): Promise<void> {
    // The output usually closes just before the exit is reported: wait a moment so the message can say how it died.
    if (errorCode(err) === "E_AGENT_EXIT") await Promise.race([this.child.exited, Bun.sleep(2000)]);
    let error: string;
    if (this.closing) error = "the session was closed";
    else if (turn.idleFired) error = idleTimeoutError(LABEL, this.watchdog.idleMs, `${LABEL} did not end it and was stopped`);
    else if (errorCode(err) === "E_AGENT_EXIT") error = this.deadMessage();
    else error = err instanceof Error ? err.message : String(err);
    turn.end({ stopReason: turn.idleFired ? "timeout" : "error", isError: true, error, usage: this.mapper.turnUsage() });
  }

  /** Sends turn/interrupt (once Codex has named the turn); the watchdog stops the process if the turn does not end. */
  private cancelTurn(turn: Turn): void {
    if (turn.isOver || turn.interrupted) return;
    turn.cancel.abort();
    this.watchdog.escalate();
    const threadId = this.providerSessionId;
    if (threadId && this.turnId) this.sendInterrupt(threadId, this.turnId);
  }

  private sendInterrupt(threadId: string, turnId: string): void {
    this.client.turnInterrupt(threadId, turnId).catch((err: unknown) => this.diag(`turn/interrupt failed: ${String(err)}`));
  }

  private onExit(status: ExitStatus): void {
    this.exit = status;
    this.watchdog.close();
    this.client.close(new AegisError("E_AGENT_EXIT", this.deadMessage(), { data: { ...status } }));
    const turn = this.turn;
    if (turn && !turn.isOver && !this.closing) void this.failTurn(turn, new AegisError("E_AGENT_EXIT", this.deadMessage()));
    // Whatever Codex left running (commands in sessions of their own) is an orphan now: sweep it.
    if (!this.closing) void this.child.stop({ graceMs: 0 });
  }

  private deadMessage(fallback = `${LABEL} is not running`): string {
    if (this.closing) return "the session was closed";
    const status = this.exit;
    const how = !status ? fallback
      : status.signal ? `${LABEL} was killed by ${status.signal}`
      : `${LABEL} exited with code ${status.code}`;
    const tail = this.child.stderrTail().trim();
    return tail ? `${how}; its last output:\n${tail.slice(-ERROR_TAIL_CHARS)}` : how;
  }

  private diag(message: string): void {
    this.diagnostics.push(message);
    if (this.diagnostics.length > 50) this.diagnostics.shift();
  }
}

/** Resolves with the promise's value, "aborted" if `signal` fires first, or the Error it rejected with. */
function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T | "aborted" | Error> {
  if (signal.aborted) return Promise.resolve("aborted");
  return new Promise((resolve) => {
    const onAbort = () => resolve("aborted");
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(
      (v) => { signal.removeEventListener("abort", onAbort); resolve(v); },
      (e: unknown) => { signal.removeEventListener("abort", onAbort); resolve(e instanceof Error ? e : new Error(String(e))); },
    );
  });
}
