// The WorkflowEngine a workflow receives: each verb that touches the world is one journaled step (see journal.ts),
// so a resumed run gets recorded outputs back instead of paying for them again. Verbs fail fast once the run is
// stopped (Ctrl-C, timeout, budget, cancel). It must not decide a run's outcome or print; runner.ts and ui/ do.

import type { LoadedConfig } from "../config/validate.ts";
import { didYouMean } from "../config/validate.ts";
import type { SessionManager } from "../session/manager.ts";
import type { SenderTag } from "../session/sender.ts";
import type { Db } from "../store/api.ts";
import type { Store } from "../store/store.ts";
import type { RunEventBody } from "../ui/events.ts";
import { notFound, errorMessage } from "../util/errors.ts";
import { HANDLE_PATTERN } from "../util/ids.ts";
import { questionKey, resolveAnswer, type AskRoute } from "./ask.ts";
import { badEventName, sleepSpec, sleepUntil, takeSentAnswer, waitForSignal, type DurableContext, type ParkRequest } from "./durable.ts";
import { systemClock, type Clock } from "../serve/service.ts";
import { isAegisError, type AegisError } from "../util/errors.ts";
import { abortReason, runBash } from "./bash.ts";
import type {
  BashOptions, BashPredicateOptions, CommitResult, Group, GroupMemberSpec, MergeOptions, MergeResult, SessionInfo, SpawnOptions, WorkflowEngine, WorktreeDiff, WorktreeInfo,
} from "./engine-types.ts";
import { EngineGit } from "./engine-git.ts";
import { PredicateFailed, WorkflowError, type BashResult } from "./errors.ts";
import { digestOf, type Journal } from "./journal.ts";
import { EngineTurns, quote } from "./engine-turns.ts";
import { RunGroups } from "./group.ts";
import { RunSessions } from "./run-sessions.ts";
import { delegateTask, type QueuePort } from "./delegate.ts";

export interface EngineHost {
  config: LoadedConfig;
  store: Store;
  db: Db;
  sessions: SessionManager;
  queues: QueuePort;
}

export interface EngineInit {
  host: EngineHost;
  journal: Journal;
  runId: string;
  name: string;
  callerHandle: string | null;
  signal: AbortSignal;
  emit: (e: RunEventBody) => void;
  answers: Record<string, string>;
  ask?: AskRoute;
  /** Where `bash` runs by default: the project root. */
  cwd: string;
  /** Told of a queue before each enqueue to it (live or replayed): see RunOptions.serveQueue. */
  serveQueue?: (queue: string) => void;
  /** Time for sleep and waitFor (default the wall clock). */
  clock?: Clock;
  /** Where the run may park (under serve, or detached): records the park and stops the run; see durable.ts. */
  park?: (p: ParkRequest) => Promise<AegisError>;
}

export class Engine implements WorkflowEngine {
  readonly name: string;
  readonly runId: string;
  readonly callerHandle: string | null;
  readonly signal: AbortSignal;
  readonly runSessions: RunSessions;
  private readonly sender: SenderTag;
  private lastSent: string | undefined;
  private readonly git: EngineGit;
  private groups: RunGroups | undefined;
  private readonly turns: EngineTurns;

  constructor(private readonly init: EngineInit) {
    this.name = init.name;
    this.runId = init.runId;
    this.callerHandle = init.callerHandle;
    this.signal = init.signal;
    this.sender = `workflow:${init.name}:${init.runId}` as SenderTag;
    this.runSessions = new RunSessions(
      init.host.sessions, init.host.sessions.db, this.sender, (n) => init.emit({ type: "session", ...n }), init.host.config.replay.maxTokens,
    );
    this.git = new EngineGit(init.host.sessions.db, init.journal, init.runId);
    this.turns = new EngineTurns(init.journal, this.runSessions, init.host.sessions, this.sender, init.signal);
  }

  private get journal(): Journal {
    return this.init.journal;
  }

