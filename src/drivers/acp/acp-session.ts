// One ACP agent session behind the DriverSession seam, for any ACP CLI (Gemini CLI, OpenCode, ACPAgent): spawns the CLI through
// src/proc, runs initialize → session/new (or session/load to resume) → one session/prompt per turn, turns updates
// into AgentEvents, answers permission questions by policy, and ends every turn with exactly one turn_end — also when
// the process dies (error + stderr tail), goes quiet (turn-watchdog.ts: cancel, then kill), or the session is closed.
// It must never throw out of a turn, and never leave a process behind: close() runs the proc shutdown ladder.

import type { Permission } from "../../config/providers.ts";
import { spawnProcess, type ChildProcess, type ExitStatus } from "../../proc/spawn.ts";
import { AegisError, errorCode, errorMessage } from "../../util/errors.ts";
import type { AgentEvent, DriverSession, StartOptions } from "../driver.ts";
import { openingTexts } from "../opening.ts";
import { errorEnd, idleTimeoutError } from "../turn-end.ts";
import { DEFAULT_IDLE_TIMEOUT_MS, TurnWatchdog } from "../turn-watchdog.ts";
import { AcpClient } from "./acp-client.ts";
import { UpdateMapper } from "./event-mapper.ts";
import { removeTempDir, type AcpLaunch } from "./launch.ts";
import { mcpServersFor } from "./mcp-capabilities.ts";
import { chooseOutcome, describePermissionRequest, resolvePermission } from "./permission-policy.ts";
import { Turn } from "./turn.ts";
import type { LoadSessionResult, PermissionOutcome, PromptResult, RequestPermissionParams, SessionSetup } from "./wire.ts";

/** After an interrupt (or an idle cancel), how long the agent has to end the turn before it is killed. */
const CANCEL_GRACE_MS = 10_000;
const START_TIMEOUT_MS = 60_000;
const ERROR_TAIL_CHARS = 4_000;
/** After session/load, history replay counts as over once no update came for this long (bounded by REPLAY_MAX_MS). */
const REPLAY_QUIET_MS = 200;
const REPLAY_MAX_MS = 5_000;

export interface AcpSessionConfig {
  launch: AcpLaunch;
  permission: Permission;
  /** The model to name in init events; a generic agent without one reports the agent's own (launch.setup). */
  model: string | undefined;
  opts: StartOptions;
}

/** Spawns the CLI and opens (or loads) the ACP session; throws an AegisError if that fails, leaving nothing behind. */
export async function startAcpSession(cfg: AcpSessionConfig): Promise<DriverSession> {
  let session: AcpSession;
  try {
    session = new AcpSession(cfg);
  } catch (err) {
    removeTempDir(cfg.launch.tempDir);
    throw err;
  }
  try {
    await session.open();
  } catch (err) {
    throw await session.abortStart(err);
  }
  return session;
}

class AcpSession implements DriverSession {
  providerSessionId: string | undefined;
  private readonly child: ChildProcess;
  private readonly client: AcpClient;
  private readonly mapper = new UpdateMapper();
  /** The idle timeout and the cancel-then-kill ladder, one for the session, re-armed per turn. */
  private readonly watchdog: TurnWatchdog;
  private readonly diagnostics: string[] = [];
  private turn?: Turn;
  private exit?: ExitStatus;
  private closing?: Promise<void>;
  /** The primer and replay, sent once as blocks of their own before the first prompt's text (opening.ts). */
  private opening: string[];
  /** The opening texts the running turn carries, until it ends. */
  private openingInFlight: string[] = [];
  private lastIdleUpdateAt = 0;
  /** The model named in each turn's init event: the configured one, or the one the agent reported. */
  private model: string | undefined;

