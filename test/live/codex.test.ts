// Codex CLI 0.169.0 (`codex app-server`) driven by the aegis Codex driver against the loopback mock LLM's Responses
// API: the shared live suite (text, memory, shell, MCP, interrupt, API error, close; read-only refused a write, full
// allowed it and addressed only 127.0.0.1 under strace; resume from a new process), then Codex's own: its sandbox and
// approval policy behind aegis's permission levels, the user's config left alone, interrupt stopping the command, effort.
// Skips when .live/ lacks it (scripts/install-live-clis.sh installs it).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Codex, type Permission } from "../../src/config/providers.ts";
import type { DriverSession, PermissionRequest, StartOptions } from "../../src/drivers/driver.ts";
import { startAgent } from "../../src/drivers/registry.ts";
import { type LiveEnv, makeLiveEnv } from "./cli-env.ts";
import { findTagged, runTurn, waitFor } from "./live-helpers.ts";
import { skipLive } from "./live-install.ts";
import { defineLiveSuite } from "./live-suite.ts";
import { type MockLlm, startMockLlm } from "./mock-llm.ts";

const TIMEOUT_MS = 45_000;

defineLiveSuite("codex", {
  api: "responses",
  // Codex retries a 5xx five times (~6 s); a 400 fails the turn at once with the body as its message.
  errorStatus: 400,
  shellOutputInToolResult: true,
  // initialize answers 0.3–0.7 s after spawn here; the catalog is read from the binary first.
  testTimeoutMs: TIMEOUT_MS,
});

// ── Codex's own: its sandbox and approvals behind aegis's permission levels, its config left alone ──────────────────

describe.skipIf(skipLive("codex"))("live codex: sandbox, approvals and the user's config (#10)", () => {
  let mock: MockLlm;
  beforeAll(() => {
    mock = startMockLlm();
  });
  afterAll(async () => {
    await mock.stop();
  });

  async function withCodex(o: { permission: Permission; gitRepo?: boolean; start?: Partial<StartOptions> }, fn: (s: DriverSession, env: LiveEnv) => Promise<void>): Promise<void> {
    await using env = await makeLiveEnv("codex", mock, { permission: o.permission });
    if (o.gitRepo) expect(Bun.spawnSync(["git", "init", "-q", env.workDir]).exitCode).toBe(0);
    const session = await startAgent(env.provider, { cwd: env.workDir, handle: "live-codex", ...o.start });
    try {
      await fn(session, env);
    } finally {
      await session.close();
    }
    await waitFor("no process left with the test's tag", () => findTagged(env.tag).length === 0, 3_000);
  }

  test("read: Codex's read-only sandbox refuses the shell's write (the command ran and failed)", () => withCodex({ permission: "read" }, async (s, env) => {
    const target = join(env.workDir, "denied.txt");
    const turn = await runTurn(s, `RUN: touch ${target}`);
    const result = turn.toolResults[0];
    // Codex announces no item for this command (it fails at once in the sandbox): its raw items stand in, once.
    expect(turn.toolCalls).toMatchObject([{ kind: "execute", name: "shell" }]);
    expect(turn.toolResults).toHaveLength(1);
    expect(result?.ok).toBe(false);
    expect(result?.text).toContain("Read-only file system");
    expect(existsSync(target)).toBe(false);
  }), TIMEOUT_MS);

  test("write in a git repo: the work dir is writable and the user's config.toml is left byte for byte (no project trust written)", () => withCodex({ permission: "write", gitRepo: true }, async (s, env) => {
    const config = join(env.root, "codex-home", "config.toml");
    const before = readFileSync(config, "utf8");
    const turn = await runTurn(s, `RUN: touch ${join(env.workDir, "allowed.txt")}`);
    expect(turn.toolCalls).toHaveLength(1);
    expect(turn.toolResults).toMatchObject([{ ok: true }]);
    expect(existsSync(join(env.workDir, "allowed.txt"))).toBe(true);
    expect(readFileSync(config, "utf8")).toBe(before);
  }), TIMEOUT_MS);

  test("auto: each command is put to askPermission; a refusal declines it, an approval runs it", async () => {
    const asked: PermissionRequest[] = [];
    let allow = false;
    const askPermission = async (req: PermissionRequest) => (asked.push(req), allow);
    await withCodex({ permission: "auto", start: { askPermission } }, async (s, env) => {
      const refused = join(env.workDir, "refused.txt");
      const declined = await runTurn(s, `RUN: touch ${refused}`);
      expect(asked).toMatchObject([{ kind: "execute", toolName: "shell" }]);
      expect(asked[0]?.title).toContain(refused);
      expect(declined.toolResults.filter((r) => r.ok)).toEqual([]);
      expect(existsSync(refused)).toBe(false);
      allow = true;
      const allowed = join(env.workDir, "allowed.txt");
      expect((await runTurn(s, `RUN: touch ${allowed}`)).toolResults[0]?.ok).toBe(true);
      expect(asked).toHaveLength(2);
      expect(existsSync(allowed)).toBe(true);
    });
  }, TIMEOUT_MS);

  test("interrupt: the interrupted command is stopped, not left running beside the next turn", () => withCodex({ permission: "full" }, async (s, env) => {
    const sleeping = () => findTagged(env.tag).filter((p) => p.cmdline.includes("sleep 30"));
    const turn = await runTurn(s, "SLEEP_TOOL", {
      onEvent: async (ev) => {
        if (ev.type !== "tool_call") return;
        await waitFor("sleep 30 to start", () => sleeping().length > 0);
        await s.interrupt();
      },
    });
    expect(turn.end).toMatchObject({ isError: true, stopReason: "cancelled" });
    await waitFor("the interrupted sleep to be gone", () => sleeping().length === 0, 5_000);
    expect((await runTurn(s, "after")).text).toBe("ECHO: after");
  }), TIMEOUT_MS);

  test("effort reaches the model request as Codex's reasoning effort", async () => {
    await using env = await makeLiveEnv("codex", mock);
    const live = env.provider as Codex;
    const provider = new Codex({ model: live.model, permission: live.permission, bin: live.bin as string, env: live.env ?? {}, effort: "high" });
    const before = mock.requests.length;
    const s = await startAgent(provider, { cwd: env.workDir, handle: "live-codex" });
    try {
      expect((await runTurn(s, "think hard")).text).toBe("ECHO: think hard");
    } finally {
      await s.close();
    }
    const req = mock.requests.slice(before).find((r) => r.kind === "model");
    const body = (req?.body ?? {}) as { reasoning?: { effort?: string } };
    expect(body.reasoning?.effort).toBe("high");
  }, TIMEOUT_MS);
});