  async spawn(profile: string, opts: SpawnOptions = {}): Promise<string> {
    this.checkRunning();
    const agents = Object.keys(this.init.host.config.agents);
    if (!agents.includes(profile)) {
      throw notFound("agent", profile, agents, didYouMean(profile, agents));
    }
    if (opts.handle !== undefined && !HANDLE_PATTERN.test(opts.handle)) {
      throw new WorkflowError(`spawn: invalid handle "${opts.handle}": use lowercase words joined by dashes, e.g. brisk-curie`);
    }
    // A misspelt isolation must not silently run the agent in the shared checkout.
    if (opts.isolation !== undefined && opts.isolation !== "worktree" && opts.isolation !== "none") {
      throw new WorkflowError(`spawn: isolation must be one of worktree, none; got ${JSON.stringify(opts.isolation)}`);
    }
    if (opts.keep !== undefined && !["changed", "always", "never"].includes(opts.keep)) {
      throw new WorkflowError(`spawn: keep must be one of changed, always, never; got ${JSON.stringify(opts.keep)}`);
    }
    const out = await this.journal.step<{ handle: string; agent: string; providerSessionId?: string; sessionId?: string }>(
      { kind: "spawn", label: `spawn ${profile}${opts.handle ? ` as ${opts.handle}` : ""}${opts.isolation === "worktree" ? " in a worktree" : ""}`, input: { profile, handle: opts.handle ?? null, ...isolationInput(opts) } },
      async () => {
        const s = await this.runSessions.spawn(profile, opts.handle, isolationInput(opts));
        const pid = s.driver.providerSessionId;
        return { output: { handle: s.handle, agent: profile, sessionId: s.id, ...(pid ? { providerSessionId: pid } : {}) } };
      },
    );
    this.runSessions.recorded(out.handle, profile, out.providerSessionId, out.sessionId);
    return out.handle;
  }

  async send(handle: string, text: string): Promise<string> {
    this.checkRunning();
    if (typeof text !== "string") throw new TypeError(`send(${handle}, text): text must be a string`);
    const reply = await this.turns.send(handle, text);
    this.lastSent = handle;
    return reply;
  }

  async group(name: string, members: readonly GroupMemberSpec[]): Promise<Group> {
    this.checkRunning();
    this.groups ??= new RunGroups({
      signal: this.signal,
      agents: () => this.listAgents(),
      spawn: (profile, opts) => this.spawn(profile, opts),
      close: (handle) => this.close(handle),
      step: (spec, exec) => this.journal.step(spec, exec),
      addSender: (tag) => this.runSessions.addSender(tag),
      sendAs: (handle, text, from, stop, gist) => this.turns.send(handle, text, from, stop, gist),
      turnAs: (handle, text, from, stop) => this.turns.live(handle, text, from, stop),
    });
    return this.groups.create(name, members);
  }

  async drain(handle?: string): Promise<void> {
    const handles = handle !== undefined ? [handle] : this.runSessions.liveHandles();
    await Promise.all(handles.map(async (h) => {
      const s = this.init.host.sessions.get(h);
      if (s) await s.whenIdle();
    }));
  }

  async delegate(queue: string, payload: string): Promise<string> {
    const taskId = await this.enqueue(queue, payload);
    return this.journal.step<string>(
      { kind: "await", label: `await ${queue} task ${taskId}`, input: { taskId } },
      (seq) => delegateTask(this.init.host.queues, { queue, payload, taskId, sender: this.sender, retryKey: `${this.runId}:${seq}:retry${this.journal.attempt}`, signal: this.signal }),
    );
  }

  async enqueue(queue: string, payload: string, opts: { callback?: boolean; idempotencyKey?: string } = {}): Promise<string> {
    this.checkRunning();
    const queues = Object.keys(this.init.host.config.queues);
    if (!queues.includes(queue)) {
      throw notFound("queue", queue, queues, didYouMean(queue, queues));
    }
    // Before the step, so a replayed enqueue (a resumed run awaiting its task) also gets the queue served.
    this.init.serveQueue?.(queue);
    const callback = opts.callback ?? false;
    return this.journal.step<string>(
      { kind: "enqueue", label: `enqueue ${queue} ${quote(payload)}`, input: { queue, payload, callback, idempotencyKey: opts.idempotencyKey ?? null } },
      async (seq) => {
        // The key makes a retried enqueue (the attempt died after the queue stored it) return the same task.
        const { taskId } = await this.init.host.queues.enqueue(queue, payload, {
          enqueuedBy: this.sender, callback, idempotencyKey: opts.idempotencyKey ?? `${this.runId}:${seq}`,
        });
        return { output: taskId };
      },
    );
  }

  async close(handle: string): Promise<void> {
    await this.runSessions.close(handle);
  }

  async bash(cmd: string, opts: BashOptions = {}): Promise<BashResult> {
    this.checkRunning();
    const cwd = opts.cwd ?? this.init.cwd;
    return this.journal.step<BashResult>(
      { kind: "bash", label: `bash ${quote(cmd)}`, input: { cmd, cwd, env: opts.env ?? null } },
      async () => ({
        output: await runBash(cmd, {
          cwd, signal: this.signal, ...(opts.timeout !== undefined ? { timeoutMs: opts.timeout } : {}), ...(opts.env ? { env: opts.env } : {}),
        }),
      }),
    );
  }

