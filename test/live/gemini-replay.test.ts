// A conversation survives a resume the real Gemini CLI refuses (#9). `aegis run` (a child process, as a user runs it)
// drives Gemini CLI 0.61.0 against the loopback mock LLM; after the first turn aegis is SIGKILLed, and `aegis resume`
// follows within the same UTC minute, when Gemini's session/load fails ("No previous sessions found for this
// project.", see src/drivers/acp/gemini-driver.ts). aegis must start a fresh session with the earlier conversation
// replayed, so the second turn's request to the mock carries the first turn's user and assistant text.
// Skips cleanly, with the reason printed, when Gemini CLI is not installed in .live/.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnProcess } from "../../src/proc/spawn.ts";
import type { GeminiCLI } from "../../src/config/providers.ts";
import { makeLiveEnv } from "./cli-env.ts";
import { findTagged, waitFor } from "./live-helpers.ts";
import { skipLive } from "./live-install.ts";
import { startMockLlm, type MockLlm } from "./mock-llm.ts";

const ROOT = join(import.meta.dir, "../..");
const MAIN = join(ROOT, "src/main.ts");
const TIMEOUT_MS = 150_000;
const FIRST = "the parser drops tab characters";
const SECOND = "which file should change?";

interface Run {
  code: number | null;
  signal: string | null;
  events: Array<Record<string, any>>;
  stderr: string;
}

/** Runs aegis in `cwd`; `killAfter` SIGKILLs it as soon as it prints the event the predicate picks. */
async function aegis(cwd: string, args: string[], killAfter?: (e: Record<string, any>) => boolean): Promise<Run> {
  const child = spawnProcess({ cmd: [process.execPath, MAIN, ...args, "--json"], cwd, timeoutMs: TIMEOUT_MS, env: { NO_COLOR: "1" } });
  child.endStdin();
  const events: Array<Record<string, any>> = [];
  for await (const line of child.lines()) {
    if (!line.startsWith("{")) continue;
    const e = JSON.parse(line) as Record<string, any>;
    events.push(e);
    if (killAfter?.(e)) process.kill(child.pid, "SIGKILL");
  }
  const status = await child.exited;
  const stderr = child.stderrTail();
  await child.stop({ graceMs: 100 }); // sweeps what a killed aegis left behind (its Gemini CLI process)
  return { ...status, events, stderr };
}

/** The `.aegis.ts` for the live Gemini provider (its bin and isolated environment from cli-env.ts). */
function configFor(provider: GeminiCLI): string {
  return `import { defineConfig, GeminiCLI } from "aegis";
export default defineConfig({
  agents: { impl: { provider: new GeminiCLI(${JSON.stringify({ model: provider.model, permission: "full", bin: provider.bin, env: provider.env })}) } },
  workflows: ["replay-wf.ts"],
});
`;
}

function workflowFile(gate: string): string {
  return `import { workflow } from "aegis";
export default workflow("replay-wf", async (e) => {
  const h = await e.spawn("impl", { handle: "impl-one" });
  const a = await e.send(h, ${JSON.stringify(FIRST)});
  await e.bash(${JSON.stringify(`test -e ${gate} || sleep 120`)});
  const b = await e.send(h, ${JSON.stringify(SECOND)});
  return [a, b];
});
`;
}

describe.skipIf(skipLive("gemini"))("live gemini: a conversation survives a resume the CLI refuses (#9)", () => {
  let mock: MockLlm;
  beforeAll(() => {
    mock = startMockLlm();
  });
  afterAll(async () => {
    await mock.stop();
  });

  test("SIGKILL after the first turn, resume in the same minute: the second turn's request carries the first turn", async () => {
    await using env = await makeLiveEnv("gemini", mock);
    const gate = join(env.root, "gate");
    writeFileSync(join(env.workDir, ".aegis.ts"), configFor(env.provider as GeminiCLI));
    writeFileSync(join(env.workDir, "replay-wf.ts"), workflowFile(gate));
    // Gemini names a session's chat file by the minute: start early in one, so the resume lands in the same minute.
    await waitFor("the first half of a UTC minute", () => new Date().getUTCSeconds() < 30, 60_000);
    const startedMinute = Math.floor(Date.now() / 60_000);

    const first = await aegis(env.workDir, ["run", "replay-wf"], (e) => e.type === "step_end" && e.kind === "send");
    expect(first.signal, `aegis run was not killed after the first turn:\n${first.stderr}`).toBe("SIGKILL");
    const runId = first.events[0]!.runId as string;
    const firstReply = (first.events.find((e) => e.type === "step_end" && e.kind === "send") ?? {}).status;
    expect(firstReply).toBe("done");
    const before = mock.modelRequests("gemini").length;
    expect(before).toBeGreaterThan(0);

    writeFileSync(gate, "");
    const second = await aegis(env.workDir, ["resume", runId]);
    const resumedMinute = Math.floor(Date.now() / 60_000);
    expect(second.code, second.stderr).toBe(0);
    const end = second.events.find((e) => e.type === "run_end")!;
    expect(end.status).toBe("done");
    const [a, b] = end.result as [string, string];
    // The mock echoes the whole user text, the `> from workflow:…` header included.
    expect(a).toStartWith("ECHO: ");
    expect(a).toEndWith(FIRST);
    expect(b).toEndWith(SECOND);

    // The load failed as measured (same minute), and aegis said what it did instead.
    const session = second.events.find((e) => e.type === "session" && e.handle === "impl-one")!;
    expect(session.action, `the resume was not refused (minutes ${startedMinute}..${resumedMinute}): ${JSON.stringify(session)}`).toBe("respawned");
    expect(session.detail).toContain("No previous sessions found");
    expect(session.detail).toContain("replayed");
    expect(session.replay).toEqual({ turns: 1, omitted: 0 });

    // The second turn's request to the mock carries the first turn's user and assistant text, then the new question.
    const later = mock.modelRequests("gemini").slice(before);
    const req = later.find((r) => JSON.stringify(r.body).includes(SECOND));
    expect(req, `no request carried "${SECOND}"`).toBeDefined();
    const body = JSON.stringify(req!.body);
    const inBody = (text: string) => JSON.stringify(text).slice(1, -1); // as it appears inside the JSON body
    expect(body).toContain("Earlier conversation (replayed by aegis)");
    expect(body).toContain(inBody(`## User (turn 1)\n`));
    expect(body).toContain(inBody(`${FIRST}\n\n## Assistant (turn 1)\n${a}`));
    expect(body.indexOf(inBody(a))).toBeLessThan(body.lastIndexOf(SECOND));

    expect(await waitFor("no Gemini process left", () => findTagged(env.tag).length === 0, 10_000)).toBe(true);
  }, TIMEOUT_MS);
});
