// The MCP plane with a real generic ACP agent: GitHub Copilot CLI (.live/) configured as `new ACPAgent({...})`,
// spawned through the real runtime (which attaches the plane over HTTP, as Copilot's mcpCapabilities allow), told by
// the mock model to call aegis_list_sessions (read-only: Copilot calls it unasked) and aegis_cancel (Copilot asks
// permission; at "write" aegis's policy must recognise the call as one of its own tools and allow it). The call must reach the plane
// authenticated as that session's handle, and the output must mark that handle as the caller (#10).
// Skips cleanly, with the reason printed, when Copilot CLI is not installed.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { runtimePlane, type RuntimePlane } from "../../src/mcp/runtime-plane.ts";
import { createRuntime, type Runtime } from "../../src/runtime.ts";
import { memoryStore, testConfig } from "../session/fixtures.ts";
import { makeCopilotEnv, skipCopilot, type CopilotEnv } from "./copilot-env.ts";
import { findTagged } from "./live-helpers.ts";
import { startMockLlm, type MockLlm } from "./mock-llm.ts";

const TIMEOUT_MS = 90_000;

/** The JSON object in a tool output the mock echoed back (the CLI may wrap tool output in text of its own). */
function sessionsIn(text: string): Array<{ handle: string; you: boolean }> {
  const start = text.indexOf("{");
  const end = text.lastIndexOf("}");
  if (start < 0 || end < start) throw new Error(`no JSON object in the reply: ${text}`);
  return (JSON.parse(text.slice(start, end + 1)) as { sessions: Array<{ handle: string; you: boolean }> }).sessions;
}

describe.skipIf(skipCopilot())("live GitHub Copilot CLI (ACPAgent) through the MCP plane (#10)", () => {
  let mock: MockLlm;
  let env: CopilotEnv | undefined;
  let rt: Runtime | undefined;
  let plane: RuntimePlane | undefined;
  const warnings: string[] = [];
  beforeAll(() => {
    mock = startMockLlm();
  });
  afterAll(async () => {
    await rt?.close();
    await plane?.close();
    if (env) expect(findTagged(env.tag)).toEqual([]);
    await env?.cleanup();
    await mock?.stop();
  }, TIMEOUT_MS);

  test("told to call aegis_list_sessions and aegis_cancel at permission write, Copilot reaches the plane as its own handle", async () => {
    env = await makeCopilotEnv(mock);
    const config = testConfig({ lead: { provider: env.agent("write") }, helper: { reply: () => "ok" } }, {}, env.workDir);
    plane = runtimePlane(() => rt!, { log: (l) => warnings.push(l) });
    rt = createRuntime({ config, store: memoryStore(), cwd: env.workDir, plane });
    await rt.sessions.spawn("helper", { handle: "bravo" });
    await rt.sessions.spawn("lead", { handle: "alpha" });

    const reply = await rt.sessions.send("alpha", "TOOL: aegis_list_sessions {}", "user");
    expect(reply).toContain("TOOL OUTPUT: ");
    const sessions = sessionsIn(reply);
    expect(sessions.map((s) => s.handle).sort()).toEqual(["alpha", "bravo"]);
    expect(sessions.find((s) => s.you)?.handle).toBe("alpha");

    // aegis_cancel is not read-only, so Copilot asks first; the policy must know it as aegis's own (named
    // `aegis-aegis_cancel` by Copilot) and allow it at write. The call reaches the plane as alpha's.
    const cancel = await rt.sessions.send("alpha", 'TOOL: aegis_cancel {"taskId":"task_nope"}', "user");
    expect(cancel).toContain("TOOL OUTPUT: ");
    expect(cancel).toContain("task_nope");
    expect(cancel).not.toContain("rejected");

    const contact = plane.loaded?.contact("alpha");
    expect(contact?.toolCalls).toBe(2);
    expect(plane.loaded?.contact("bravo")).toBeUndefined();
    expect(plane.loaded?.refused).toBe(0);
    expect(warnings).toEqual([]);
  }, TIMEOUT_MS);
});
