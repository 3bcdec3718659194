// The environment each real CLI (Claude Code, Gemini CLI, OpenCode, Codex CLI from .live/) inherits from aegis, seen
// from inside: the mock LLM has the CLI run a shell command that prints variables, and the tool output the CLI sends
// back to the mock must hold exactly what aegis meant to pass (#9). Also: the runner's routing variables cannot send a
// CLI elsewhere, and IS_SANDBOX=1 exported in the parent lets Claude Code's bypassPermissions run as root.
// Each test starts its own CLI process; skips cleanly, with the reason printed, when a CLI is not installed.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { DriverSession } from "../../src/drivers/driver.ts";
import { startAgent } from "../../src/drivers/registry.ts";
import { type LiveEnv, makeLiveEnv } from "./cli-env.ts";
import { findTagged, runTurn, waitFor } from "./live-helpers.ts";
import { type LiveCliName, skipLive } from "./live-install.ts";
import { type ApiName, type MockLlm, startMockLlm } from "./mock-llm.ts";
import { findStrace, isAllowedDestination, makeNetTrace, type NetTrace } from "./net-check.ts";

const CLIS: Array<{ cli: LiveCliName; api: ApiName; timeoutMs: number }> = [
  { cli: "claude", api: "anthropic", timeoutMs: 30_000 },
  { cli: "gemini", api: "gemini", timeoutMs: 30_000 },
  { cli: "opencode", api: "openai", timeoutMs: 45_000 },
  { cli: "codex", api: "responses", timeoutMs: 45_000 },
];
const STRACE = findStrace();
/** What the shell tool prints: each variable between markers, so an unset one shows as `NAME=[]`. */
const NAMES = ["AEGIS_TEST_PROBE", "AEGIS_TEST_LISTED_A", "AEGIS_FAILPOINT", "AEGIS_PROC_TAG"] as const;
const PRINT = `echo ${NAMES.map((n) => `${n}=[$${n}]`).join(" ")}`;

let mock: MockLlm;
beforeAll(() => {
  mock = startMockLlm();
});
afterAll(async () => {
  await mock?.stop();
});

/** Sets variables in this (the aegis) process for the length of `fn`; undefined unsets. Restores them after. */
async function withParentEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const apply = (v: Record<string, string | undefined>) => {
    for (const [k, value] of Object.entries(v)) {
      if (value === undefined) delete process.env[k];
      else process.env[k] = value;
    }
  };
  apply(vars);
  try {
    return await fn();
  } finally {
    apply(saved);
  }
}

/** Starts the env's CLI, runs `fn`, closes it and checks that nothing it started is left. */
async function withSession<T>(env: LiveEnv, fn: (s: DriverSession) => Promise<T>): Promise<T> {
  const session = await startAgent(env.provider, { cwd: env.workDir, handle: `live-env-${env.cli}` });
  try {
    return await fn(session);
  } finally {
    await session.close();
    await waitFor("no process left with the test's tag", () => findTagged(env.tag).length === 0, 3_000);
  }
}

/** Every tool output the CLI sent to the mock since request `since` (the shell output, as the model saw it). */
function toolOutputsSent(api: ApiName, since: number): string {
  return mock.modelRequests(api).filter((r) => r.seq > since)
    .flatMap((r) => r.conversation?.messages.at(-1)?.toolResults ?? []).join("\n");
}

/** Runs PRINT through the CLI's shell tool; returns what the tool output told the mock, as NAME → value. */
async function printedVariables(session: DriverSession, api: ApiName, timeoutMs: number): Promise<Record<string, string>> {
  const since = mock.requests.length;
  const turn = await runTurn(session, `RUN: ${PRINT}`, { timeoutMs });
  expect(turn.end.isError).toBe(false);
  const sent = toolOutputsSent(api, since);
  expect(sent, `the CLI sent no shell output to the mock; turn text: ${turn.text}`).toContain("AEGIS_PROC_TAG=[");
  expect(turn.text).toContain("TOOL OUTPUT:");
  return Object.fromEntries(NAMES.map((n) => [n, new RegExp(`${n}=\\[([^\\]]*)\\]`).exec(sent)?.[1] ?? "(missing)"]));
}

