// `aegis claims [--json]`: the live claims agents hold on the project's files and folders (aegis_claim), oldest
// first, across every aegis process on this state. Read-only: it opens the store and changes nothing; claims of
// closed sessions and of dead processes are not shown.

import { defineCommand } from "citty";
import { claimView } from "../mcp/plane-ports.ts";
import { openDb } from "../store/open.ts";
import { out } from "../ui/log.ts";
import { configArgs, jsonArg, loadConfigFromArgs } from "./context.ts";

export default defineCommand({
  meta: { name: "claims", description: "List the files and folders agents have claimed (aegis_claim), shared or exclusive" },
  args: { ...configArgs, ...jsonArg },
  async run({ args }) {
    const db = await openDb({ config: await loadConfigFromArgs(args) });
    try {
      const claims = (await db.claims.listClaims()).map(claimView);
      if (args.json) return void out(JSON.stringify(claims, null, 2));
      if (claims.length === 0) return void out("no live claims");
      for (const c of claims) {
        out(`${c.claimId}  ${c.handle.padEnd(16)} ${c.intent.padEnd(9)} ${c.since}  ${c.paths.join(" ")}${c.description ? `  # ${c.description}` : ""}`);
      }
    } finally {
      await db.close();
    }
  },
});
