// Peer tools: aegis_spawn (start a new session from an agent profile) and aegis_handoff (put context in a peer's
// inbox, fire and forget). The sender of a handoff and the spawner of a peer are always the authenticated caller.

import type { Delivery } from "../../session/sender.ts";
import { AegisError, errorCode } from "../../util/errors.ts";
import { senderOf } from "../identity.ts";
import { arg, defineTool, notFound } from "../tool-def.ts";

export const spawnTool = defineTool({
  name: "aegis_spawn",
  description: "Start a new peer session from an agent profile (see aegis_list_agents) and return its handle. " +
    "The prompt, if given, is its first message; it works on it in the background. Hand it more work with aegis_handoff.",
  input: {
    agent: arg.name().describe("The agent profile to start, e.g. \"reviewer\"."),
    prompt: arg.text("prompt").optional().describe("The new session's first message."),
  },
  async run({ agent, prompt }, ctx) {
    const agents = ctx.ports.listAgents().map((a) => a.name);
    if (!agents.includes(agent)) throw notFound("agent", agent, agents);
    const handle = await ctx.ports.spawn(agent, prompt, ctx.caller);
    return { handle, agent };
  },
});

export const handoffTool = defineTool({
  name: "aegis_handoff",
  description: "Send context to a peer's inbox, fire and forget. If the peer is idle it starts a turn now (\"landed\"); " +
    "if it is working the message waits for its next turn (\"queued\", with the queue depth). It reads it under a header naming you.",
  input: {
    target: arg.handle().describe("The peer's handle (see aegis_list_sessions)."),
    context: arg.text("context").describe("What the peer should know or do."),
  },
  async run({ target, context }, ctx) {
    if (ctx.caller.kind === "session" && target === ctx.caller.handle) {
      throw new AegisError("E_USAGE", "you cannot hand off to yourself; pick a peer from aegis_list_sessions");
    }
    let d: Delivery;
    try {
      d = await ctx.ports.deliver(target, { from: senderOf(ctx.caller), body: context });
    } catch (err) {
      // A session live in another aegis process on the same state is a valid target, so only the runtime knows.
      if (errorCode(err) !== "E_NOT_FOUND") throw err;
      throw notFound("session", target, (await ctx.ports.listSessions()).map((s) => s.handle));
    }
    const summary = d.disposition === "landed" ? `landed at ${target}` : `queued for ${target} (position ${d.depth})`;
    return { target, disposition: d.disposition, depth: d.depth, summary };
  },
});
