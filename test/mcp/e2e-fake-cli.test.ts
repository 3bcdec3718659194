// End to end through the real composition root with fake-claude agents that call the plane's tools mid-turn
// (`MCP: aegis <tool> <json>` makes fake-claude call the http MCP server it was given): A enqueues with callback,
// the worker completes, the result lands in A's inbox and wakes it; A hands off to B and B's next turn carries
// A's header; A starts a workflow and its result comes back. And a CLI that cannot use the plane is noticed after
// its first turn. A workflow A started asks A, and A's reply is the answer.

import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { ClaudeCode } from "../../src/config/providers.ts";
import { validateConfig } from "../../src/config/validate.ts";
import { runtimePlane } from "../../src/mcp/runtime-plane.ts";
import { createRuntime, type Runtime } from "../../src/runtime.ts";
import { tempDir, type TempDir } from "../fixtures/helpers/temp-dir.ts";
import { waitFor } from "../fixtures/helpers/wait.ts";
import { memoryStore, testConfig } from "../session/fixtures.ts";

const FAKE_CLAUDE = join(import.meta.dir, "..", "fixtures", "bin", "fake-claude");

function fakeClaude(dir: TempDir): { provider: ClaudeCode } {
  return {
    provider: new ClaudeCode({
      model: "claude-sonnet-4-5", permission: "full", bin: FAKE_CLAUDE,
      env: {
        FAKE_CLAUDE_STATE_DIR: dir.join("fake-state"), IS_SANDBOX: "1",
        // fake-claude is a `#!/usr/bin/env bun` script: the bun running the tests must be on its PATH.
        PATH: `${join(import.meta.dir, "..", "..", "node_modules", ".bin")}:${dirname(process.execPath)}:${process.env.PATH ?? "/usr/bin:/bin"}`,
      },
    }),
  };
}

let dir: TempDir | undefined;
let rt: Runtime | undefined;
afterEach(async () => {
  await rt?.close();
  rt = undefined;
  dir?.remove();
});

function runtimeWithFakeClis(): Runtime {
  dir = tempDir("aegis-mcp-e2e");
  const agent = fakeClaude(dir);
  const config = testConfig({ lead: agent, peer: agent, worker: agent }, { review: { agent: "worker", maxParallel: 1 } }, dir.path);
  // The runtime's own plane: exactly what `aegis run`, `ask` and `work` give every session.
  rt = createRuntime({ config, store: memoryStore(), cwd: dir.path, queues: { pollMs: 0 } });
  void rt.queues.start();
  return rt;
}

const lastText = (r: Runtime, handle: string) => r.sessions.get(handle)?.lastText ?? "";

