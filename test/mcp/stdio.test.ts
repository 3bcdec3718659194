// `aegis mcp` as a real process, driven by the MCP SDK's own stdio client: the caller is the operator, the tools act
// on the project's runtime (spawn, queues with workers in that process, workflows), stdout carries only MCP and the
// logs go to stderr; closing stdin ends the process.

import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { tempDir, type TempDir } from "../fixtures/helpers/temp-dir.ts";
import { waitFor, within } from "../fixtures/helpers/wait.ts";
import { call, callJson } from "./helpers.ts";

const MAIN = join(import.meta.dir, "..", "..", "src", "main.ts");

const CONFIG = `import { defineConfig, Scripted } from "aegis";
export default defineConfig({
  agents: {
    writer: { provider: new Scripted({ reply: (p) => "draft: " + p }) },
    reviewer: { provider: new Scripted({ reply: (p) => "reviewed: " + p }) },
  },
  queues: { review: { agent: "reviewer", maxParallel: 1 } },
  workflows: ["workflows/"],
});
`;

const WORKFLOW = `import { workflow } from "aegis";
export default workflow("shout", async (engine, { text }) => String(text).toUpperCase());
`;

let dir: TempDir | undefined;
let client: Client | undefined;
afterEach(async () => {
  await client?.close();
  dir?.remove();
});

async function startAegisMcp(): Promise<{ client: Client; stderr: () => string }> {
  dir = writeProject();
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [MAIN, "mcp", "--cwd", dir.path],
    env: { PATH: process.env.PATH ?? "", HOME: dir.path, NO_COLOR: "1" },
    stderr: "pipe",
  });
  let err = "";
  transport.stderr?.on("data", (chunk: Buffer) => (err += chunk.toString()));
  const c = new Client({ name: "aegis-stdio-test", version: "0.0.0" });
  await c.connect(transport);
  client = c;
  return { client: c, stderr: () => err };
}

function writeProject(): TempDir {
  const d = tempDir("aegis-mcp-stdio");
  writeFileSync(d.join(".aegis.ts"), CONFIG);
  mkdirSync(d.join("workflows"));
  writeFileSync(d.join("workflows", "shout.ts"), WORKFLOW);
  return d;
}

describe("aegis mcp (stdio)", () => {
  test("stdout carries only MCP messages, and the process exits 0 when stdin closes", async () => {
    dir = writeProject();
    const proc = Bun.spawn([process.execPath, MAIN, "mcp", "--cwd", dir.path], {
      stdin: "pipe", stdout: "pipe", stderr: "pipe", env: { PATH: process.env.PATH ?? "", HOME: dir.path, NO_COLOR: "1" },
    });
    const init = { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "0" } };
    await proc.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: init })}\n`);
    await proc.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "aegis_list_agents", arguments: {} } })}\n`);
    await proc.stdin.end();
    const [out, err, code] = await within(Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]), 10_000, "aegis mcp to exit");
    expect(code).toBe(0);
    const lines = out.trim().split("\n");
    expect(lines.map((l) => JSON.parse(l).id)).toEqual([1, 2]);
    expect(err).toContain("serving the aegis tools on stdio as the operator");
  });

  test("serves every tool as the operator, with logs on stderr", async () => {
    const { client, stderr } = await startAegisMcp();
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toHaveLength(21);
    expect(names).toContain("aegis_run_dynamic_workflow");
    expect(names).toContain("aegis_schedules");
    expect(names).toContain("aegis_group_spawn");
    expect(names).toContain("aegis_signal");
    expect(names).toContain("aegis_claim");
    expect(names).toContain("aegis_run_workflow");
    const meta = await call(client, "aegis_meta");
    expect(meta.text).toContain("You are the operator");
    expect(meta.text).toContain("Workflows (for aegis_run_workflow): execute-plan, fix-ci, prompt, review-branch, shout, tdd-cycle"); // built-ins too (#13)
    expect((await callJson(client, "aegis_list_agents")).agents).toEqual([
      { name: "writer", provider: "scripted", model: "scripted" },
      { name: "reviewer", provider: "scripted", model: "scripted" },
    ]);
    await waitFor(() => stderr().includes("serving the aegis tools on stdio"), { what: "the start-up log on stderr" });
  });

  test("spawns a peer recorded as spawned by the user, and hands off to it", async () => {
    const { client } = await startAegisMcp();
    const { handle } = await callJson(client, "aegis_spawn", { agent: "writer", prompt: "intro" });
    const { sessions } = await callJson(client, "aegis_list_sessions");
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ handle, agent: "writer", spawnedBy: "user", you: false });
    expect(await callJson(client, "aegis_handoff", { target: handle, context: "more" })).toMatchObject({ target: handle });
  });

  test("enqueues to a queue whose worker runs in the process, and runs a workflow to its result", async () => {
    const { client } = await startAegisMcp();
    const { taskId, callback } = await callJson(client, "aegis_enqueue", { queue: "review", payload: "the plan" });
    expect(callback).toBe(false);
    const task = await waitFor(async () => {
      const t = await callJson(client, "aegis_task_status", { taskId });
      return t.status === "done" ? t : undefined;
    }, { what: "the task to finish", timeoutMs: 10_000, intervalMs: 50 });
    expect(task).toMatchObject({ result: "reviewed: the plan", enqueuedBy: "user" });

    const { runId } = await callJson(client, "aegis_run_workflow", { name: "shout", args: { text: "hey" } });
    expect(runId).toStartWith("run_");
    const run = await waitFor(async () => {
      const r = await callJson(client, "aegis_workflow_status", { runId });
      return r.status === "done" ? r : undefined;
    }, { what: "the run to finish", timeoutMs: 10_000, intervalMs: 50 });
    expect(run).toMatchObject({ workflow: "shout", result: "HEY", caller: null });
    expect(await call(client, "aegis_run_workflow", { name: "nope" })).toEqual({ isError: true, text: 'E_NOT_FOUND: unknown workflow "nope" (known: execute-plan, fix-ci, prompt, review-branch, shout, tdd-cycle)' });
    expect(await call(client, "aegis_workflow_status", { runId: "run_nope" })).toEqual({ isError: true, text: 'E_NOT_FOUND: unknown workflow run "run_nope"' });
  });
});
