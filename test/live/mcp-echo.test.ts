// The stdio MCP stub (test/fixtures/mcp-echo.ts) speaks the MCP subset the CLIs use, and logs its tool calls.

import { afterEach, expect, test } from "bun:test";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const FIXTURE = join(import.meta.dir, "..", "fixtures", "mcp-echo.ts");
let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

test("mcp-echo answers initialize, tools/list and tools/call, then exits on stdin EOF", async () => {
  dir = await mkdtemp(join(tmpdir(), "aegis-mcp-echo-"));
  const log = join(dir, "calls.log");
  const proc = Bun.spawn([process.execPath, FIXTURE], {
    stdin: "pipe", stdout: "pipe", stderr: "pipe", env: { ...process.env, MCP_ECHO_LOG: log },
  });
  const frames = [
    { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "0" } } },
    { jsonrpc: "2.0", method: "notifications/initialized" },
    { jsonrpc: "2.0", id: 2, method: "tools/list", params: {} },
    { jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "echo", arguments: { text: "pong" } } },
    { jsonrpc: "2.0", id: 4, method: "tools/call", params: { name: "nope", arguments: {} } },
  ];
  await proc.stdin.write(`${frames.map((f) => JSON.stringify(f)).join("\n")}\n`);
  await proc.stdin.end();
  const exit = await Promise.race([proc.exited, Bun.sleep(10_000).then(() => "timeout" as const)]);
  if (exit === "timeout") proc.kill("SIGKILL");
  expect(exit).toBe(0);

  const replies = (await new Response(proc.stdout).text()).trim().split("\n").map((l) => JSON.parse(l) as Record<string, any>);
  expect(replies.map((r) => r.id)).toEqual([1, 2, 3, 4]); // the notification got no answer
  expect(replies[0]?.result.protocolVersion).toBe("2025-06-18");
  expect(replies[1]?.result.tools.map((t: { name: string }) => t.name)).toEqual(["echo"]);
  expect(replies[2]?.result.content).toEqual([{ type: "text", text: "MCP ECHO: pong" }]);
  expect(replies[3]?.error.code).toBe(-32602);

  const logged = (await readFile(log, "utf8")).trim().split("\n").map((l) => JSON.parse(l) as { tool: string; args: unknown });
  expect(logged).toHaveLength(1);
  expect(logged[0]).toMatchObject({ tool: "echo", args: { text: "pong" } });
});
