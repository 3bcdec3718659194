// Groups over the real composition root (#13): a fake-claude session calls the group tools mid-turn (`MCP: aegis
// <tool> <json>`), over the plane aegis gives every session, with the secret it was given: it spawns a group of two
// fake-claude members, broadcasts, gathers their replies (each echoes the brief under the group's header), and a
// member calling aegis_dissolve on its own group is refused, whatever its arguments claim.

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
  dir = tempDir("aegis-mcp-groups");
  const agent = {
    provider: new ClaudeCode({
      model: "claude-sonnet-4-5", permission: "full", bin: FAKE_CLAUDE,
      env: {
        FAKE_CLAUDE_STATE_DIR: dir.join("fake-state"), IS_SANDBOX: "1",
        PATH: `${join(import.meta.dir, "..", "..", "node_modules", ".bin")}:${dirname(process.execPath)}:${process.env.PATH ?? "/usr/bin:/bin"}`,
      },
    }),
  };
  rt = createRuntime({ config: testConfig({ lead: agent, member: agent }, {}, dir.path), store: memoryStore(), cwd: dir.path, queues: { pollMs: 0 } });
  return rt;
}

/** Has the session call one plane tool; returns the tool's result text (fake-claude answers `TOOL OUTPUT: <text>`). */
async function tool(r: Runtime, handle: string, name: string, args: Record<string, unknown>): Promise<string> {
  const reply = await r.sessions.send(handle, `MCP: aegis ${name} ${JSON.stringify(args)}`, "user");
  expect(reply).toStartWith("TOOL OUTPUT: ");
  return reply.slice("TOOL OUTPUT: ".length);
}

test("a fake-claude session spawns a group over MCP, broadcasts and gathers; a member cannot dissolve it (#13)", async () => {
  const r = runtime();
  await r.sessions.spawn("lead", { handle: "alpha" });
  const g = JSON.parse(await tool(r, "alpha", "aegis_group_spawn", { name: "crew", members: ["member", "member"] }));
  expect(g).toMatchObject({ name: "crew", owner: "agent:alpha", state: "active", hosted: true });
  const [m1, m2] = g.members.map((m: { handle: string }) => m.handle);
  expect(r.sessions.get(m1)?.spawnedBy).toBe("agent:alpha");

  const sent = JSON.parse(await tool(r, "alpha", "aegis_broadcast", { group: "crew", objective: "Say hi", outputFormat: "one line" }));
  expect(sent).toMatchObject({ broadcastId: 1, from: "group:crew/broadcast:1", members: [m1, m2] });
  const out = JSON.parse(await tool(r, "alpha", "aegis_gather", { group: "crew", reducer: "joinByHandle", timeout: 20 }));
  expect(out).toMatchObject({ errors: [], timeouts: [] });
  for (const h of [m1, m2]) {
    expect(out.byMember[h]).toMatch(/^ECHO: > from group:crew\/broadcast:1 · \S+Z\n## Objective\nSay hi\n\n## Output format\none line\n/);
    expect(out.combined).toContain(`### ${h}\nECHO: > from group:crew/broadcast:1`);
  }

  const refused = await tool(r, m1, "aegis_dissolve", { group: g.groupId, owner: "agent:alpha", from_handle: "alpha" });
  expect(refused).toStartWith(`E_PERMISSION: group crew (${g.groupId}) belongs to agent:alpha, not to you (agent:${m1})`);
  const status = JSON.parse(await tool(r, m2, "aegis_group_status", { group: g.groupId }));
  expect(status).toMatchObject({ state: "active", broadcasts: 1, lastGather: { broadcastId: 1, reducer: "joinByHandle" } });

  const dissolved = JSON.parse(await tool(r, "alpha", "aegis_dissolve", { group: "crew" }));
  expect(dissolved).toMatchObject({ state: "dissolved", members: [{ state: "closed" }, { state: "closed" }] });
  expect(r.sessions.get(m1)).toBeUndefined();
}, 30_000);
