// The MCP plane inside the compiled binary, run from a folder with no node_modules: `aegis mcp` serves the tools on
// stdio (the SDK is bundled and loaded lazily), and a fake-claude session spawned through it reaches the HTTP plane
// mid-turn: its handoff wakes a peer.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { waitFor } from "../fixtures/helpers/wait.ts";
import { callJson } from "./helpers.ts";
import { compileAegis } from "../../scripts/compile.ts";

const ROOT = join(import.meta.dir, "..", "..");
const FAKE_CLAUDE = join(ROOT, "test", "fixtures", "bin", "fake-claude");
const dir = mkdtempSync(join(tmpdir(), "aegis-mcp-binary-"));
const bin = join(dir, "aegis");
/** Where `bun` is found: node_modules/.bin (the pinned bun), and the folder of the bun running the tests. */
const BUN_PATH = `${join(ROOT, "node_modules", ".bin")}:${dirname(process.execPath)}:/usr/bin:/bin`;

beforeAll(async () => {
  await compileAegis(bin);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("the binary's `aegis mcp` serves the tools, and a session it spawns uses the HTTP plane", async () => {
  const project = join(dir, "project");
  mkdirSync(project);
  writeFileSync(join(project, ".aegis.ts"), `import { defineConfig, Scripted, ClaudeCode } from "aegis";
export default defineConfig({
  agents: {
    lead: { provider: new ClaudeCode({ model: "claude-sonnet-4-5", permission: "full", bin: ${JSON.stringify(FAKE_CLAUDE)},
      env: { IS_SANDBOX: "1", FAKE_CLAUDE_STATE_DIR: ${JSON.stringify(join(dir, "fake-state"))}, PATH: ${JSON.stringify(BUN_PATH)} } }) },
    helper: { provider: new Scripted({ reply: (p) => "helped: " + p }) },
  },
});
`);
  expect(existsSync(join(project, "node_modules"))).toBe(false);
  const client = new Client({ name: "binary-test", version: "0" });
  // fake-claude is a `#!/usr/bin/env bun` script: its provider env puts bun on its PATH.
  await client.connect(new StdioClientTransport({
    command: bin, args: ["mcp"], cwd: project, stderr: "pipe",
    env: { PATH: "/usr/bin:/bin", HOME: dir, NO_COLOR: "1" },
  }));
  try {
    expect((await client.listTools()).tools).toHaveLength(21);
    const helper = (await callJson(client, "aegis_spawn", { agent: "helper" })).handle as string;
    const prompt = `MCP: aegis aegis_handoff ${JSON.stringify({ target: helper, context: "hello from lead" })}`;
    await callJson(client, "aegis_spawn", { agent: "lead", prompt });
    // The helper only gets a turn if the lead's handoff went through the HTTP plane.
    const woke = await waitFor(async () => {
      const { sessions } = await callJson(client, "aegis_list_sessions");
      return sessions.find((s: { handle: string; tokens: { input: number } }) => s.handle === helper && s.tokens.input > 0);
    }, { what: "the helper's turn", timeoutMs: 15_000, intervalMs: 100 });
    expect(woke.agent).toBe("helper");
  } finally {
    await client.close();
  }
}, 30_000);
