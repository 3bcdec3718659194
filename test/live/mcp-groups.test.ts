// The group tools with the real CLIs (#13): each CLI (Claude Code, Gemini CLI, OpenCode, Codex CLI from .live/), told
// by the loopback mock LLM to call them, makes a group of two Scripted members over the plane, broadcasts, gathers
// with majorityVote and dissolves it: the tools' schemas work in every CLI and the group's owner is the CLI's own
// session. Skips a CLI not installed in .live/.

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
function jsonIn(text: string): any {
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
  describe.skipIf(skipLive(cli))(`live ${cli}: the group tools (#13)`, () => {
    let env: LiveEnv | undefined;
    let rt: Runtime | undefined;
    let plane: RuntimePlane | undefined;

    afterAll(async () => {
      await rt?.close();
      await plane?.close();
      if (env) expect(await findTagged(env.tag)).toEqual([]);
      await env?.cleanup();
    }, TIMEOUT_MS);

    test("spawns, briefs, gathers by majority vote and dissolves a group over MCP", async () => {
      env = await makeLiveEnv(cli, mock);
      const config = testConfig({ lead: { provider: env.provider }, voter: { reply: () => "Yes." } }, {}, env.workDir);
      plane = runtimePlane(() => rt!, {});
      rt = createRuntime({ config, store: memoryStore(), cwd: env.workDir, plane });
      await rt.sessions.spawn("lead", { handle: "alpha" });
      const ask = async (line: string) => {
        const reply = await rt!.sessions.send("alpha", line, "user");
        expect(reply).toContain("TOOL OUTPUT: ");
        return jsonIn(reply);
      };
      const g = await ask('TOOL: aegis_group_spawn {"name":"crew","members":["voter","voter"]}');
      expect(g).toMatchObject({ name: "crew", owner: "agent:alpha", state: "active" });
      expect(await ask('TOOL: aegis_broadcast {"group":"crew","objective":"Ship it?","outputFormat":"yes or no"}')).toMatchObject({ broadcastId: 1 });
      const out = await ask('TOOL: aegis_gather {"group":"crew","reducer":"majorityVote","timeout":30}');
      expect(out.combined).toEqual({ winner: "yes", tie: [], votes: { yes: 2 } });
      expect(await ask('TOOL: aegis_dissolve {"group":"crew"}')).toMatchObject({ state: "dissolved" });
      expect(rt.sessions.list().map((s) => s.handle)).toEqual(["alpha"]);
    }, TIMEOUT_MS);
  });
}
