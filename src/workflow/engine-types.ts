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

/** One entry of `engine.group(name, members)`: an agent profile name, or a profile with options. */
export type GroupMemberSpec = string | {
  /** The agent profile (a key of `agents`). */
  agent: string;
  /** How many sessions of this profile join the group. Default 1. */
  count?: number;
  /** "worktree": each of these members works in its own git worktree (see `SpawnOptions.isolation`). */
  isolation?: "worktree" | "none";
  /** The member's handle; with `count` above 1 the members are `<handle>-1`, `<handle>-2`, … Default fresh ones. */
  handle?: string;
  /** The worktree's starting point (with `isolation: "worktree"`). */
  base?: string;
  /** The worktree's keep policy on close (with `isolation: "worktree"`). */
  keep?: "changed" | "always" | "never";
};

/** A member of a group: its session handle and agent profile. */
export interface GroupMember {
  handle: string;
  agent: string;
}

/** The parts of a group brief besides the objective; each becomes a section of the one brief every member reads. */
export interface BroadcastOptions {
  /** What the answer must look like, e.g. "one word: yes or no" or "a JSON object {risk, reason}". */
  outputFormat?: string;
  /** What the members must not do (one string, or one bullet per entry). */
  boundaries?: string | string[];
  /** Which tools to use or avoid, and how (one string, or one bullet per entry). */
  toolGuidance?: string | string[];
}

/** What `Group.broadcast` sent: its id within the group (1, 2, …) and the members it reached. */
export interface BroadcastReceipt {
  id: number;
  /** The sender tag the members read it under: `group:<name>/broadcast:<id>`. */
  from: string;
  members: string[];
}

/**
 * How `gather` combines the replies: "concat" (the replies in member order, separated by blank lines), "joinByHandle"
 * (one `### <handle>` section per reply), "majorityVote" (see MajorityVote), or a function of the replies by handle
 * and the handles that replied, in member order. The reducer runs again on a resumed run, so keep a function pure.
 */
export type GroupReducer =
  | "concat" | "joinByHandle" | "majorityVote"
  | ((byMember: Record<string, string>, order: string[]) => unknown);

/**
 * The outcome of the "majorityVote" reducer. Answers are compared normalised (trimmed, lower case, inner whitespace
 * collapsed, wrapping quotes and trailing punctuation removed); `votes` counts each normalised answer. `winner` is the
 * answer with strictly the most votes, or null on a tie (`tie` then lists the tied answers) or when nobody answered.
 */
export interface MajorityVote {
  winner: string | null;
  /** The tied answers (empty unless there is a tie), in the order the members are listed. */
  tie: string[];
  votes: Record<string, number>;
}

/** The options of `Group.gather`. */
export interface GatherOptions {
  /** Default "concat". */
  reducer?: GroupReducer;
  /**
   * Milliseconds to wait, from the call: members still working then are interrupted and listed in `timeouts`. A run
   * resumed during the gather asks the members that had not answered again, and they get the whole timeout anew.
   */
  timeout?: number;
}

/** The outcome of `Group.gather`. */
export interface GatherResult<C = unknown> {
  /** The reply of every member that answered, by handle, in member order. */
  byMember: Record<string, string>;
  /** The reducer's result over `byMember`. */
  combined: C;
  /** Members whose turn failed (the agent errored, exited or was closed). */
  errors: Array<{ member: string; code: string; message: string }>;
  /** Members still working at the timeout: their turns were interrupted. */
  timeouts: string[];
}

/** The options of `Group.race`. */
export interface RaceOptions {
  /** Interrupt the other members' turns once one member has replied (default true). */
  cancelLosers?: boolean;
  /** Milliseconds to wait for a good reply; then every member is interrupted and the race fails (E_TIMEOUT). */
  timeout?: number;
  /** What counts as a good reply; default any non-empty reply from a turn that succeeded. */
  accept?: (reply: string) => boolean;
}

/** The winner of `Group.race`. */
export interface RaceResult {
  member: string;
  reply: string;
}

/**
 * A group of agent sessions that work on the same brief: made by `engine.group`. Every call is journaled, so a
 * resumed run replays the group's creation, broadcasts and gathers without paying for a turn twice.
 */
export interface Group {
  readonly name: string;
  /** The members' session handles, in the order they were listed. */
  readonly members: readonly string[];
  /** The members with their agent profiles, in the same order. */
  readonly roster: readonly GroupMember[];
  /**
   * Sends one structured brief (objective, output format, boundaries, tool guidance) to every member, each reading
   * it under the header `> from group:<name>/broadcast:<id>`, and returns at once; collect the replies with
   * `gather`. One broadcast at a time: a second one before the gather is refused (E_STATE).
   */
  broadcast(objective: string, opts?: BroadcastOptions): Promise<BroadcastReceipt>;
  /** Waits for the replies to the broadcast in flight and combines them (E_STATE when there is none). */
  gather(opts?: { reducer?: "concat" | "joinByHandle"; timeout?: number }): Promise<GatherResult<string>>;
  gather(opts: { reducer: "majorityVote"; timeout?: number }): Promise<GatherResult<MajorityVote>>;
  gather<T>(opts: { reducer: (byMember: Record<string, string>, order: string[]) => T; timeout?: number }): Promise<GatherResult<Awaited<T>>>;
  gather(opts: GatherOptions): Promise<GatherResult>;
  /**
   * Sends `prompt` to every member and resolves with the first good reply and its member; the others' turns are
   * interrupted (unless `cancelLosers: false`). Fails (E_WORKFLOW) when no member gives a good reply.
   */
  race(prompt: string, opts?: RaceOptions): Promise<RaceResult>;
  /** Closes every member. Idempotent; the group refuses further calls. */
  dissolve(): Promise<void>;
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
  /** The agent session that started the run through MCP, if any (null for a run a schedule or webhook started). */
  readonly callerHandle: string | null;
  /** Aborted when the run is stopped (Ctrl-C, `--timeout`, `--max-cost`, `aegis cancel`). */
  readonly signal: AbortSignal;
  /** Starts an agent of profile `profile` (a key of `agents`); returns its handle. Closed when the run ends. */
  spawn(profile: string, opts?: SpawnOptions): Promise<string>;
  /**
   * Starts a group of agent sessions (one per member, `count` each) that are briefed together: `broadcast` then
   * `gather` with a reducer, or `race`. Members are spawned like `spawn` and closed with the run or by `dissolve`.
   * @example const g = await engine.group("reviewers", ["reviewer", { agent: "impl", count: 2 }]);
   *   await g.broadcast("Is this diff safe to ship?", { outputFormat: "yes or no" });
   *   const { combined } = await g.gather({ reducer: "majorityVote", timeout: 600_000 });
   */
  group(name: string, members: readonly GroupMemberSpec[]): Promise<Group>;
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
