// The live suite every CLI driver runs against its real CLI (installed in .live/) and the loopback mock LLM: text
// turn, multi-turn memory, shell tool, MCP tool, interrupt, API error, read-only permission, and resume. One file per
// CLI calls `defineLiveSuite` with that CLI's few differences. Skips cleanly, with the reason printed, when the CLI is
// not installed. Each test gets a fresh temp home and work dir and closes its session.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Permission } from "../../src/config/providers.ts";
import type { DriverSession, StartOptions } from "../../src/drivers/driver.ts";
import { startAgent } from "../../src/drivers/registry.ts";
import { type LiveEnv, makeLiveEnv } from "./cli-env.ts";
import { type LiveCliName, skipLive } from "./live-install.ts";
import { findTagged, runTurn, waitFor } from "./live-helpers.ts";
import { type ApiName, type MockLlm, startMockLlm } from "./mock-llm.ts";

export interface LiveSuiteOptions {
  /** The wire API this CLI speaks to the mock. */
  api: ApiName;
  /** The status `MOCK_ERROR` asks for: one the CLI gives up on quickly (see the per-CLI file for why). */
  errorStatus: number;
  /** Whether the CLI reports a shell command's output in its tool-call updates (Gemini only tells the model). */
  shellOutputInToolResult: boolean;
  /** Per-test bound, generous: a CLI start is 0.5–3 s here, a turn well under a second. */
  testTimeoutMs: number;
}

