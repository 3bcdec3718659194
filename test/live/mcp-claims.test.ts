// Claims with the real CLIs (#11): each CLI from .live/, told by the loopback mock model to call aegis_claim with an
// array of paths and an intent, reaches the plane as its own session; a claim overlapping a peer's exclusive one is
// denied naming the peer and recorded nowhere, a free one is granted and held by that session. Skips cleanly, with
// the reason printed, when a CLI is not installed.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { runtimePlane, type RuntimePlane } from "../../src/mcp/runtime-plane.ts";
import { createRuntime, type Runtime } from "../../src/runtime.ts";
import { listClaims, tryClaim } from "../../src/store/claims.ts";
import { memoryStore, testConfig } from "../session/fixtures.ts";
import { makeLiveEnv, type LiveEnv } from "./cli-env.ts";
import { findTagged } from "./live-helpers.ts";
import { skipLive, type LiveCliName } from "./live-install.ts";
import { startMockLlm, type MockLlm } from "./mock-llm.ts";

const TIMEOUT_MS = 90_000;
const CLIS: LiveCliName[] = ["claude", "gemini", "opencode", "codex"];

/** The JSON object in a tool output the mock echoed back (a CLI may wrap tool output in text of its own). */
function objectIn(text: string): any {
  const start = text.indexOf("{");
  const end = text.lastIndexOf("}");
  if (start < 0 || end < start) throw new Error(`no JSON object in the reply: ${text}`);
  return JSON.parse(text.slice(start, end + 1));
}

let mock: MockLlm;
beforeAll(() => {
  mock = startMockLlm();
});
afterAll(async () => {
  await mock?.stop();
});

for (const cli of CLIS) {
  describe.skipIf(skipLive(cli))(`live ${cli} claims through the MCP plane`, () => {
    let env: LiveEnv | undefined;
    let rt: Runtime | undefined;
    let plane: RuntimePlane | undefined;

    afterAll(async () => {
      await rt?.close();
      await plane?.close();
      if (env) expect(await findTagged(env.tag)).toEqual([]);
      await env?.cleanup();
    }, TIMEOUT_MS);

    test("(#11) the CLI's claim is denied over a peer's exclusive one, and a free one is granted to it", async () => {
      env = await makeLiveEnv(cli, mock);
      const config = testConfig({ lead: { provider: env.provider }, helper: { reply: () => "ok" } }, {}, env.workDir);
      plane = runtimePlane(() => rt!, {});
      rt = createRuntime({ config, store: memoryStore(), cwd: env.workDir, plane });
      const bravo = await rt.sessions.spawn("helper", { handle: "bravo" });
      await rt.sessions.spawn("lead", { handle: "alpha" });
      tryClaim(rt.store, { sessionId: bravo.id, handle: "bravo", intent: "exclusive", paths: ["src"], at: Date.now() });

      const denied = objectIn(await rt.sessions.send("alpha", 'TOOL: aegis_claim {"paths":["src/app.ts","docs/"],"intent":"shared"}', "user"));
      expect(denied).toMatchObject({ claimId: null, granted: false, paths: ["src/app.ts", "docs"], overlaps: [{ handle: "bravo", paths: ["src"], intent: "exclusive" }] });
      expect(listClaims(rt.store).map((c) => c.handle)).toEqual(["bravo"]);

      const granted = objectIn(await rt.sessions.send("alpha", 'TOOL: aegis_claim {"paths":["docs/"],"intent":"exclusive","description":"docs pass"}', "user"));
      expect(granted).toMatchObject({ granted: true, paths: ["docs"], overlaps: [] });
      expect(listClaims(rt.store).map((c) => [c.handle, c.paths, c.description])).toEqual([["bravo", ["src"], null], ["alpha", ["docs"], "docs pass"]]);
      expect(plane.loaded?.refused).toBe(0);
    }, TIMEOUT_MS);
  });
}
