// What the MCP tools need from the rest of aegis, as one narrow interface: sessions (list, spawn, deliver), agent
// profiles, queues (enqueue, status, cancel) and workflows (start, status). plane-runtime.ts adapts the real runtime
// to it. Implementations throw AegisError (E_NOT_FOUND, E_BUDGET, E_PERMISSION, …); tool-result.ts maps them.
// Identity is not part of these calls' trust: every sender passed here comes from the authenticated Caller.

import type { Delivery, InboxMessage, SenderTag } from "../session/sender.ts";
import type { ClaimIntent } from "../store/claims.ts";
import type { RunView } from "../workflow/run-status.ts";
import type { DynamicStart } from "./dynamic-workflow.ts";
import type { SentSignal } from "../workflow/signals.ts";
import type { ScheduleView } from "../schedule/status.ts";
import type { BroadcastOptions } from "../workflow/engine-types.ts";
import type { ReducerName } from "../workflow/group-reduce.ts";
import type { Caller } from "./identity.ts";

export interface PeerInfo {
  handle: string;
  agent: string;
  state: string;
  /** Messages waiting in its inbox. */
  inbox: number;
  spawnedBy?: string;
  tokens: { input: number; output: number };
  costUsd: number;
  /** Its live claims (aegis_claim). */
  claims: Array<{ claimId: string; intent: ClaimIntent; paths: string[] }>;
}

/** A live claim as the tools report it. */
export interface ClaimView {
  claimId: string;
  handle: string;
  intent: ClaimIntent;
  paths: string[];
  description?: string;
  /** ISO time it was granted. */
  since: string;
}

/** The outcome of a claim: granted (with its id) or denied (nothing recorded); `overlaps` are other sessions' claims. */
export interface ClaimResult {
  claimId: string | null;
  granted: boolean;
  paths: string[];
  overlaps: Array<{ handle: string; paths: string[]; intent: ClaimIntent; description?: string }>;
}

export interface AgentInfo {
  name: string;
  provider: string;
  model?: string;
}

export interface QueueInfo {
  name: string;
  agent: string;
  maxParallel: number;
}

/**
 * A task as a tool reports it (the runtime's own task object, which carries more fields, is sent whole).
 * `enqueuedBy` is the sender tag recorded when it was enqueued.
 */
export interface TaskView {
  taskId: string;
  queue: string;
  status: string;
  enqueuedBy: string;
}

/** A group made over MCP (aegis_group_spawn), as aegis_group_status reports it. */
export interface GroupView {
  groupId: string;
  name: string;
  /** The owner's sender tag (`agent:<handle>`, or `user` for the operator). */
  owner: string;
  state: "active" | "dissolved";
  /** Whether this aegis process hosts its members (false after a restart: the group is then only a record). */
  hosted: boolean;
  members: Array<{ handle: string; agent: string; state: string }>;
  broadcasts: number;
  inFlight: { broadcastId: number; from: string; objective: string; since: string; answered: string[]; waiting: string[] } | null;
  lastGather: unknown;
  createdAt: string;
  dissolvedAt?: string;
  note?: string;
}

/** What aegis_gather returns. */
export interface GatherView {
  groupId: string;
  name: string;
  broadcastId: number;
  reducer: string;
  byMember: Record<string, string>;
  combined: unknown;
  errors: Array<{ member: string; code: string; message: string }>;
  timeouts: string[];
}

/** Agent groups over MCP (src/mcp/group-host.ts). The tools check who may act on a group; these do not. */
export interface PlaneGroups {
  /** Starts one session per entry of `agents` (spawned by `owner`) and records the group; all or nothing. */
  create(owner: SenderTag, name: string, agents: string[], opts?: { isolation?: "worktree" | "none" }): Promise<GroupView>;
  /** A group by id (`grp_…`), or by name among active groups (the caller's own first); E_USAGE when ambiguous. */
  find(ref: string, caller: SenderTag): GroupView | undefined | Promise<GroupView | undefined>;
  /** Names of the groups this process hosts. */
  names(): string[];
  /** The active groups `caller` owns, and those hosted here that it is a member of. */
  list(caller: SenderTag): GroupView[] | Promise<GroupView[]>;
  broadcast(groupId: string, objective: string, opts: BroadcastOptions): Promise<{ groupId: string; name: string; broadcastId: number; from: string; members: string[] }>;
  gather(groupId: string, o: { reducer?: ReducerName; timeoutMs?: number }): Promise<GatherView>;
  /** Closes the members (if hosted here) and records the group as dissolved. Idempotent. */
  dissolve(groupId: string): Promise<GroupView>;
}

export interface PlanePorts {
  listSessions(): PeerInfo[] | Promise<PeerInfo[]>;
  listAgents(): AgentInfo[];
  /** Starts a new session of agent profile `agent`, with `prompt` as its opening message; resolves with its handle. */
  spawn(agent: string, prompt: string | undefined, spawnedBy: Caller): Promise<string>;
  /** Puts a message in a live session's inbox. */
  deliver(handle: string, msg: InboxMessage): Delivery | Promise<Delivery>;

  listQueues(): QueueInfo[];
  enqueue(queue: string, payload: string, opts: { enqueuedBy: SenderTag; callback: boolean }): Promise<{ taskId: string; position: number }>;
  taskStatus(taskId: string): TaskView | undefined | Promise<TaskView | undefined>;
  /** Cancels a task (the permission check is the tool's); resolves with its state afterwards. */
  cancelTask(taskId: string): Promise<TaskView>;

  listWorkflows(): string[];
  /** Starts a workflow run; when `callback` is set and the caller is a session, its result goes to that inbox. */
  runWorkflow(name: string, args: Record<string, unknown>, opts: { caller: Caller; callback: boolean }): Promise<{ runId: string }>;
  /** The run as `aegis runs --json` shows it. */
  workflowStatus(runId: string): RunView | undefined | Promise<RunView | undefined>;
  /**
   * Starts a no-code workflow given as a spec object or YAML/JSON text, or returns its plan for a human's approval
   * when it projects more agents than `dynamicWorkflows.maxAgents` (absent where workflows cannot run).
   */
  runDynamicWorkflow?(spec: unknown, args: Record<string, unknown>, opts: { caller: Caller; callback: boolean }): Promise<DynamicStart>;

  /** The folder claim paths are relative to (the project root). */
  projectRoot(): string;
  /** Claims normalized `paths` for the live session `handle` (E_STATE if it is not live here). */
  claim(handle: string, req: { paths: string[]; intent: ClaimIntent; description?: string }): ClaimResult | Promise<ClaimResult>;
  /** Releases `claimId` if `handle` holds it; false otherwise (the permission check is the tool's). */
  release(handle: string, claimId: string): boolean | Promise<boolean>;
  /** Every live claim, of every aegis process on this state. */
  listClaims(): ClaimView[] | Promise<ClaimView[]>;

  /** The config's schedules with their next and last fires (absent where there is no state database). */
  listSchedules?(): ScheduleView[] | Promise<ScheduleView[]>;
  /** Stores a signal for a run's engine.waitFor (absent where there is no state database). */
  signalRun?(runId: string, event: string, payload: unknown, sender: SenderTag): SentSignal | Promise<SentSignal>;
  /** Agent groups (absent where the runtime has no sessions to host them). */
  groups?: PlaneGroups;
}