describe("agents using the plane mid-turn (fake-claude)", () => {
  test("A enqueues with callback; the worker's result lands in A's inbox and wakes A", async () => {
    const r = runtimeWithFakeClis();
    await r.sessions.spawn("lead", { handle: "alpha" });
    const reply = await r.sessions.send("alpha", 'MCP: aegis aegis_enqueue {"queue":"review","payload":"check the parser"}', "user");
    expect(reply).toStartWith("TOOL OUTPUT: ");
    const { taskId, callback } = JSON.parse(reply.slice("TOOL OUTPUT: ".length));
    expect(callback).toBe(true);
    expect((await r.queues.status(taskId))?.enqueuedBy).toBe("agent:alpha");
    // The callback starts a new turn of alpha's: fake-claude echoes what it was given.
    const woke = await waitFor(() => (lastText(r, "alpha").startsWith("ECHO: > from queue:review") ? lastText(r, "alpha") : undefined), {
      what: "alpha's callback turn", timeoutMs: 10_000,
    });
    expect(woke).toMatch(new RegExp(`^ECHO: > from queue:review · task#${taskId} · ok · \\S+Z\\nECHO: check the parser$`));
    expect((await r.queues.status(taskId))).toMatchObject({ status: "done", result: "ECHO: check the parser" });
  });

  test("A hands off to B; B's next turn carries A's header", async () => {
    const r = runtimeWithFakeClis();
    await r.sessions.spawn("lead", { handle: "alpha" });
    await r.sessions.spawn("peer", { handle: "bravo" });
    const reply = await r.sessions.send("alpha", 'MCP: aegis aegis_handoff {"target":"bravo","context":"please review the plan","from_handle":"zulu"}', "user");
    expect(reply).toContain('"summary": "landed at bravo"');
    const got = await waitFor(() => (lastText(r, "bravo").startsWith("ECHO: > from") ? lastText(r, "bravo") : undefined), {
      what: "bravo's turn", timeoutMs: 10_000,
    });
    expect(got).toMatch(/^ECHO: > from agent:alpha · \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\nplease review the plan$/);
    // And B can see who is around, under its own identity.
    const list = await r.sessions.send("bravo", "MCP: aegis aegis_list_sessions {}", "user");
    const { sessions } = JSON.parse(list.slice("TOOL OUTPUT: ".length)) as { sessions: { handle: string; you: boolean }[] };
    expect(sessions.find((s) => s.you)?.handle).toBe("bravo");
    expect(sessions.map((s) => s.handle).sort()).toEqual(["alpha", "bravo"]);
  });

  test("A starts one of the project's workflows (loaded by the plane); the result lands in A's inbox", async () => {
    dir = tempDir("aegis-mcp-e2e");
    mkdirSync(dir.join("workflows"));
    writeFileSync(dir.join("workflows", "greet.ts"), `import { workflow } from "aegis";
export default workflow("e2e-greet", async (engine, { who }) => "hello " + who + " from a run started by " + engine.callerHandle);
`);
    const config = validateConfig({ agents: { lead: fakeClaude(dir) }, workflows: ["workflows/"] }, dir.join(".aegis.ts"), dir.path);
    const r = (rt = createRuntime({ config, store: memoryStore(), cwd: dir.path, queues: { pollMs: 0 } }));
    await r.sessions.spawn("lead", { handle: "alpha" });
    const reply = await r.sessions.send("alpha", 'MCP: aegis aegis_run_workflow {"name":"e2e-greet","args":{"who":"bob"}}', "user");
    const { runId } = JSON.parse(reply.slice("TOOL OUTPUT: ".length));
    expect(runId).toStartWith("run_");
    const woke = await waitFor(() => (lastText(r, "alpha").startsWith("ECHO: > from workflow:") ? lastText(r, "alpha") : undefined), {
      what: "alpha's workflow callback turn", timeoutMs: 10_000,
    });
    expect(woke).toMatch(new RegExp(`^ECHO: > from workflow:e2e-greet · \\S+Z\\nrun ${runId} done:\\nhello bob from a run started by alpha$`));
  });

  test("a workflow A started asks A (#9): the question arrives under a workflow header and A's reply is the answer", async () => {
    dir = tempDir("aegis-mcp-e2e");
    mkdirSync(dir.join("workflows"));
    writeFileSync(dir.join("workflows", "ask.ts"), `import { workflow } from "aegis";
export default workflow("e2e-ask", async (engine) => "answer: " + (await engine.askHuman("Which branch?")));
`);
    const config = validateConfig({ agents: { lead: fakeClaude(dir) }, workflows: ["workflows/"] }, dir.join(".aegis.ts"), dir.path);
    const r = (rt = createRuntime({ config, store: memoryStore(), cwd: dir.path, queues: { pollMs: 0 } }));
    await r.sessions.spawn("lead", { handle: "alpha" });
    const reply = await r.sessions.send("alpha", 'MCP: aegis aegis_run_workflow {"name":"e2e-ask"}', "user");
    const { runId } = JSON.parse(reply.slice("TOOL OUTPUT: ".length));
    // fake-claude echoes what it reads, so its answer is the question as it arrived; the callback then carries it.
    const woke = await waitFor(() => (lastText(r, "alpha").includes(`run ${runId} done:`) ? lastText(r, "alpha") : undefined), {
      what: "alpha's workflow callback turn", timeoutMs: 10_000,
    });
    expect(woke).toMatch(new RegExp(`^ECHO: > from workflow:e2e-ask · \\S+Z\\nrun ${runId} done:\\nanswer: ECHO: > from workflow:e2e-ask · \\S+Z\\n` +
      `The workflow e2e-ask \\(run ${runId}\\) asks: Which branch\\?\\nYour reply is the answer\\.$`));
  });

  test("a CLI that could not load the tools is reported after its first turn", async () => {
    dir = tempDir("aegis-mcp-e2e");
    const config = testConfig({ lead: fakeClaude(dir) }, {}, dir.path);
    const warnings: string[] = [];
    let runtime: Runtime | undefined;
    const plane = runtimePlane(() => runtime!, { log: (l) => warnings.push(l) });
    runtime = rt = createRuntime({
      config, store: memoryStore(), cwd: dir.path, queues: { pollMs: 0 },
      plane: {
        // A wrong secret: the CLI starts anyway, silently without the tools.
        attach: async (h) => {
          const a = await plane.attach(h);
          return { ...a, mcpServers: a.mcpServers.map((s) => (s.type === "http" ? { ...s, headers: { Authorization: "Bearer wrong" } } : s)) };
        },
        detach: (h) => plane.detach(h),
      },
    });
    await runtime.sessions.spawn("lead", { handle: "alpha" });
    const reply = await runtime.sessions.send("alpha", "MCP: aegis aegis_meta {}", "user");
    expect(reply).toContain("not connected");
    const warning = await waitFor(() => warnings.find((w) => w.includes("without loading")), { what: "the missing-tools warning" });
    expect(warning).toContain("session alpha (claude-code) finished a turn without loading aegis's MCP tools");
    expect(plane.loaded?.refused).toBeGreaterThan(0);
    await plane.close();
  });
});
