// Adapts the real runtime (config, SessionManager, QueueManager, workflow runs) to the PlanePorts the tools use.
// Every sender it records comes from the authenticated Caller handed in by the tool layer. It must not check
// permissions (the tools do) nor keep state of its own.

import type { LoadedConfig } from "../config/validate.ts";
import type { SessionManager } from "../session/manager.ts";
import type { Claim } from "../store/claims.ts";
import { scheduleViewsDb } from "../schedule/status.ts";
import { sendSignal } from "../workflow/signals.ts";
import { groupHost } from "./group-host.ts";
import { AegisError } from "../util/errors.ts";
import { senderOf, type Caller } from "./identity.ts";
import type { RunView } from "../workflow/run-status.ts";
import type { DynamicStart } from "./dynamic-workflow.ts";
import type { ClaimView, PeerInfo, PlanePorts, TaskView } from "./ports.ts";

/** The queue operations the plane uses (QueueManager satisfies it). */
export interface PlaneQueues {
  enqueue(queue: string, payload: string, opts: { enqueuedBy: string; callback: boolean }): Promise<{ taskId: string; position: number }> | { taskId: string; position: number };
  status(taskId: string): TaskView | undefined | null | Promise<TaskView | undefined | null>;
  /** Stops the task; what it resolves with is not used (the status is read afterwards). */
  cancel(taskId: string): Promise<unknown>;
}

/** The workflow operations the plane uses. */
export interface PlaneWorkflows {
  names(): string[];
  start(name: string, args: Record<string, unknown>, opts: { callerHandle: string | null; callback: boolean }): Promise<{ runId: string }>;
  /** Starts a no-code workflow given as a spec, or returns its plan for approval (see mcp/dynamic-workflow.ts). */
  startDynamic?(spec: unknown, args: Record<string, unknown>, opts: { callerHandle: string | null; callback: boolean }): Promise<DynamicStart>;
  status(runId: string): RunView | undefined | null | Promise<RunView | undefined | null>;
}

export interface PlaneRuntime {
  config: LoadedConfig;
  sessions: SessionManager;
  queues?: PlaneQueues;
  workflows?: PlaneWorkflows;
}

function unavailable(what: string): AegisError {
  return new AegisError("E_STATE", `${what} are not available in this aegis process`);
}

export function portsFromRuntime(rt: PlaneRuntime): PlanePorts {
  const queues = () => {
    if (!rt.queues) throw unavailable("queues");
    return rt.queues;
  };
  const workflows = () => {
    if (!rt.workflows) throw unavailable("workflows");
    return rt.workflows;
  };
  const db = rt.sessions.db;
  const liveId = (handle: string): string => {
    const s = rt.sessions.get(handle);
    if (!s) throw new AegisError("E_STATE", `session ${handle} is not live in this aegis process, so it cannot hold claims`, { data: { handle } });
    return s.id;
  };
  return {
    listSessions: async (): Promise<PeerInfo[]> => {
      const claims = await db.claims.listClaims();
      return rt.sessions.list().map((s) => ({
        handle: s.handle,
        agent: s.agent,
        state: s.state,
        inbox: s.inbox,
        ...(s.spawnedBy ? { spawnedBy: s.spawnedBy } : {}),
        tokens: s.tokens,
        costUsd: s.costUsd,
        claims: claims.filter((c) => c.sessionId === s.id).map((c) => ({ claimId: c.id, intent: c.intent, paths: c.paths })),
      }));
    },
    listAgents: () => Object.entries(rt.config.agents).map(([name, a]) => ({ name, provider: a.provider.name, model: a.model })),
    async spawn(agent: string, prompt: string | undefined, spawnedBy: Caller) {
      const session = await rt.sessions.spawn(agent, { ...(prompt !== undefined ? { prompt } : {}), spawnedBy: senderOf(spawnedBy) });
      return session.handle;
    },
    deliver: (handle, msg) => rt.sessions.deliver(handle, msg),

    listQueues: () => Object.values(rt.config.queues).map((q) => ({ name: q.name, agent: q.agent, maxParallel: q.maxParallel })),
    enqueue: async (queue, payload, opts) => queues().enqueue(queue, payload, opts),
    taskStatus: async (taskId) => (await queues().status(taskId)) ?? undefined,
    async cancelTask(taskId) {
      await queues().cancel(taskId);
      const after = await queues().status(taskId);
      if (!after) throw new AegisError("E_NOT_FOUND", `unknown task "${taskId}"`, { data: { taskId } });
      return after;
    },

    listWorkflows: () => rt.workflows?.names() ?? [],
    runWorkflow: (name, args, opts) =>
      workflows().start(name, args, { callerHandle: opts.caller.kind === "session" ? opts.caller.handle : null, callback: opts.callback }),
    workflowStatus: async (runId) => (await workflows().status(runId)) ?? undefined,
    async runDynamicWorkflow(spec, args, opts) {
      const w = workflows();
      if (!w.startDynamic) throw unavailable("dynamic workflows");
      return w.startDynamic(spec, args, { callerHandle: opts.caller.kind === "session" ? opts.caller.handle : null, callback: opts.callback });
    },

    projectRoot: () => rt.config.root,
    async claim(handle, req) {
      const out = await db.claims.tryClaim({ sessionId: liveId(handle), handle, ...req, at: Date.now() });
      if (!out) throw new AegisError("E_STATE", `session ${handle} has closed, so it cannot hold claims`, { data: { handle } });
      return {
        claimId: out.granted ? out.claim.id : null,
        granted: out.granted,
        paths: req.paths,
        overlaps: out.overlaps.map((o) => ({ handle: o.handle, paths: o.paths, intent: o.intent, ...(o.description ? { description: o.description } : {}) })),
      };
    },
    release: async (handle, claimId) => await db.claims.releaseClaim(claimId, liveId(handle)),
    listClaims: async () => (await db.claims.listClaims()).map(claimView),
    listSchedules: () => scheduleViewsDb(rt.config.schedules, db, Date.now()),
    signalRun: (runId, event, payload, sender) => sendSignal(db, runId, event, payload, sender),
    groups: groupHost(rt.sessions),
  };
}

/** A claim as the tools and `aegis claims --json` report it. */
export function claimView(c: Claim): ClaimView {
  return {
    claimId: c.id, handle: c.handle, intent: c.intent, paths: c.paths,
    ...(c.description ? { description: c.description } : {}), since: new Date(c.createdAt).toISOString(),
  };
}
