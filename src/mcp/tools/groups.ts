// Group tools (#13): aegis_group_spawn (start a group of new sessions, owned by the caller), aegis_broadcast (one
// structured brief to every member), aegis_gather (their replies, combined by a reducer, within a timeout),
// aegis_group_status and aegis_dissolve. The owner is always the authenticated caller; only the owner may broadcast,
// gather or dissolve (the operator may also dissolve any group, as it may cancel any task). Anyone may read status.

import { z } from "zod";
import { AegisError } from "../../util/errors.ts";
import { REDUCER_NAMES } from "../../workflow/group-reduce.ts";
import { senderOf } from "../identity.ts";
import type { GroupView, PlaneGroups } from "../ports.ts";
import { arg, defineTool, notFound, type ToolContext } from "../tool-def.ts";

const MAX_MEMBERS = 16;
const DEFAULT_GATHER_S = 600;
const MAX_GATHER_S = 3600;

function groups(ctx: ToolContext): PlaneGroups {
  if (!ctx.ports.groups) throw new AegisError("E_STATE", "groups are not available in this aegis process");
  return ctx.ports.groups;
}

async function findGroup(ctx: ToolContext, ref: string): Promise<GroupView> {
  const g = await groups(ctx).find(ref, senderOf(ctx.caller));
  if (!g) throw notFound("group", ref, groups(ctx).names(), "", "aegis_group_spawn makes one; aegis_group_status takes its id or name");
  return g;
}

/** The group, if the caller owns it; E_PERMISSION naming the owner otherwise. */
async function ownGroup(ctx: ToolContext, ref: string, verb: "broadcast to" | "gather" | "dissolve"): Promise<GroupView> {
  const g = await findGroup(ctx, ref);
  const me = senderOf(ctx.caller);
  if (g.owner === me || (verb === "dissolve" && ctx.caller.kind === "operator")) return g;
  throw new AegisError("E_PERMISSION", `group ${g.name} (${g.groupId}) belongs to ${g.owner}, not to you (${me}); only its owner can ${verb} it`, {
    data: { groupId: g.groupId, owner: g.owner }, hint: "read it with aegis_group_status, or make your own with aegis_group_spawn",
  });
}

const groupArg = () => arg.name().describe("The group's id (grp_…) or name.");

export const groupSpawnTool = defineTool({
  name: "aegis_group_spawn",
  description: "Start a group of new agent sessions that you own: one member per entry of `members` (agent profiles, see " +
    "aegis_list_agents; repeat a name for several members). Brief them all at once with aegis_broadcast, collect their " +
    "replies with aegis_gather, end them with aegis_dissolve (the group also ends with your session). Returns the group's id and members.",
  input: {
    name: arg.name().describe("A name for the group (letters, digits, . _ -), unique among your active groups."),
    members: z.array(arg.name()).min(1, "a group needs at least one member").max(MAX_MEMBERS)
      .describe("Agent profile names, one per member, e.g. [\"reviewer\", \"reviewer\", \"impl\"]."),
    isolation: z.enum(["worktree", "none"]).optional().describe("\"worktree\": each member works in its own git worktree."),
  },
  async run({ name, members, isolation }, ctx) {
    const agents = ctx.ports.listAgents().map((a) => a.name);
    const unknown = members.find((m) => !agents.includes(m));
    if (unknown !== undefined) throw notFound("agent", unknown, agents);
    return groups(ctx).create(senderOf(ctx.caller), name, members, isolation ? { isolation } : {});
  },
});

export const broadcastTool = defineTool({
  name: "aegis_broadcast",
  description: "Send one structured brief to every member of a group you own; each reads it under \"> from group:<name>/broadcast:<n>\" " +
    "and works on it on its own. Returns at once; collect the replies with aegis_gather. One broadcast at a time per group.",
  input: {
    group: groupArg(),
    objective: arg.text("objective").describe("What every member must do or answer."),
    outputFormat: z.string().optional().describe("What each answer must look like, e.g. \"one word: yes or no\"."),
    boundaries: z.string().optional().describe("What the members must not do."),
    toolGuidance: z.string().optional().describe("Which tools to use or avoid."),
  },
  async run({ group, objective, outputFormat, boundaries, toolGuidance }, ctx) {
    const g = await ownGroup(ctx, group, "broadcast to");
    return groups(ctx).broadcast(g.groupId, objective, {
      ...(outputFormat !== undefined ? { outputFormat } : {}), ...(boundaries !== undefined ? { boundaries } : {}),
      ...(toolGuidance !== undefined ? { toolGuidance } : {}),
    });
  },
});

export const gatherTool = defineTool({
  name: "aegis_gather",
  description: "Wait for the replies to your group's broadcast and combine them: \"concat\" (all replies in member order), " +
    "\"joinByHandle\" (one section per member) or \"majorityVote\" (answers compared trimmed, case-blind, without trailing " +
    "punctuation; {winner, tie, votes}, winner null on a tie). Members still working at the timeout are interrupted and " +
    "listed in timeouts; failed members in errors. Returns {byMember, combined, errors, timeouts}.",
  input: {
    group: groupArg(),
    reducer: z.enum(REDUCER_NAMES).default("concat").describe("How to combine the replies."),
    timeout: z.number().min(0).max(MAX_GATHER_S).default(DEFAULT_GATHER_S).describe(`Seconds to wait (default ${DEFAULT_GATHER_S}).`),
  },
  async run({ group, reducer, timeout }, ctx) {
    const g = await ownGroup(ctx, group, "gather");
    return groups(ctx).gather(g.groupId, { reducer, timeoutMs: timeout * 1000 });
  },
});

export const groupStatusTool = defineTool({
  name: "aegis_group_status",
  description: "A group's owner, members (with their states), the broadcast in flight (who answered, who is still working) " +
    "and the last gather's outcome. Any session may read it. Without a group: the active groups you own or are a member of.",
  input: { group: groupArg().optional() },
  readOnly: true,
  run: async ({ group }, ctx) => (group === undefined ? { groups: await groups(ctx).list(senderOf(ctx.caller)) } : await findGroup(ctx, group)),
});

export const dissolveTool = defineTool({
  name: "aegis_dissolve",
  description: "End a group you own: its members' sessions are closed and the group is recorded as dissolved. Idempotent.",
  input: { group: groupArg() },
  async run({ group }, ctx) {
    const g = await ownGroup(ctx, group, "dissolve");
    return groups(ctx).dissolve(g.groupId);
  },
});
