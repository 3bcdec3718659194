// Claims end to end (#11): fake-claude CLIs, each connected to the runtime's own plane with its own secret, claim
// paths mid-turn (`MCP: aegis <tool> <json>`); the second is denied naming the first, and once the first session
// closes its claim is gone and the second gets it. The primer each CLI starts with tells it to claim.

import { afterEach, expect, test } from "bun:test";
import { dirname, join } from "node:path";
import { ClaudeCode } from "../../src/config/providers.ts";
import { createRuntime, type Runtime } from "../../src/runtime.ts";
import { tempDir, type TempDir } from "../fixtures/helpers/temp-dir.ts";
import { memoryStore, testConfig } from "../session/fixtures.ts";

const FAKE_CLAUDE = join(import.meta.dir, "..", "fixtures", "bin", "fake-claude");

let dir: TempDir | undefined;
let rt: Runtime | undefined;
afterEach(async () => {
  await rt?.close();
  rt = undefined;
  dir?.remove();
});

function runtime(): Runtime {
  dir = tempDir("aegis-claims-e2e");
  const agent = {
    provider: new ClaudeCode({
      model: "claude-sonnet-4-5", permission: "full", bin: FAKE_CLAUDE,
      env: {
        FAKE_CLAUDE_STATE_DIR: dir.join("fake-state"), IS_SANDBOX: "1", FAKE_CLI_LOG: dir.join("turns.jsonl"),
        PATH: `${join(import.meta.dir, "..", "..", "node_modules", ".bin")}:${dirname(process.execPath)}:${process.env.PATH ?? "/usr/bin:/bin"}`,
      },
    }),
  };
  rt = createRuntime({ config: testConfig({ dev: agent }, {}, dir.path), store: memoryStore(), cwd: dir.path, queues: { pollMs: 0 } });
  return rt;
}

async function tool(r: Runtime, handle: string, name: string, args: Record<string, unknown>): Promise<any> {
  const reply = await r.sessions.send(handle, `MCP: aegis ${name} ${JSON.stringify(args)}`, "user");
  expect(reply).toStartWith("TOOL OUTPUT: ");
  return JSON.parse(reply.slice("TOOL OUTPUT: ".length));
}

test("(#11) CLI sessions claim over their own MCP connection; a claim ends with its session", async () => {
  const r = runtime();
  await r.sessions.spawn("dev", { handle: "alpha" });
  await r.sessions.spawn("dev", { handle: "bravo" });
  const a = await tool(r, "alpha", "aegis_claim", { paths: ["src/"], intent: "exclusive", description: "parser rewrite" });
  expect(a).toMatchObject({ granted: true, paths: ["src"] });
  // bravo names alpha as the handle: the claim is still bravo's, and denied because of alpha's.
  const b = await tool(r, "bravo", "aegis_claim", { paths: ["src/parser.ts"], intent: "exclusive", handle: "alpha" });
  expect(b).toEqual({ claimId: null, granted: false, paths: ["src/parser.ts"], overlaps: [{ handle: "alpha", paths: ["src"], intent: "exclusive", description: "parser rewrite" }] });
  const listed = await tool(r, "bravo", "aegis_list_sessions", {});
  expect(listed.sessions.find((s: { handle: string }) => s.handle === "alpha").claims).toEqual([{ claimId: a.claimId, intent: "exclusive", paths: ["src"] }]);
  // The primer the CLI was started with told it to claim before editing.
  const turns = (await Bun.file(dir!.join("turns.jsonl")).text()).trim().split("\n").map((l) => JSON.parse(l) as { systemPrompt?: string });
  expect(turns[0]?.systemPrompt).toContain("claim them with aegis_claim");
  await r.sessions.close("alpha");
  expect(await tool(r, "bravo", "aegis_claims", {})).toEqual({ claims: [] });
  expect((await tool(r, "bravo", "aegis_claim", { paths: ["src/parser.ts"], intent: "exclusive" })).granted).toBe(true);
}, 30_000);
