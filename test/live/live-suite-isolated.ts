// The live tests that need a process of their own: permission levels (fixed at start) and resume (a second process).
// Each starts a fresh env, closes its sessions and checks nothing is left behind. Registered by live-suite.ts.

import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Permission } from "../../src/config/providers.ts";
import type { DriverSession } from "../../src/drivers/driver.ts";
import { startAgent } from "../../src/drivers/registry.ts";
import { type LiveEnv, makeLiveEnv } from "./cli-env.ts";
import type { LiveCliName } from "./live-install.ts";
import { findTagged, runTurn, waitFor } from "./live-helpers.ts";
import type { LiveSuiteOptions } from "./live-suite.ts";
import type { MockLlm } from "./mock-llm.ts";
import { findStrace, isAllowedDestination, makeNetTrace, type NetTrace } from "./net-check.ts";

/** Without strace the network half of the full-permission test is left out (its title says so). */
const STRACE = findStrace();

export function defineIsolatedLiveTests(cli: LiveCliName, o: LiveSuiteOptions, getMock: () => MockLlm): void {
  /**
   * Starts a session in a fresh env, runs `fn`, closes it, checks nothing is left, removes the env. With `traced`,
   * the CLI runs under strace (when installed) and every IPv4/IPv6 destination it addressed is returned.
   */
  async function withSession(
    opts: { permission: Permission; traced?: boolean },
    fn: (session: DriverSession, env: LiveEnv) => Promise<void>,
  ): Promise<string[] | undefined> {
    let trace: NetTrace | undefined;
    const wrapBin = opts.traced && STRACE
      ? async (realBin: string, root: string) => (trace = await makeNetTrace(root, STRACE, realBin)).bin
      : undefined;
    await using env = await makeLiveEnv(cli, getMock(), { permission: opts.permission, wrapBin });
    const session = await startAgent(env.provider, { cwd: env.workDir, handle: `live-${cli}`, mcpServers: [env.mcpEcho] });
    try {
      await fn(session, env);
    } finally {
      await session.close();
    }
    await waitFor("no process left with the test's tag", () => findTagged(env.tag).length === 0, 3_000).catch(() => {
      throw new Error(`left behind after close(): ${JSON.stringify(findTagged(env.tag))}`);
    });
    // Read before the env (and the log in it) is removed; after close, so the whole run is in it, exit included.
    return trace ? await trace.destinations() : undefined;
  }

  describe("one session per test", () => {
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

    // One process for two checks, since start-up is what costs: the control for the read test, and the network.
    test(`full permission: the same write and touch do create the files${STRACE ? "; the whole process tree addresses only 127.0.0.1, no DNS (strace)" : ""}`, async () => {
      const destinations = await withSession({ permission: "full", traced: true }, async (session, env) => {
        const written = join(env.workDir, "written-by-full-agent.txt");
        const touched = join(env.workDir, "touched-by-full-agent.txt");
        await runTurn(session, `WRITE: ${written} written by a full agent`);
        await runTurn(session, `RUN: touch ${touched}`);
        expect(existsSync(written)).toBe(true);
        expect(await Bun.file(written).text()).toContain("written by a full agent");
        expect(existsSync(touched)).toBe(true);
        expect((await runTurn(session, 'TOOL: echo {"text":"net"}')).text).toContain("MCP ECHO: net");
      });
      if (!destinations) return;
      expect(destinations).toContain(`127.0.0.1:${getMock().port}`);
      expect(destinations.filter((d) => !isAllowedDestination(d))).toEqual([]);
    }, o.testTimeoutMs * 2);

    test("resume: a new process given the provider session id remembers the conversation", async () => {
      await using env = await makeLiveEnv(cli, getMock());
      const first = await startAgent(env.provider, { cwd: env.workDir, handle: `live-${cli}` });
      let id: string | undefined;
      try {
        await runTurn(first, "remember: gamma");
        id = first.providerSessionId;
      } finally {
        await first.close();
      }
      expect(id).toBeTruthy();
      await o.beforeResume?.(env);
      const second = await startAgent(env.provider, { cwd: env.workDir, handle: `live-${cli}`, resumeId: id });
      try {
        const recall = await runTurn(second, "RECALL");
        expect(recall.end.isError).toBe(false);
        // Exactly the reply: history the CLI replays on load must not leak into the new turn.
        expect(recall.text).toBe("ECHO: remember: gamma");
        expect(second.providerSessionId).toBe(id);
      } finally {
        await second.close();
      }
    }, o.testTimeoutMs * 2);
  });
}
