// The MCP plane with the real CLIs (Claude Code, Gemini CLI, OpenCode, Codex CLI from .live/) against the loopback mock LLM:
// each CLI, spawned through the real runtime (which attaches the plane), is told by the mock model to call
// aegis_list_sessions; the call must reach the plane authenticated as that session's handle, and the tool output
// must mark that handle as the caller. Skips cleanly, with the reason printed, when a CLI is not installed.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { runtimePlane, type RuntimePlane } from "../../src/mcp/runtime-plane.ts";
import { createRuntime, type Runtime } from "../../src/runtime.ts";
import { memoryStore, testConfig } from "../session/fixtures.ts";
import { makeLiveEnv, type LiveEnv } from "./cli-env.ts";
import { findTagged } from "./live-helpers.ts";
import { skipLive, type LiveCliName } from "./live-install.ts";
import { startMockLlm, type MockLlm } from "./mock-llm.ts";

const TIMEOUT_MS = 90_000;
const CLIS: LiveCliName[] = ["claude", "gemini", "opencode", "codex"];

/** The JSON object in a tool output the mock echoed back (a CLI may wrap tool output in text of its own). */
function sessionsIn(text: string): Array<{ handle: string; you: boolean; agent: string }> {
  const start = text.indexOf("{");
  const end = text.lastIndexOf("}");
  if (start < 0 || end < start) throw new Error(`no JSON object in the reply: ${text}`);
  return (JSON.parse(text.slice(start, end + 1)) as { sessions: Array<{ handle: string; you: boolean; agent: string }> }).sessions;
}

let mock: MockLlm;
beforeAll(() => {
  mock = startMockLlm();
});
afterAll(async () => {
  await mock?.stop();
});

for (const cli of CLIS) {
  describe.skipIf(skipLive(cli))(`live ${cli} through the MCP plane`, () => {
    let env: LiveEnv | undefined;
    let rt: Runtime | undefined;
    let plane: RuntimePlane | undefined;
    const warnings: string[] = [];

    afterAll(async () => {
      await rt?.close();
      await plane?.close();
      if (env) expect(await findTagged(env.tag)).toEqual([]);
      await env?.cleanup();
    }, TIMEOUT_MS);

    test("told to call aegis_list_sessions, the CLI reaches the plane as its own handle", async () => {
      env = await makeLiveEnv(cli, mock);
      const config = testConfig({ lead: { provider: env.provider }, helper: { reply: () => "ok" } }, {}, env.workDir);
      plane = runtimePlane(() => rt!, { log: (l) => warnings.push(l) });
      rt = createRuntime({ config, store: memoryStore(), cwd: env.workDir, plane });
      await rt.sessions.spawn("helper", { handle: "bravo" });
      await rt.sessions.spawn("lead", { handle: "alpha" });

      const reply = await rt.sessions.send("alpha", "TOOL: aegis_list_sessions {}", "user");
      expect(reply).toContain("TOOL OUTPUT: ");
      const sessions = sessionsIn(reply);
      expect(sessions.map((s) => s.handle).sort()).toEqual(["alpha", "bravo"]);
      expect(sessions.find((s) => s.you)?.handle).toBe("alpha");

      const contact = plane.loaded?.contact("alpha");
      expect(contact?.toolsListedAt).toBeDefined();
      expect(contact?.toolCalls).toBe(1);
      expect(plane.loaded?.contact("bravo")).toBeUndefined();
      expect(plane.loaded?.refused).toBe(0);
      expect(warnings).toEqual([]);
    }, TIMEOUT_MS);
  });
}