export function defineLiveSuite(cli: LiveCliName, o: LiveSuiteOptions): void {
  describe.skipIf(skipLive(cli))(`live ${cli} via the aegis driver`, () => {
    let mock: MockLlm;
    beforeAll(() => {
      mock = startMockLlm();
    });
    afterAll(async () => {
      await mock.stop();
    });

    /** Starts a session in a fresh env, runs `fn`, then closes the session and removes the env. */
    async function withSession(
      opts: { permission?: Permission; start?: (env: LiveEnv) => Partial<StartOptions> },
      fn: (session: DriverSession, env: LiveEnv) => Promise<void>,
    ): Promise<void> {
      await using env = await makeLiveEnv(cli, mock, { permission: opts.permission });
      const session = await startAgent(env.provider, { cwd: env.workDir, handle: `live-${cli}`, ...opts.start?.(env) });
      try {
        await fn(session, env);
      } finally {
        await session.close();
      }
      // close() must leave nothing behind: not the CLI, not its MCP servers, not a tool's shell.
      await waitFor("no process left with the test's tag", () => findTagged(env.tag).length === 0, 3_000).catch(() => {
        throw new Error(`left behind after close(): ${JSON.stringify(findTagged(env.tag))}`);
      });
    }

    test("a text turn streams the mock's reply and ends with one successful turn_end", async () => {
      await withSession({}, async (session) => {
        const before = mock.modelRequests(o.api).length;
        const turn = await runTurn(session, "hello from aegis");
        expect(turn.text).toContain("ECHO: hello from aegis");
        expect(turn.end.isError).toBe(false);
        expect(turn.end.usage.input).toBeGreaterThan(0);
        const init = turn.events.find((e) => e.type === "init");
        expect(init?.type === "init" && init.providerSessionId.length > 0).toBe(true);
        expect(session.providerSessionId).toBeTruthy();
        expect(mock.modelRequests(o.api).length).toBeGreaterThan(before);
      });
    }, o.testTimeoutMs);

    test("several turns on one process keep the conversation (memory)", async () => {
      await withSession({}, async (session) => {
        const pid = session.pid;
        expect((await runTurn(session, "first: alpha")).text).toContain("ECHO: first: alpha");
        expect((await runTurn(session, "second: beta")).text).toContain("ECHO: second: beta");
        const recall = await runTurn(session, "RECALL");
        expect(recall.text).toMatch(/first: alpha \| second: beta/);
        expect(session.pid).toBe(pid);
      });
    }, o.testTimeoutMs);

    test("a shell tool call runs and its output reaches the model", async () => {
      await withSession({}, async (session) => {
        const turn = await runTurn(session, "RUN: echo live-shell-ok");
        expect(turn.end.isError).toBe(false);
        const call = turn.toolCalls.find((c) => c.kind === "execute");
        expect(call).toBeDefined();
        const result = turn.toolResults.find((r) => r.id === call?.id);
        expect(result?.ok).toBe(true);
        if (o.shellOutputInToolResult) expect(result?.text).toContain("live-shell-ok");
        expect(turn.text).toContain("TOOL OUTPUT:");
        expect(turn.text).toContain("live-shell-ok");
      });
    }, o.testTimeoutMs);

    test("an MCP tool call reaches the stdio MCP server given in mcpServers", async () => {
      await withSession({ start: (env) => ({ mcpServers: [env.mcpEcho] }) }, async (session, env) => {
        const turn = await runTurn(session, 'TOOL: echo {"text":"pong"}');
        expect(turn.end.isError).toBe(false);
        const call = turn.toolCalls.find((c) => c.name.includes("echo"));
        expect(call).toBeDefined();
        const result = turn.toolResults.find((r) => r.id === call?.id);
        expect(result?.ok).toBe(true);
        expect(result?.text).toContain("MCP ECHO: pong");
        expect(turn.text).toContain("MCP ECHO: pong");
        expect(await env.mcpEchoCalls()).toMatchObject([{ tool: "echo", args: { text: "pong" } }]);
      });
    }, o.testTimeoutMs);

    test("interrupt stops a running shell tool; the next turn works on the same process", async () => {
      await withSession({}, async (session, env) => {
        let interrupted = false;
        const turn = await runTurn(session, "SLEEP_TOOL", {
          timeoutMs: 15_000, // far below the tool's 30 s: the turn only ends this soon if the interrupt worked
          onEvent: async (ev) => {
            if (interrupted || ev.type !== "tool_call") return;
            interrupted = true;
            // Interrupt once the command really runs, not merely when the CLI announced it.
            await waitFor("sleep 30 to start", () => findTagged(env.tag).some((p) => p.cmdline.includes("sleep 30")));
            await session.interrupt();
          },
        });
        expect(interrupted).toBe(true);
        expect(turn.end.isError || turn.end.stopReason === "cancelled").toBe(true);
        const next = await runTurn(session, "after the interrupt");
        expect(next.end.isError).toBe(false);
        expect(next.text).toContain("ECHO: after the interrupt");
      });
    }, o.testTimeoutMs);

    test("an API error ends the turn as an error turn_end; the session recovers", async () => {
      await withSession({}, async (session) => {
        const turn = await runTurn(session, `MOCK_ERROR: ${o.errorStatus}`);
        expect(turn.end.isError).toBe(true);
        expect(turn.end.error ?? "").toContain("mock-llm scripted error");
        const failed = mock.modelRequests(o.api).filter((r) => r.reply?.kind === "error");
        expect(failed.length).toBeGreaterThan(0);
        const next = await runTurn(session, "after the error");
        expect(next.end.isError).toBe(false);
        expect(next.text).toContain("ECHO: after the error");
      });
    }, o.testTimeoutMs);

    test("read permission: a file write and a shell touch leave no file behind", async () => {
      await withSession({ permission: "read" }, async (session, env) => {
        const written = join(env.workDir, "written-by-read-agent.txt");
        const touched = join(env.workDir, "touched-by-read-agent.txt");
        // The CLI either hides the tool from the model (the mock then answers in text) or refuses the call.
        const write = await runTurn(session, `WRITE: ${written} must not exist`);
        expect(write.toolResults.filter((r) => r.ok)).toEqual([]);
        const touch = await runTurn(session, `RUN: touch ${touched}`);
        expect(touch.toolResults.filter((r) => r.ok)).toEqual([]);
        expect(existsSync(written)).toBe(false);
        expect(existsSync(touched)).toBe(false);
      });
    }, o.testTimeoutMs);

    test("full permission: the same write and touch do create the files (control for the read test)", async () => {
      await withSession({ permission: "full" }, async (session, env) => {
        const written = join(env.workDir, "written-by-full-agent.txt");
        const touched = join(env.workDir, "touched-by-full-agent.txt");
        await runTurn(session, `WRITE: ${written} written by a full agent`);
        await runTurn(session, `RUN: touch ${touched}`);
        expect(existsSync(written)).toBe(true);
        expect(await Bun.file(written).text()).toContain("written by a full agent");
        expect(existsSync(touched)).toBe(true);
      });
    }, o.testTimeoutMs);

    test("resume: a new process given the provider session id remembers the conversation", async () => {
      await using env = await makeLiveEnv(cli, mock);
      const first = await startAgent(env.provider, { cwd: env.workDir, handle: `live-${cli}` });
      let id: string | undefined;
      try {
        await runTurn(first, "remember: gamma");
        id = first.providerSessionId;
      } finally {
        await first.close();
      }
      expect(id).toBeTruthy();
      const second = await startAgent(env.provider, { cwd: env.workDir, handle: `live-${cli}`, resumeId: id });
      try {
        const recall = await runTurn(second, "RECALL");
        expect(recall.end.isError).toBe(false);
        expect(recall.text).toContain("remember: gamma");
        expect(second.providerSessionId).toBe(id);
      } finally {
        await second.close();
      }
    }, o.testTimeoutMs);
  });
}
