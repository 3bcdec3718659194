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

/** The options of `engine.spawn`. */
export interface SpawnOptions {
  /** The session's handle (lowercase words joined by dashes); default a fresh readable one. */
  handle?: string;
  prompt?: string;
  /**
   * "worktree": the agent works in its own git worktree, on a new branch `aegis/<handle>` made from `base`, under
   * `.git/aegis-worktrees/`; the main checkout does not change until `merge`. "none": the project checkout.
   * Default: the agent profile's `isolation`, else "none".
   */
  isolation?: "worktree" | "none";
  /** The worktree's starting point: a branch, tag or commit. Default the project's HEAD. */
  base?: string;
  /** On close, keep the worktree if it has changes ("changed", default), "always", or "never". */
  keep?: "changed" | "always" | "never";
}

/** A session's git worktree. */
export interface WorktreeInfo {
  /** The folder the agent works in. */
  path: string;
  /** `aegis/<handle>`. */
  branch: string;
  /** The commit the branch was made from. */
  base: string;
}

/** What `engine.commit` did. */
export interface CommitResult {
  /** False when the worktree was clean (nothing committed). */
  committed: boolean;
  /** The branch's tip afterwards. */
  commit: string;
}

/** A worktree's changes against its base: committed, uncommitted and untracked files. */
export interface WorktreeDiff {
  files: { path: string; added: number; removed: number; binary?: boolean }[];
  /** The unified diff. */
  patch: string;
}

/** The options of `engine.merge`. */
export interface MergeOptions {
  /** The branch that receives the work. Default: the branch the project was on when the run started. */
  into?: string;
  /**
   * "merge" (default): a fast-forward if the target has not moved, else a merge commit; "squash": one commit;
   * "rebase": the branch's commits replayed on top of the target.
   */
  strategy?: "merge" | "squash" | "rebase";
  /** The message of the merge or squash commit. */
  message?: string;
}

/** A merge's outcome. A conflict changes nothing: the target branch and its checkout are as they were. */
export type MergeResult = { merged: true; commit: string } | { merged: false; conflicts: { path: string }[] };

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
  /** The agent session that started the run through MCP, if any (null for a run a schedule or webhook started). */
  readonly callerHandle: string | null;
  /** Aborted when the run is stopped (Ctrl-C, `--timeout`, `--max-cost`, `aegis cancel`). */
  readonly signal: AbortSignal;
  /** Starts an agent of profile `profile` (a key of `agents`); returns its handle. Closed when the run ends. */
  spawn(profile: string, opts?: SpawnOptions): Promise<string>;
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
  /**
   * Sleeps, durably: `"2h"`, `"90s"`, a number of ms, or a Date. The wake time is recorded when the step is first
   * reached, so a run resumed after a crash waits only for the time left. Under `aegis serve` the run parks (status
   * `sleeping`) and is woken at the time, surviving restarts; under a plain `aegis run` it sleeps in the process.
   */
  sleep(duration: string | number | Date): Promise<void>;
  /**
   * Waits for the signal `event` sent with `aegis signal <runId> <event> [json]` (or the `aegis_signal` MCP tool) and
   * returns its payload. A signal sent before the wait is kept for it; each signal is taken by one wait. Past
   * `timeout` (`"10m"` or ms) it throws a WorkflowError (code E_TIMEOUT). Under `aegis serve` the run parks meanwhile.
   */
  waitFor<T = unknown>(event: string, opts?: { timeout?: string | number }): Promise<T>;
  /**
   * Workflow versioning: true in a run that reaches this point live, false in a run replaying a journal recorded
   * before the patch existed. Guard a change with it so runs parked or sleeping on the old code can still resume:
   * `if (await engine.patched("ask-twice")) { …new calls… } else { …old calls… }`.
   */
  patched(id: string): Promise<boolean>;
  /** A progress message (stderr, and the run's event stream). */
  log(message: string): void;
  /** The sessions this aegis process knows. */
  listSessions(): SessionInfo[];
  /** The agent profiles of the configuration. */
  listAgents(): string[];
  /** The configuration's `defaultAgent` (the only agent when there is one), or undefined. */
  readonly defaultAgent: string | undefined;
  /** The git worktree of a session spawned with `isolation: "worktree"`. E_NOT_FOUND for a session without one. */
  worktree(handle: string): Promise<WorktreeInfo>;
  /** Commits what the agent left uncommitted in its worktree (a no-op when clean). */
  commit(handle: string, message?: string): Promise<CommitResult>;
  /** The session's worktree (committed and uncommitted changes) against its base. */
  diff(handle: string): Promise<WorktreeDiff>;
  /**
   * Commits the agent's leftovers, then merges its branch into `into`. A conflict returns the paths and leaves the
   * target untouched; a target checkout with uncommitted changes in the merged paths is refused (E_STATE).
   */
  merge(handle: string, opts?: MergeOptions): Promise<MergeResult>;
}