  constructor(private readonly cfg: AcpSessionConfig) {
    const { launch, opts } = cfg;
    this.model = cfg.model;
    this.watchdog = new TurnWatchdog({
      idleMs: opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
      graceMs: CANCEL_GRACE_MS,
      onIdle: () => this.turn && this.cancelTurn(this.turn),
      onForce: () => {
        this.diag(`turn not ended ${CANCEL_GRACE_MS} ms after session/cancel: stopping the agent`);
        void this.child.stop({ graceMs: 500 });
      },
    });
    this.opening = openingTexts(opts, { primerElsewhere: false });
    this.child = spawnProcess({ cmd: launch.cmd, cwd: opts.cwd, env: launch.env, inheritEnv: launch.inheritEnv });
    this.client = new AcpClient({
      transport: { lines: this.child.lines(), write: (data) => this.child.write(data) },
      requestTimeoutMs: START_TIMEOUT_MS,
      onUpdate: (sessionId, update) => this.onUpdate(sessionId, update),
      onPermission: (params) => this.onPermission(params),
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
    const { opts, launch } = this.cfg;
    const init = await this.client.initialize();
    const mcpServers = mcpServersFor(init, opts.mcpServers ?? [], launch.label);
    if (!opts.resumeId) {
      const created = await this.client.newSession(opts.cwd, mcpServers);
      this.providerSessionId = created.sessionId;
      await this.setUp(created.sessionId, created);
      return;
    }
    if (!init.agentCapabilities?.loadSession) {
      throw new AegisError("E_STATE", `${launch.label} cannot resume session ${opts.resumeId}: it does not offer session/load`, {
        data: { resumeId: opts.resumeId, reason: "load-unsupported" },
        hint: "start a new session instead",
      });
    }
    let loaded: LoadSessionResult;
    try {
      loaded = await this.client.loadSession(opts.resumeId, opts.cwd, mcpServers);
    } catch (err) {
      if (errorCode(err) !== "E_PROTOCOL") throw err;
      throw new AegisError("E_NOT_FOUND", `${launch.label} could not load session ${opts.resumeId}: ${errorMessage(err)}`, {
        data: { resumeId: opts.resumeId, reason: "load-failed" },
        cause: err,
      });
    }
    this.providerSessionId = opts.resumeId;
    await this.awaitReplayEnd();
    await this.setUp(opts.resumeId, loaded ?? {});
  }

  /** The launch's own session set-up (a generic agent's mode and model), run before the first turn. */
  private async setUp(sessionId: string, result: SessionSetup): Promise<void> {
    const setup = this.cfg.launch.setup;
    if (!setup) return;
    const done = await setup({ client: this.client, sessionId, result, diag: (m) => this.diag(m) });
    if (done.model) this.model = done.model;
  }

  /**
   * Gemini answers session/load before it has streamed the conversation's history (its replay is not awaited), so
   * replayed messages would land in the first turn. Wait until the updates go quiet.
   */
  private async awaitReplayEnd(): Promise<void> {
    const started = performance.now();
    this.lastIdleUpdateAt = started;
    for (;;) {
      const now = performance.now();
      const quiet = now - this.lastIdleUpdateAt;
      if (quiet >= REPLAY_QUIET_MS || now - started >= REPLAY_MAX_MS || this.exit) return;
      await Bun.sleep(REPLAY_QUIET_MS - quiet);
    }
  }

  async *send(text: string): AsyncIterable<AgentEvent> {
    // A turn being cancelled (interrupt(), idle, or its reader left) ends soon, or the kill timer ends the process:
    // wait for it rather than refusing.
    if (this.turn && !this.turn.isOver && this.turn.interrupted) await this.turn.finished;
    const sessionId = this.providerSessionId;
    const started = performance.now();
    if (this.closing || this.exit || !sessionId) return yield errorEnd(started, this.deadMessage());
    if (this.turn && !this.turn.isOver) return yield errorEnd(started, "a turn is already running in this session");
    const turn = new Turn(this.watchdog);
    this.turn = turn;
    this.mapper.beginTurn();
    turn.push({ type: "init", providerSessionId: sessionId, ...(this.model ? { model: this.model } : {}) });
    this.client.prompt(sessionId, this.promptBlocks(text)).then(
      (result) => this.finishTurn(turn, result),
      (err: unknown) => this.failTurn(turn, err),
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
      await this.child.stop({ graceMs: this.cfg.launch.closeGraceMs });
      this.watchdog.close();
      removeTempDir(this.cfg.launch.tempDir);
      // Normally the prompt's rejection has ended the turn by now; this is the backstop.
      turn?.end({ stopReason: "error", isError: true, error: "the session was closed" });
    })();
    return this.closing;
  }

  stderrTail(): string {
    return this.child.stderrTail();
  }

  /** Stops everything after a failed start and returns the error the user reads: the CLI's own words if it died. */
  async abortStart(err: unknown): Promise<unknown> {
    const code = errorCode(err);
    if (code === "E_AGENT_EXIT") await Promise.race([this.child.exited, Bun.sleep(2000)]);
    const explained = code === "E_AGENT_EXIT" || code === "E_TIMEOUT"
      ? new AegisError("E_AGENT_EXIT", `${this.cfg.launch.label} failed to start: ${this.deadMessage(errorMessage(err))}`, { cause: err })
      : err;
    await this.close();
    return explained;
  }

  /**
   * ACP has no system-prompt field, so the opening texts travel once, each as a text block of its own before the
   * user's. Not as `resource` blocks: Gemini CLI turns a resource into an `@uri` mention glued onto the next text
   * (`@aegis://system-promptFix the bug…`). Text blocks reach the model as separate parts on Gemini CLI and OpenCode
   * (measured); audience "assistant" marks them as meant for the model (OpenCode stores them as synthetic parts).
   */
  private promptBlocks(text: string): unknown[] {
    const blocks: unknown[] = this.opening.map((t) => ({ type: "text", text: t, annotations: { audience: ["assistant"] } }));
    this.openingInFlight = this.opening;
    this.opening = [];
    blocks.push({ type: "text", text });
    return blocks;
  }

  private onUpdate(sessionId: string, update: unknown): void {
    const turn = this.turn;
    // Outside a turn (history replayed by session/load, command lists after session/new) there is no one to tell.
    if (!turn || turn.isOver) this.lastIdleUpdateAt = performance.now();
    if (sessionId !== this.providerSessionId || !turn || turn.isOver) return;
    turn.touch();
    const events = this.mapper.map(update);
    // Both CLIs report a command killed by session/cancel as "completed" ("Command cancelled by user.", "User aborted
    // the command"): after an interrupt, a tool result is a failure whatever its status says.
    turn.pushAll(turn.interrupted ? events.map((e) => (e.type === "tool_result" ? { ...e, ok: false } : e)) : events);
  }

  private async onPermission(params: RequestPermissionParams): Promise<PermissionOutcome> {
    const turn = this.turn;
    const req = describePermissionRequest(params.toolCall, this.mapper.knownToolName(params.toolCall.toolCallId));
    if (!turn || turn.isOver || turn.interrupted) return { outcome: "cancelled" };
    const { permission, opts } = this.cfg;
    const decided = await turn.paused(() => raceAbort(resolvePermission(permission, req, opts.askPermission), turn.cancel.signal));
    if (decided === "aborted") return { outcome: "cancelled" };
    if (decided instanceof Error) this.diag(`askPermission failed, refusing: ${decided.message}`);
    const allow = decided === true;
    if (!allow) {
      turn.push(...this.mapper.refused(params.toolCall, `refused by aegis: permission "${permission}" does not allow ${req.kind} tool ${req.toolName}`));
    }
    return chooseOutcome(params.options, allow);
  }

  private finishTurn(turn: Turn, result: PromptResult): void {
    this.openingInFlight = [];
    const { usage, costUsd } = this.mapper.turnUsage(result);
    const cost = costUsd === undefined ? {} : { costUsd };
    turn.push({ type: "usage", usage, ...cost });
    if (turn.idleFired) {
      turn.end({ stopReason: "timeout", isError: true, error: idleTimeoutError(this.cfg.launch.label, this.watchdog.idleMs), usage, ...cost });
    } else if (result.stopReason === "cancelled") {
      turn.end({ stopReason: "cancelled", isError: true, error: "interrupted", usage, ...cost });
    } else {
      turn.end({ stopReason: result.stopReason, isError: result.stopReason === "refusal", usage, ...cost });
    }
  }

  private async failTurn(turn: Turn, err: unknown): Promise<void> {
    // The CLI answered the prompt with an error (an API error); one that forgets such a prompt gets the opening again.
    if (this.cfg.launch.dropsFailedPrompt && errorCode(err) === "E_PROTOCOL" && !this.closing) this.opening = this.openingInFlight;
    this.openingInFlight = [];
    // The output usually closes just before the exit is reported: wait a moment so the message can say how it died.
    if (errorCode(err) === "E_AGENT_EXIT") await Promise.race([this.child.exited, Bun.sleep(2000)]);
    let error: string;
    if (this.closing) error = "the session was closed";
    else if (turn.idleFired) error = idleTimeoutError(this.cfg.launch.label, this.watchdog.idleMs, `${this.cfg.launch.label} did not end it and was stopped`);
    else if (errorCode(err) === "E_AGENT_EXIT") error = this.deadMessage();
    else error = errorMessage(err);
    turn.end({ stopReason: turn.idleFired ? "timeout" : "error", isError: true, error });
  }

  /** Sends session/cancel; the watchdog stops the process if the turn has not ended within the grace. */
  private cancelTurn(turn: Turn): void {
    // Already cancelling: the first cancel armed the grace.
    if (turn.isOver || turn.interrupted || !this.providerSessionId) return;
    turn.cancel.abort();
    this.client.cancel(this.providerSessionId);
    this.watchdog.escalate();
  }

  private onExit(status: ExitStatus): void {
    this.exit = status;
    this.watchdog.close();
    this.client.close(new AegisError("E_AGENT_EXIT", this.deadMessage(), { data: { ...status } }));
    // Whatever the CLI left running (tool commands in sessions of their own) is an orphan now: sweep it.
    if (!this.closing) void this.child.stop({ graceMs: 0 });
  }

  private deadMessage(fallback = "the agent is not running"): string {
    if (this.closing) return "the session was closed";
    const status = this.exit;
    const how = !status ? fallback
      : status.signal ? `${this.cfg.launch.label} was killed by ${status.signal}`
      : `${this.cfg.launch.label} exited with code ${status.code}`;
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
