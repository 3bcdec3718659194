// The public shape of the engine a workflow receives as its first argument. Types only, so the registry, the public
// module and user files can name it without loading the engine.

import type { BashResult } from "./errors.ts";

/** A live (or recorded) agent session as a workflow sees it. */
export interface SessionInfo {
  handle: string;
  agent: string;
  state: "starting" | "ready" | "working" | "error" | "closed";
  spawnedBy?: string;
  inbox: number;
  tokens: { input: number; output: number };
  costUsd: number;
}

export interface BashOptions {
  /** Working directory; default the project root. */
  cwd?: string;
  /** Milliseconds; when exceeded the whole process tree is killed and a WorkflowError raised. */
  timeout?: number;
  /** Extra environment variables for the command. */
  env?: Record<string, string>;
}

export interface BashPredicateOptions extends BashOptions {
  /**
   * The feedback sent to the target session after a failed attempt: a template where `{exit}`, `{stdout}` and
   * `{stderr}` are replaced by the attempt's values, or a function of the result.
   */
  retryWith: string | ((r: BashResult) => string);
  /** Retries after the first attempt. Default 3. */
  maxRetries?: number;
  /** The session that receives the feedback; default the session this run last sent to. */
  target?: string;
  /** "pass" (default): the predicate holds when the command exits 0; "fail": when it exits non-zero. */
  expect?: "pass" | "fail";
}

/**
 * The engine: the first argument of every workflow. Every call that touches the world (spawn, send, delegate,
 * enqueue, bash, bashPredicate, askHuman, checkpoint) is a journaled step: when a run is resumed, completed steps
 * return their recorded output without running again, so keep the workflow deterministic (same calls, same inputs).
 */
export interface WorkflowEngine {
  /** The workflow's name. */
  readonly name: string;
  /** This run's id (`run_…`), stable across resumes. */
  readonly runId: string;
  /** The agent session that started the run through MCP, if any. */
  readonly callerHandle: string | null;
  /** Aborted when the run is stopped (Ctrl-C, `--timeout`, `--max-cost`, `aegis cancel`). */
  readonly signal: AbortSignal;
  /** Starts an agent of profile `profile` (a key of `agents`); returns its handle. Closed when the run ends. */
  spawn(profile: string, opts?: { handle?: string; prompt?: string }): Promise<string>;
  /** Sends one message and resolves with the text of that turn's final assistant message. */
  send(handle: string, text: string): Promise<string>;
  /** Waits until the session (or every session this run touched) is idle. */
  drain(handle?: string): Promise<void>;
  /** Enqueues `payload` on `queue` and waits for the worker's result. WorkflowError on unknown queue or failed task. */
  delegate(queue: string, payload: string): Promise<string>;
  /** Enqueues `payload` on `queue` and returns the task id at once. */
  enqueue(queue: string, payload: string, opts?: { callback?: boolean; idempotencyKey?: string }): Promise<string>;
  /** Closes a session. Idempotent. */
  close(handle: string): Promise<void>;
  /** Runs a shell command (`bash -c`). A non-zero exit is a result, not an error. */
  bash(cmd: string, opts?: BashOptions): Promise<BashResult>;
  /** Runs `cmd` until it passes, sending feedback to the target session after each failure. PredicateFailed when exhausted. */
  bashPredicate(cmd: string, opts: BashPredicateOptions): Promise<BashResult>;
  /** Awaits every task (promises, or functions returning promises), keeping their order. */
  parallel<T>(tasks: ReadonlyArray<Promise<T> | (() => Promise<T>)>): Promise<T[]>;
  /** Records a named value; `resumeState()` returns the latest one when the run is resumed. */
  checkpoint(name: string, value: unknown): Promise<void>;
  /**
   * On a resumed run, the value of the latest checkpoint, and the run continues right after that checkpoint (so the
   * workflow must skip the work before it); otherwise undefined.
   */
  resumeState<T = unknown>(): Promise<T | undefined>;
  /** Asks a human: on a terminal it prompts; otherwise it takes `--answer key=value` or fails with a clear error. */
  askHuman(question: string, opts?: { options?: string[]; key?: string }): Promise<string>;
  /** A progress message (stderr, and the run's event stream). */
  log(message: string): void;
  /** The sessions this aegis process knows. */
  listSessions(): SessionInfo[];
  /** The agent profiles of the configuration. */
  listAgents(): string[];
}
