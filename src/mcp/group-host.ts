// The agent groups made over MCP (#13): aegis_group_spawn starts the members in this process and records the group
// (store/groups.ts); broadcasts go to the members under `group:<name>/broadcast:<n>` and are gathered with a named
// reducer and a timeout (workflow/group-collect.ts, group-reduce.ts). The broadcast in flight lives in this process
// only: after it ends, a group is a record that aegis_group_status reports and aegis_dissolve closes. A group ends
// with its owner's session, or once all its members have closed. It must not check who may act on a group (the tools do).

import type { SessionManager } from "../session/manager.ts";
import type { SenderTag } from "../session/sender.ts";
import type { GroupRow } from "../store/groups.ts";
import { AegisError, formatError } from "../util/errors.ts";
import { newId } from "../util/ids.ts";
import { logIgnored } from "../util/log-ignored.ts";
import { logger } from "../ui/log.ts";
import type { GroupMember } from "../workflow/engine-types.ts";
import { checkBroadcast, checkGroupName, groupSender, renderBrief } from "../workflow/group-brief.ts";
import { collectReplies, interruptUntil, settle, type MemberTurn } from "../workflow/group-collect.ts";
import { reduceReplies, type ReducerName } from "../workflow/group-reduce.ts";
import type { GatherView, GroupView, PlaneGroups } from "./ports.ts";

interface InFlight {
  id: number;
  from: SenderTag;
  objective: string;
  at: number;
  turns: MemberTurn[];
  answered: Set<string>;
  gathering: boolean;
}

interface LiveGroup {
  id: string;
  name: string;
  owner: string;
  members: GroupMember[];
  rounds: number;
  inflight?: InFlight;
}

const iso = (ms: number) => new Date(ms).toISOString();

const alreadyActive = (name: string) =>
  new AegisError("E_STATE", `you already have an active group named "${name}"`, { hint: "dissolve it first (aegis_dissolve), or pick another name" });