  async bashPredicate(cmd: string, opts: BashPredicateOptions): Promise<BashResult> {
    if (opts?.retryWith === undefined) throw new TypeError("bashPredicate(cmd, { retryWith }): retryWith is required");
    const maxRetries = opts.maxRetries ?? 3;
    const expect = opts.expect ?? "pass";
    const { retryWith: _r, maxRetries: _m, target: _t, expect: _e, ...bashOpts } = opts;
    for (let attempt = 1; ; attempt++) {
      const seq = this.journal.position;
      const r = await this.bash(cmd, bashOpts);
      if ((r.exitCode === 0) === (expect === "pass")) return r;
      if (attempt > maxRetries) {
        const err = new PredicateFailed(cmd, r, attempt, expect);
        // Recorded as the step that failed, so resuming the run (once the cause is fixed) runs this check again.
        await this.journal.markFailed(seq, err);
        throw err;
      }
      const feedback = typeof opts.retryWith === "function" ? opts.retryWith(r) : fillTemplate(opts.retryWith, r);
      const target = opts.target ?? this.lastSent ?? this.callerHandle ?? undefined;
      if (target === undefined) {
        this.log(`predicate \`${cmd}\` failed (exit ${r.exitCode}); no session to send feedback to, retrying as is`, "warn");
        continue;
      }
      this.log(`predicate \`${cmd}\` failed (exit ${r.exitCode}), attempt ${attempt} of ${maxRetries + 1}: feedback to ${target}`);
      await this.send(target, feedback);
    }
  }

  parallel<T>(tasks: ReadonlyArray<Promise<T> | (() => Promise<T>)>): Promise<T[]> {
    return Promise.all(tasks.map((t) => (typeof t === "function" ? t() : t)));
  }

  async checkpoint(name: string, value: unknown): Promise<void> {
    this.checkRunning();
    let json: string | undefined;
    try {
      json = JSON.stringify(value);
    } catch (err) {
      throw new WorkflowError(`checkpoint "${name}": the value is not JSON-serializable (${errorMessage(err)})`);
    }
    if (json === undefined) throw new WorkflowError(`checkpoint "${name}": the value is not JSON-serializable (${typeof value})`);
    const plain: unknown = JSON.parse(json);
    const seq = this.journal.position;
    await this.journal.step<unknown>({ kind: "checkpoint", label: `checkpoint ${name}`, input: { name, value: plain } }, async () => ({ output: plain }));
    this.init.emit({ type: "checkpoint", step: seq, name });
  }

  async resumeState<T = unknown>(): Promise<T | undefined> {
    const rows = this.journal.recordedRows();
    const cp = rows.filter((r) => r.kind === "checkpoint" && r.status === "done").at(-1);
    if (!cp) return undefined;
    for (const r of this.journal.jumpAfter(cp.seq)) this.learn(r.kind, r.output);
    return (cp.output === null ? undefined : JSON.parse(cp.output)) as T;
  }

  async askHuman(question: string, opts: { options?: string[]; key?: string } = {}): Promise<string> {
    this.checkRunning();
    const key = opts.key ?? questionKey(question);
    const options = opts.options?.length ? [...opts.options] : undefined;
    const seq = this.journal.position;
    return this.journal.step<string>(
      { kind: "ask", label: `ask ${key}: ${quote(question)}`, input: { question, key, options: options ?? null } },
      async () => {
        this.init.emit({ type: "ask", step: seq, key, question, ...(options ? { options } : {}) });
        const req = { question, key, ...(options ? { options } : {}) };
        if (this.init.answers[key] === undefined) {
          // An answer sent with `aegis answer` (before the question or while the run was parked on it).
          const sent = await takeSentAnswer(this.durable, seq, req);
          if (sent !== undefined) return { output: sent };
        }
        try {
          return { output: await resolveAnswer(req, this.init.answers, this.init.ask, this.signal) };
        } catch (err) {
          // Nobody to ask here (no terminal, no calling agent): where the run may park, it waits for `aegis answer`.
          if (!this.init.park || this.signal.aborted || !isAegisError(err) || err.code !== "E_USAGE" || this.init.answers[key] !== undefined) throw err;
          throw await this.init.park({ state: "waiting", wake_at: null, event: `answer:${key}`, question: JSON.stringify(req) });
        }
      },
    );
  }