for (const { cli, api, timeoutMs } of CLIS) {
  describe.skipIf(skipLive(cli))(`live ${cli}: the environment the CLI inherits from aegis (#9)`, () => {
    test("a variable exported in the parent reaches the CLI's shell tool; aegis's internal variables do not (#9)", async () => {
      const probe = `probe-${crypto.randomUUID()}`;
      const outerTag = `outer${Date.now().toString(36)}`;
      await using env = await makeLiveEnv(cli, mock);
      const seen = await withParentEnv({ AEGIS_TEST_PROBE: probe, AEGIS_FAILPOINT: "no-such-point:99", AEGIS_PROC_TAG: outerTag }, () =>
        withSession(env, (s) => printedVariables(s, api, timeoutMs)));
      expect(seen.AEGIS_TEST_PROBE).toBe(probe);
      expect(seen.AEGIS_FAILPOINT).toBe("");
      // The tag is the CLI's own (nested under aegis's, for the sweep), never aegis's own value passed on as is.
      expect(seen.AEGIS_PROC_TAG).not.toBe(outerTag);
      expect(seen.AEGIS_PROC_TAG?.startsWith(`${outerTag}/`)).toBe(true);
    }, timeoutMs);

    test("inheritEnv: a list passes only the names and globs it holds; the provider's env still applies (#9)", async () => {
      await using env = await makeLiveEnv(cli, mock, { inheritEnv: ["PATH", "AEGIS_TEST_LISTED_*"] });
      const seen = await withParentEnv({ AEGIS_TEST_PROBE: "not-listed", AEGIS_TEST_LISTED_A: "listed", AEGIS_FAILPOINT: "no-such-point:99" }, () =>
        withSession(env, (s) => printedVariables(s, api, timeoutMs)));
      expect(seen.AEGIS_TEST_LISTED_A).toBe("listed");
      expect(seen.AEGIS_TEST_PROBE).toBe("");
      expect(seen.AEGIS_FAILPOINT).toBe("");
      expect(seen.AEGIS_PROC_TAG).not.toBe(""); // set by aegis for every child, whatever the list says
    }, timeoutMs);

    test(`routing variables exported in the parent cannot send the CLI elsewhere: the turn reaches the mock${STRACE ? "; strace sees only 127.0.0.1" : ""} (#9)`, async () => {
      const elsewhere = "http://192.0.2.1:9"; // TEST-NET-1: never routed
      const hostile: Record<string, string> = {
        ANTHROPIC_BASE_URL: elsewhere, ANTHROPIC_AUTH_TOKEN: "x", CLAUDE_CODE_USE_BEDROCK: "1", CLAUDE_CODE_USE_VERTEX: "1",
        CLAUDE_CODE_ENABLE_TELEMETRY: "1", GOOGLE_GEMINI_BASE_URL: elsewhere, GOOGLE_GENAI_USE_VERTEXAI: "true",
        GOOGLE_CLOUD_PROJECT: "p", GEMINI_CLI_SYSTEM_SETTINGS_PATH: "/nonexistent/settings.json",
        OPENCODE_CONFIG: "/nonexistent/opencode.json", OPENAI_BASE_URL: elsewhere, OTEL_EXPORTER_OTLP_ENDPOINT: elsewhere,
        HTTPS_PROXY: elsewhere, HTTP_PROXY: elsewhere, ALL_PROXY: elsewhere, https_proxy: elsewhere, http_proxy: elsewhere,
        NODE_OPTIONS: "--require /nonexistent/preload.js",
      };
      let trace: NetTrace | undefined;
      const wrapBin = STRACE ? async (realBin: string, root: string) => (trace = await makeNetTrace(root, STRACE, realBin)).bin : undefined;
      const destinations = await withParentEnv(hostile, async () => {
        // The isolation is computed from the runner's environment, so it is made while the hostile values are there.
        await using env = await makeLiveEnv(cli, mock, { wrapBin });
        const before = mock.modelRequests(api).length;
        await withSession(env, async (s) => {
          const turn = await runTurn(s, "hello through a hostile environment", { timeoutMs });
          expect(turn.end.isError).toBe(false);
          expect(turn.text).toContain("ECHO: hello through a hostile environment");
        });
        expect(mock.modelRequests(api).length).toBeGreaterThan(before);
        return trace ? await trace.destinations() : undefined;
      });
      if (!destinations) return;
      expect(destinations).toContain(`127.0.0.1:${mock.port}`);
      expect(destinations.filter((d) => !isAllowedDestination(d))).toEqual([]);
    }, timeoutMs * 2);

    if (cli === "claude") {
      test("IS_SANDBOX=1 exported in the parent lets permission full (bypassPermissions) run as root (#9)", async () => {
        if (process.getuid?.() !== 0) return; // Claude Code refuses bypassPermissions only to root
        // The isolation set normally carries IS_SANDBOX=1 itself; here it must come from the parent alone.
        await using env = await makeLiveEnv(cli, mock, { permission: "full", omit: ["IS_SANDBOX"] });
        expect(env.provider.env?.IS_SANDBOX).toBeUndefined();
        // The control: without it in the parent, Claude Code refuses to start as root.
        const refused = await withParentEnv({ IS_SANDBOX: undefined }, () =>
          startAgent(env.provider, { cwd: env.workDir, handle: "live-env-claude" }).then(
            async (s) => {
              await s.close();
              return undefined;
            },
            (err: unknown) => err,
          ));
        expect(refused).toMatchObject({ code: "E_PERMISSION" });
        const touched = join(env.workDir, "touched-as-root.txt");
        await withParentEnv({ IS_SANDBOX: "1" }, () => withSession(env, async (s) => {
          const turn = await runTurn(s, `RUN: touch ${touched}`, { timeoutMs });
          expect(turn.end.isError).toBe(false);
        }));
        expect(existsSync(touched)).toBe(true);
      }, timeoutMs * 2);
    }
  });
}
