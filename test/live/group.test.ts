// engine.group on real CLIs (#13): Claude Code and Gemini CLI (full permission) beside a Scripted member, against the
// loopback mock LLM (which echoes the prompt). A broadcast reaches both CLIs as one brief under the group's header and
// is gathered; a race the Scripted member wins while both CLIs run the shell tool's `sleep 30` interrupts their turns,
// and both answer the next brief in the same processes; no CLI process is left. Skips a CLI not installed in .live/.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { Scripted } from "../../src/config/providers.ts";
import { validateConfig } from "../../src/config/validate.ts";
import { createRuntime } from "../../src/runtime.ts";
import { openStore } from "../../src/store/store.ts";
import { workflow } from "../../src/workflow/registry.ts";
import { startRun } from "../../src/workflow/runner.ts";
import { makeLiveEnv } from "./cli-env.ts";
import { findTagged, waitFor } from "./live-helpers.ts";
import { skipLive } from "./live-install.ts";
import { startMockLlm, type MockLlm } from "./mock-llm.ts";

const TIMEOUT_MS = 180_000;

let mock: MockLlm;
beforeAll(() => {
  mock = startMockLlm();
});
afterAll(async () => {
  await mock.stop();
});

describe.skipIf(skipLive("claude") || skipLive("gemini"))("live engine.group: Claude Code and Gemini CLI (#13)", () => {
  test("broadcast and gather reach both CLIs; a race interrupts their running tools; they answer the next brief", async () => {
    await using a = await makeLiveEnv("claude", mock, { permission: "full" });
    await using b = await makeLiveEnv("gemini", mock, { permission: "full" });
    // The Scripted member wins the race once both CLIs have started the shell tool (a real winner takes longer still).
    const started = new Set<string>();
    let release: (() => void) | undefined;
    const bothStarted = () => new Promise<void>((resolve) => (started.size >= 2 ? resolve() : (release = resolve)));
    const config = validateConfig({
      agents: {
        claude: { provider: a.provider }, gemini: { provider: b.provider },
        fast: { provider: new Scripted({ reply: async (p) => (p.includes("SLEEP_TOOL") ? (await bothStarted(), "I won") : "ok") }) },
      },
    }, join(a.workDir, ".aegis.ts"), a.workDir);
    const store = openStore(":memory:");
    const rt = createRuntime({ config, store, queues: { pollMs: 0 } });
    rt.sessions.on((e) => {
      if (e.type === "event" && e.event.type === "tool_call" && (e.handle === "cc" || e.handle === "gem")) {
        started.add(e.handle);
        if (started.size >= 2) release?.();
      }
    });
    const wf = workflow("t-live-group", async (e) => {
      const g = await e.group("live", [{ agent: "claude", handle: "cc" }, { agent: "gemini", handle: "gem" }, { agent: "fast", handle: "quick" }]);
      await g.broadcast("Say hello", { outputFormat: "one line" });
      const hello = await g.gather({ reducer: "joinByHandle" });
      const won = await g.race("SLEEP_TOOL");
      const ends = ["cc", "gem"].map((h) => rt.sessions.get(h)!.last?.stopReason);
      await g.broadcast("after the race");
      const after = await g.gather();
      await g.dissolve();
      return { hello, won, ends, after };
    });
    let out;
    try {
      out = await startRun(rt, wf, {});
    } finally {
      await rt.close();
      store.close();
    }
    expect(out.error, JSON.stringify(out.error)).toBeUndefined();
    const res = out.result as {
      hello: { byMember: Record<string, string>; combined: string; errors: unknown[] }; won: unknown; ends: string[];
      after: { byMember: Record<string, string>; errors: unknown[] };
    };
    expect(res.hello.errors).toEqual([]);
    for (const h of ["cc", "gem"]) {
      // The mock echoes what the CLI sent: the header, then the brief.
      expect(res.hello.byMember[h]).toContain("ECHO: > from group:live/broadcast:1");
      expect(res.hello.byMember[h]).toContain("## Objective\nSay hello");
      expect(res.hello.combined).toContain(`### ${h}\nECHO:`);
      expect(res.after.byMember[h]).toContain("after the race");
    }
    expect(res.won).toEqual({ member: "quick", reply: "I won" });
    expect(res.ends).toEqual(["cancelled", "cancelled"]);
    expect(res.after.errors).toEqual([]);
    expect(await waitFor("no CLI process left", () => findTagged(a.tag).length === 0 && findTagged(b.tag).length === 0, 10_000)).toBe(true);
  }, TIMEOUT_MS);
});
