// Orientation tools: aegis_meta (who you are, your peers, what you can spawn, queues, workflows, how inbox headers
// read, and the tool list), aegis_list_sessions and aegis_list_agents. They only read; they change nothing.

import { describeCaller } from "../identity.ts";
import { defineTool, type ToolContext, type ToolDef } from "../tool-def.ts";
import type { PeerInfo } from "../ports.ts";

export const listSessionsTool = defineTool({
  name: "aegis_list_sessions",
  description: "List the live aegis sessions (your peers and yourself): handle, agent profile, state (ready, working, error), " +
    "messages waiting in the inbox, who spawned it, tokens and cost, and the paths it has claimed (aegis_claim).",
  input: {},
  readOnly: true,
  run: async (_args, ctx) => ({ sessions: (await ctx.ports.listSessions()).map((s) => ({ ...s, you: isSelf(s, ctx) })) }),
});

export const listAgentsTool = defineTool({
  name: "aegis_list_agents",
  description: "List the agent profiles configured in this aegis project (names you can pass to aegis_spawn), with provider and model.",
  input: {},
  readOnly: true,
  run: (_args, ctx) => ({ agents: ctx.ports.listAgents() }),
});

function isSelf(s: PeerInfo, ctx: ToolContext): boolean {
  return ctx.caller.kind === "session" && s.handle === ctx.caller.handle;
}

const HEADERS = [
  "Messages from others arrive as a new turn (or batched at the end of your current one); each starts with one header line:",
  "  > from agent:<handle> · <ISO time>                      a peer handed you context (aegis_handoff)",
  "  > from queue:<name> · task#<id> · ok|error · <ISO time>  the result of a task you enqueued with callback",
  "  > from workflow:<name> · <ISO time>                      the result of a workflow you started with callback",
  "  > from group:<name>/broadcast:<n> · <ISO time>          a brief to a group you are in: end your turn with your answer",
  "A message without a header comes from the user.",
];

/** The briefing aegis_meta returns; `tools` is the tool list of this server (name and first sentence). */
export async function briefing(ctx: ToolContext, tools: readonly ToolDef<any>[]): Promise<string> {
  const { caller, ports } = ctx;
  const sessions = await ports.listSessions();
  const me = caller.kind === "session" ? sessions.find((s) => s.handle === caller.handle) : undefined;
  const lines: string[] = [];
  if (caller.kind === "session") {
    const profile = me ? ` (agent profile "${me.agent}"${me.spawnedBy ? `, spawned by ${me.spawnedBy}` : ""})` : "";
    lines.push(`You are ${caller.handle}${profile}, one session in an aegis team.`);
    lines.push("Your identity comes from your connection to this server: never pass your own handle to a tool.");
  } else {
    lines.push(`You are ${describeCaller(caller)}: you act for the user of this aegis project, outside any session.`);
  }
  const peers = sessions.filter((s) => s !== me);
  lines.push("", peers.length ? "Peers:" : "Peers: none yet (aegis_spawn starts one).");
  for (const p of peers) lines.push(`  - ${p.handle}: agent ${p.agent}, ${p.state}, inbox ${p.inbox}${p.spawnedBy ? `, spawned by ${p.spawnedBy}` : ""}${claimsOf(p)}`);
  const agents = ports.listAgents();
  lines.push("", `Agent profiles (for aegis_spawn): ${agents.map((a) => `${a.name} (${a.provider}${a.model ? ` ${a.model}` : ""})`).join(", ") || "none"}`);
  const queues = ports.listQueues();
  lines.push(`Queues (for aegis_enqueue): ${queues.map((q) => `${q.name} (agent ${q.agent}, ${q.maxParallel} at a time)`).join(", ") || "none"}`);
  lines.push(`Workflows (for aegis_run_workflow): ${ports.listWorkflows().join(", ") || "none"}`);
  lines.push("", ...HEADERS, "", "Tools:");
  for (const t of tools) lines.push(`  - ${t.name}: ${firstSentence(t.description)}`);
  return lines.join("\n");
}

/** ", claims src (exclusive), docs/a.md (shared)" for a peer holding claims. */
function claimsOf(p: PeerInfo): string {
  if (!p.claims.length) return "";
  return `, claims ${p.claims.map((c) => `${c.paths.join(" ")} (${c.intent})`).join(", ")}`;
}

function firstSentence(s: string): string {
  const end = s.search(/\.(\s|$)/);
  return end < 0 ? s : s.slice(0, end + 1);
}

/** aegis_meta needs the full tool list, so it is built by the registry (tools.ts) with that list. */
export function metaTool(tools: () => readonly ToolDef<any>[]): ToolDef<{}> {
  return defineTool({
    name: "aegis_meta",
    description: "Explains aegis to you: who you are, your peers, the agent profiles, queues and workflows, how the headers " +
      "on incoming messages read, and what each aegis tool does. Call it first.",
    input: {},
    readOnly: true,
    run: (_args, ctx) => briefing(ctx, tools()),
  });
}
