// The live suite every CLI driver runs against its real CLI (installed in .live/) and the loopback mock LLM. One file
// per CLI calls `defineLiveSuite` with that CLI's few differences. Skips cleanly, with the reason printed, when the
// CLI is not installed.
//
// CLI start-up dominates the run time (0.5–3 s each here, several times that on a loaded 2-core machine), so the
// conversation tests share one process, in order, as a real session would: text turn, memory, shell tool, MCP tool,
// interrupt, API error, then close leaving nothing behind. Permission and resume need their own processes
// (live-suite-isolated.ts). Every session gets a fresh temp home and work dir.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { DriverSession } from "../../src/drivers/driver.ts";
import { startAgent } from "../../src/drivers/registry.ts";
import { type LiveEnv, makeLiveEnv } from "./cli-env.ts";
import { type LiveCliName, skipLive } from "./live-install.ts";
import { findTagged, runTurn, waitFor } from "./live-helpers.ts";
import { defineIsolatedLiveTests } from "./live-suite-isolated.ts";
import { type ApiName, type MockLlm, startMockLlm } from "./mock-llm.ts";

export interface LiveSuiteOptions {
  /** The wire API this CLI speaks to the mock. */
  api: ApiName;
  /** The status `MOCK_ERROR` asks for: one the CLI gives up on quickly (see the per-CLI file for why). */
  errorStatus: number;
  /** Whether the CLI reports a shell command's output in its tool-call updates (Gemini only tells the model). */
  shellOutputInToolResult: boolean;
  /** Bound for a test that starts a CLI; turns on a running CLI get a third of it. */
  testTimeoutMs: number;
  /** Runs between the first session's close and the resume, to stand in for time passing (see gemini.test.ts). */
  beforeResume?: (env: LiveEnv) => Promise<void>;
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

    defineConversationTests(cli, o, () => mock);
    defineIsolatedLiveTests(cli, o, () => mock);
  });
}

/** Turns on one shared process with the MCP stub attached. Bun runs them in order; each relies on the one before. */
function defineConversationTests(cli: LiveCliName, o: LiveSuiteOptions, getMock: () => MockLlm): void {
  describe("one session, turn after turn", () => {
    let env: LiveEnv;
    let session: DriverSession | undefined;
    const turnMs = Math.round(o.testTimeoutMs / 3);
    const live = (): DriverSession => {
      if (!session) throw new Error("the shared session did not start (see the first failure)");
      return session;
    };

    beforeAll(async () => {
      env = await makeLiveEnv(cli, getMock());
      session = await startAgent(env.provider, { cwd: env.workDir, handle: `live-${cli}`, mcpServers: [env.mcpEcho] });
    }, o.testTimeoutMs);

    afterAll(async () => {
      await session?.close();
      await env?.cleanup();
    });

    test("a text turn streams the mock's reply and ends with one successful turn_end", async () => {
      const before = getMock().modelRequests(o.api).length;
      const turn = await runTurn(live(), "hello from aegis", { timeoutMs: turnMs });
      expect(turn.text).toContain("ECHO: hello from aegis");
      expect(turn.end.isError).toBe(false);
      expect(turn.end.usage.input).toBeGreaterThan(0);
      const init = turn.events.find((e) => e.type === "init");
      expect(init?.type === "init" && init.providerSessionId.length > 0).toBe(true);
      expect(live().providerSessionId).toBeTruthy();
      expect(getMock().modelRequests(o.api).length).toBeGreaterThan(before);
    }, o.testTimeoutMs);

    test("later turns on the same process remember the earlier ones", async () => {
      const pid = live().pid;
      expect((await runTurn(live(), "first: alpha", { timeoutMs: turnMs })).text).toContain("ECHO: first: alpha");
      expect((await runTurn(live(), "second: beta", { timeoutMs: turnMs })).text).toContain("ECHO: second: beta");
      const recall = await runTurn(live(), "RECALL", { timeoutMs: turnMs });
      expect(recall.text).toContain("hello from aegis | first: alpha | second: beta");
      expect(live().pid).toBe(pid);
    }, o.testTimeoutMs);

    test("a shell tool call runs and its output reaches the model", async () => {
      const turn = await runTurn(live(), "RUN: echo live-shell-ok", { timeoutMs: turnMs });
      expect(turn.end.isError).toBe(false);
      const call = turn.toolCalls.find((c) => c.kind === "execute");
      expect(call).toBeDefined();
      const result = turn.toolResults.find((r) => r.id === call?.id);
      expect(result?.ok).toBe(true);
      if (o.shellOutputInToolResult) expect(result?.text).toContain("live-shell-ok");
      expect(turn.text).toContain("TOOL OUTPUT:");
      expect(turn.text).toContain("live-shell-ok");
    }, o.testTimeoutMs);

    test("an MCP tool call reaches the stdio MCP server given in mcpServers", async () => {
      const turn = await runTurn(live(), 'TOOL: echo {"text":"pong"}', { timeoutMs: turnMs });
      expect(turn.end.isError).toBe(false);
      const call = turn.toolCalls.find((c) => c.name.includes("echo"));
      expect(call).toBeDefined();
      const result = turn.toolResults.find((r) => r.id === call?.id);
      expect(result?.ok).toBe(true);
      expect(result?.text).toContain("MCP ECHO: pong");
      expect(turn.text).toContain("MCP ECHO: pong");
      expect(await env.mcpEchoCalls()).toMatchObject([{ tool: "echo", args: { text: "pong" } }]);
    }, o.testTimeoutMs);

    test("interrupt stops a running shell tool; the next turn works on the same process", async () => {
      let interrupted = false;
      const turn = await runTurn(live(), "SLEEP_TOOL", {
        timeoutMs: 15_000, // far below the tool's 30 s: the turn only ends this soon if the interrupt worked
        onEvent: async (ev) => {
          if (interrupted || ev.type !== "tool_call") return;
          interrupted = true;
          // Interrupt once the command really runs, not merely when the CLI announced it.
          await waitFor("sleep 30 to start", () => findTagged(env.tag).some((p) => p.cmdline.includes("sleep 30")));
          await live().interrupt();
        },
      });
      expect(interrupted).toBe(true);
      expect(turn.end.isError || turn.end.stopReason === "cancelled").toBe(true);
      const next = await runTurn(live(), "after the interrupt", { timeoutMs: turnMs });
      expect(next.end.isError).toBe(false);
      expect(next.text).toContain("ECHO: after the interrupt");
    }, o.testTimeoutMs);

    test("an API error ends the turn as an error turn_end; the session recovers", async () => {
      const turn = await runTurn(live(), `MOCK_ERROR: ${o.errorStatus}`, { timeoutMs: turnMs });
      expect(turn.end.isError).toBe(true);
      expect(turn.end.error ?? "").toContain("mock-llm scripted error");
      expect(getMock().modelRequests(o.api).some((r) => r.reply?.kind === "error")).toBe(true);
      const next = await runTurn(live(), "after the error", { timeoutMs: turnMs });
      expect(next.end.isError).toBe(false);
      expect(next.text).toContain("ECHO: after the error");
    }, o.testTimeoutMs);

    test("close() leaves nothing behind: not the CLI, its MCP server, or a tool's shell", async () => {
      await live().close();
      await waitFor("no process left with the test's tag", () => findTagged(env.tag).length === 0, 3_000).catch(() => {
        throw new Error(`left behind after close(): ${JSON.stringify(findTagged(env.tag))}`);
      });
    }, o.testTimeoutMs);
  });
}