  async sleep(d: string | number | Date): Promise<void> {
    this.checkRunning();
    const spec = sleepSpec(d, this.clock.now());
    await this.journal.step<{ wakeAt: number }>(
      { kind: "sleep", label: spec.label, input: spec.input },
      async (seq) => ({ output: await sleepUntil(this.durable, seq, spec.wakeAt) }),
    );
  }

  async waitFor<T = unknown>(event: string, opts: { timeout?: string | number } = {}): Promise<T> {
    this.checkRunning();
    const bad = badEventName(event);
    if (bad) throw new WorkflowError(`waitFor: ${bad}`);
    const timeoutMs = opts.timeout === undefined ? undefined : sleepSpec(opts.timeout, 0).wakeAt;
    return this.journal.step<T>(
      { kind: "wait", label: `wait for ${event}${timeoutMs !== undefined ? ` (timeout ${opts.timeout})` : ""}`, input: { event, timeoutMs: timeoutMs ?? null } },
      async (seq) => ({ output: (await waitForSignal(this.durable, seq, event, timeoutMs)) as T }),
    );
  }

  async patched(id: string): Promise<boolean> {
    this.checkRunning();
    const row = this.journal.recordedAt(this.journal.position);
    // The journal has another call here: it was recorded before this patch existed, so the run keeps the old path.
    if (row && (row.kind !== "patch" || row.digest !== digestOf("patch", { id }))) return false;
    await this.journal.step<boolean>({ kind: "patch", label: `patch ${id}`, input: { id } }, async () => ({ output: true }));
    return true;
  }

  private get clock(): Clock {
    return this.init.clock ?? systemClock;
  }

  private get durable(): DurableContext {
    return {
      db: this.init.host.db, runId: this.runId, clock: this.clock, signal: this.signal,
      ...(this.init.park ? { park: this.init.park } : {}),
    };
  }

  log(message: string, level: "info" | "warn" = "info"): void {
    this.init.emit({ type: "log", message: String(message), level });
  }

  listSessions(): SessionInfo[] {
    return this.init.host.sessions.list().map((s) => ({
      handle: s.handle, agent: s.agent, state: s.state, inbox: s.inbox, tokens: s.tokens, costUsd: s.costUsd,
      ...(s.spawnedBy ? { spawnedBy: s.spawnedBy } : {}),
    }));
  }

  listAgents(): string[] {
    return Object.keys(this.init.host.config.agents);
  }

  get defaultAgent(): string | undefined {
    return this.init.host.config.defaultAgent;
  }

  worktree(handle: string): Promise<WorktreeInfo> {
    this.checkRunning();
    return this.git.worktree(handle);
  }

  commit(handle: string, message?: string): Promise<CommitResult> {
    this.checkRunning();
    return this.git.commit(handle, message);
  }

  diff(handle: string): Promise<WorktreeDiff> {
    this.checkRunning();
    return this.git.diff(handle);
  }

  merge(handle: string, opts?: MergeOptions): Promise<MergeResult> {
    this.checkRunning();
    return this.git.merge(handle, opts);
  }

  /** Learns sessions from recorded steps the run skipped (resumeState jumped over them). */
  private learn(kind: string, output: string | null): void {
    if (output === null) return;
    const o = JSON.parse(output) as { handle?: string; agent?: string; providerSessionId?: string; sessionId?: string };
    if (kind === "spawn" && o.handle && o.agent) this.runSessions.recorded(o.handle, o.agent, o.providerSessionId, o.sessionId);
    else if (kind === "send" && o.handle) this.runSessions.noteProviderId(o.handle, o.providerSessionId);
  }

  private checkRunning(): void {
    if (this.signal.aborted) throw abortReason(this.signal);
  }
}

/** The isolation options of a spawn, only those given (so a spawn without them keeps its earlier journal digest). */
function isolationInput(o: SpawnOptions): Pick<SpawnOptions, "isolation" | "base" | "keep"> {
  return {
    ...(o.isolation !== undefined ? { isolation: o.isolation } : {}),
    ...(o.base !== undefined ? { base: o.base } : {}),
    ...(o.keep !== undefined ? { keep: o.keep } : {}),
  };
}

/** Fills `{exit}`, `{stdout}` and `{stderr}` in a feedback template. */
export function fillTemplate(template: string, r: BashResult): string {
  return template.replace(/\{(exit|stdout|stderr)\}/g, (_m, k: string) => (k === "exit" ? String(r.exitCode) : k === "stdout" ? r.stdout : r.stderr));
}
