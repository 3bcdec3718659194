// Claim tools, for agents that edit one shared tree: aegis_claim (hold files or folders, shared or exclusive, before
// editing them), aegis_release and aegis_claims. A claim's holder is always the authenticated caller; only that
// session may release it, and it ends with the session anyway. The operator holds no claims (it has no session to
// end them with) but may list them.

import { z } from "zod";
import { AegisError } from "../../util/errors.ts";
import { resolveClaimPaths } from "../claim-paths.ts";
import { arg, defineTool, handleOf, type ToolContext } from "../tool-def.ts";

function holder(ctx: ToolContext, verb: string): string {
  const handle = handleOf(ctx.caller);
  if (handle === undefined) {
    throw new AegisError("E_USAGE", `the operator cannot ${verb} claims: claims belong to agent sessions and end with them`, {
      hint: "list them with aegis_claims; a session's claims end when it does",
    });
  }
  return handle;
}

export const claimTool = defineTool({
  name: "aegis_claim",
  description: "Claim files or folders before you edit them in a tree other agents share, so two agents never change the same " +
    "files at once. \"exclusive\" (you will change them) conflicts with any overlapping claim; \"shared\" (you rely on them " +
    "staying as they are) conflicts only with an exclusive one. Paths are relative to the project root; a folder covers " +
    "everything under it; a glob (src/**/*.ts) is expanded to the files it matches now. Returns {claimId, granted, overlaps}: " +
    "when not granted nothing was recorded, and overlaps name who holds what (ask them with aegis_handoff, or work elsewhere " +
    "and try again). Release with aegis_release when done; your claims also end when your session does.",
  input: {
    paths: z.array(z.string().trim().min(1, "a path must not be empty").max(4096)).min(1, "claim at least one path").max(1000)
      .describe("Files, folders (a prefix: \"src/\") or globs, relative to the project root."),
    intent: z.enum(["shared", "exclusive"]).describe("\"exclusive\" to edit; \"shared\" to rely on them unchanged."),
    description: z.string().trim().max(500).optional().describe("What you are doing, shown to peers whose claims overlap."),
  },
  async run({ paths, intent, description }, ctx) {
    const handle = holder(ctx, "make");
    const resolved = await resolveClaimPaths(ctx.ports.projectRoot(), paths);
    return ctx.ports.claim(handle, { paths: resolved, intent, ...(description ? { description } : {}) });
  },
});

export const releaseTool = defineTool({
  name: "aegis_release",
  description: "Release a claim you made (aegis_claim's claimId), so peers may claim those paths. Only its holder may release it.",
  input: { claimId: arg.id("claim").describe("The id aegis_claim returned (clm_…).") },
  async run({ claimId }, ctx) {
    const handle = holder(ctx, "release");
    if (await ctx.ports.release(handle, claimId)) return { claimId, released: true };
    const held = (await ctx.ports.listClaims()).find((c) => c.claimId === claimId);
    if (held) {
      throw new AegisError("E_PERMISSION", `claim ${claimId} is held by ${held.handle}, not by you (${handle}); only its holder can release it`, {
        data: { claimId, holder: held.handle },
      });
    }
    throw new AegisError("E_NOT_FOUND", `no live claim "${claimId}": it was released, denied, or its session ended`, {
      data: { claimId },
      hint: "aegis_claims lists the live claims",
    });
  },
});

export const claimsTool = defineTool({
  name: "aegis_claims",
  description: "List every live claim in this project: who holds which paths, shared or exclusive, since when and why.",
  input: {},
  readOnly: true,
  run: async (_args, ctx) => ({ claims: await ctx.ports.listClaims() }),
});