/** The groups of this aegis process, over its SessionManager. */
export function groupHost(sessions: SessionManager, log: (line: string) => void = (line) => logger().warn(line)): PlaneGroups {
  const db = sessions.db;
  const live = new Map<string, LiveGroup>();
  /** Groups being started, by owner and name, so two spawns of one name cannot both pass the check. */
  const starting = new Set<string>();
  let watching = false;

  async function memberState(handle: string): Promise<string> {
    const s = sessions.get(handle);
    if (s) return s.state;
    const row = await db.sessions.findSessionByHandle(handle);
    if (!row || row.closed_at !== null) return "closed";
    const owner = row.owner;
    return owner !== null && (await db.owners.deadOwners([owner])).has(owner) ? "gone" : row.state;
  }

  async function view(row: GroupRow): Promise<GroupView> {
    const g = live.get(row.id);
    const members = await Promise.all((JSON.parse(row.members) as GroupMember[]).map(async (m) => ({ ...m, state: await memberState(m.handle) })));
    const f = g?.inflight;
    return {
      groupId: row.id, name: row.name, owner: row.owner, state: row.state, hosted: g !== undefined, members, broadcasts: row.broadcasts,
      inFlight: f ? { broadcastId: f.id, from: f.from, objective: f.objective, since: iso(f.at), answered: [...f.answered], waiting: g!.members.map((m) => m.handle).filter((h) => !f.answered.has(h)) } : null,
      lastGather: row.last_gather === null ? null : JSON.parse(row.last_gather),
      createdAt: iso(row.created_at), ...(row.dissolved_at !== null ? { dissolvedAt: iso(row.dissolved_at) } : {}),
      ...(row.state === "active" && !g ? { note: "its members are not live in this aegis process (it was restarted, or another process hosts them): dissolve it and spawn a new group" } : {}),
    };
  }

  async function hosted(id: string): Promise<LiveGroup> {
    const g = live.get(id);
    if (g) return g;
    const row = await db.groups.getGroup(id);
    throw new AegisError("E_STATE", row?.state === "dissolved" ? `group ${row.name} (${id}) was dissolved` : `group ${row?.name ?? id} (${id}) is not live in this aegis process`, {
      data: { groupId: id }, hint: row?.state === "dissolved" ? "spawn a new group with aegis_group_spawn" : "dissolve it with aegis_dissolve and spawn a new group",
    });
  }

  /**
   * A group ends with its owner (its members would otherwise outlive the only session that can use them) and once
   * every member has closed (at a clean shutdown, say), so its record does not claim a live group.
   */
  function watchOwners(): void {
    if (watching) return;
    watching = true;
    sessions.on((e) => {
      if (e.type !== "state" || e.state !== "closed") return;
      for (const g of [...live.values()]) {
        const ends = g.owner === `agent:${e.handle}` || (g.members.some((m) => m.handle === e.handle) && g.members.every((m) => !sessions.get(m.handle)));
        if (!ends) continue;
        dissolve(g.id).catch((err: unknown) => log(`aegis mcp: dissolving group ${g.name} after ${e.handle} closed failed: ${formatError(err)}`));
      }
    });
  }

  async function dissolve(id: string): Promise<GroupView> {
    const g = live.get(id);
    live.delete(id);
    if (g) await Promise.all(g.members.map((m) => sessions.close(m.handle)));
    await db.groups.dissolveGroupRow(id, Date.now());
    return await view((await db.groups.getGroup(id))!);
  }

  /** Spawns the members (all or nothing) and records the group. */
  async function start(owner: SenderTag, name: string, agents: string[], opts: { isolation?: "worktree" | "none" }): Promise<GroupView> {
    const started = await Promise.allSettled(agents.map((agent) => sessions.spawn(agent, { spawnedBy: owner, ...(opts.isolation ? { isolation: opts.isolation } : {}) })));
    const failed = started.find((s) => s.status === "rejected");
    if (failed) {
      // All or nothing: a group missing a member is not what was asked for.
      await Promise.all(started.flatMap((s) => (s.status === "fulfilled" ? [sessions.close(s.value.handle).catch(logIgnored("closing a member of a group that failed to start"))] : [])));
      throw failed.reason;
    }
    const members = started.map((s, i) => ({ handle: (s as PromiseFulfilledResult<{ handle: string }>).value.handle, agent: agents[i]! }));
    const id = newId("grp");
    const process = (await db.sessions.findSessionByHandle(members[0]!.handle))?.owner ?? null;
    await db.groups.insertGroup({ id, name, owner, process, members, at: Date.now() });
    live.set(id, { id, name, owner, members, rounds: 0 });
    return await view((await db.groups.getGroup(id))!);
  }

  return {
    async create(owner, name, agents, opts = {}) {
      checkGroupName(name);
      const key = `${owner}\0${name}`;
      if (starting.has(key)) throw alreadyActive(name);
      starting.add(key); // held across the await below, so two spawns of one name cannot both pass the check
      try {
        if ((await db.groups.activeGroupsOf(owner)).some((r) => r.name === name)) throw alreadyActive(name);
        watchOwners();
        return await start(owner, name, agents, opts);
      } finally {
        starting.delete(key);
      }
    },

    async find(ref, caller) {
      if (ref.startsWith("grp_")) {
        const row = await db.groups.getGroup(ref);
        return row ? await view(row) : undefined;
      }
      const rows = await db.groups.activeGroupsNamed(ref);
      const mine = rows.filter((r) => r.owner === caller);
      const pick = mine.length ? mine : rows;
      if (pick.length > 1) {
        throw new AegisError("E_USAGE", `${pick.length} active groups are named "${ref}": ${pick.map((r) => `${r.id} (owner ${r.owner})`).join(", ")}`, {
          hint: "name the group by its id (grp_…)",
        });
      }
      return pick[0] ? await view(pick[0]) : undefined;
    },

    names: () => [...live.values()].map((g) => g.name),

    async list(caller) {
      const handle = caller.startsWith("agent:") ? caller.slice("agent:".length) : undefined;
      const mine = (await db.groups.activeGroupsOf(caller)).map((r) => r.id);
      const joined = [...live.values()].filter((g) => handle !== undefined && g.members.some((m) => m.handle === handle)).map((g) => g.id);
      return await Promise.all([...new Set([...mine, ...joined])].map(async (id) => await view((await db.groups.getGroup(id))!)));
    },

    async broadcast(id, objective, opts) {
      const g = await hosted(id);
      checkBroadcast(objective, opts);
      if (g.inflight) {
        throw new AegisError("E_STATE", `group ${g.name} already has broadcast ${g.inflight.id} in flight`, { hint: "gather it first with aegis_gather (one broadcast at a time per group)" });
      }
      const n = ++g.rounds;
      const from = groupSender(g.name, "broadcast", n);
      const text = renderBrief(g.name, g.members.map((m) => m.handle), objective, opts);
      const f: InFlight = { id: n, from, objective, at: Date.now(), turns: [], answered: new Set(), gathering: false };
      f.turns = g.members.map((m) => {
        const settled = settle(sessions.send(m.handle, text, from));
        void settled.then(() => f.answered.add(m.handle));
        return { member: m.handle, settled, stop: () => interruptUntil(sessions, m.handle, settled) };
      });
      g.inflight = f;
      await db.groups.recordBroadcast(id, n, { id: n, from, objective, at: iso(f.at), gathered: false });
      return { groupId: id, name: g.name, broadcastId: n, from, members: g.members.map((m) => m.handle) };
    },

    async gather(id, o): Promise<GatherView> {
      const g = await hosted(id);
      const f = g.inflight;
      if (!f || f.gathering) {
        throw new AegisError("E_STATE", `group ${g.name} has no broadcast to gather${f ? " (another aegis_gather is collecting it)" : ""}`, {
          hint: "send one with aegis_broadcast first; each broadcast is gathered once",
        });
      }
      f.gathering = true;
      let out;
      try {
        out = await collectReplies(f.turns, o.timeoutMs);
      } finally {
        if (g.inflight === f) g.inflight = undefined;
      }
      const order = g.members.map((m) => m.handle).filter((h) => h in out.replies);
      const reducer: ReducerName = o.reducer ?? "concat";
      const combined = await reduceReplies(reducer, out.replies, order);
      const result: GatherView = { groupId: id, name: g.name, broadcastId: f.id, reducer, byMember: out.replies, combined, errors: out.errors, timeouts: out.timeouts };
      await db.groups.recordGather(id, { id: f.id, from: f.from, objective: f.objective, at: iso(f.at), gathered: true }, { ...result, at: iso(Date.now()) });
      return result;
    },

    dissolve,
  };
}
