// A conversation survives when the provider cannot resume it (#9): a resumed run whose CLI refuses the old session
// (fake-acp's session/load failing as Gemini CLI's does within the minute; fake-claude's state wiped, so `--resume`
// fails at the first turn) gets a fresh session with the earlier turns replayed from aegis's transcript. What the
// fake CLI logs for the fresh session's first turn (prompt, embedded context, system prompt) proves the model saw them.
import { describe, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { GeminiCLI } from "../../src/config/providers.ts";
import { spawnProcess } from "../../src/proc/spawn.ts";
import type { RunEvent } from "../../src/ui/events.ts";
import { workflow } from "../../src/workflow/registry.ts";
import { FAKE_ACP } from "../drivers/acp/fake-acp.ts";
import { tempDir } from "../fixtures/helpers/temp-dir.ts";
import { fakeClaude, rig } from "./helpers.ts";

const MAIN = join(import.meta.dir, "../../src/main.ts");
const BIN_PATH = `${join(import.meta.dir, "../../node_modules/.bin")}:${dirname(process.execPath)}:${process.env.PATH ?? "/usr/bin:/bin"}`;

/** fake-acp as Gemini CLI, with every session/load failing the way Gemini's does for a session of the same minute. */
function fakeGemini(stateDir: string, log: string): GeminiCLI {
  return new GeminiCLI({ model: "gemini-2.5-flash", bin: FAKE_ACP, env: {
    FAKE_ACP_STATE_DIR: stateDir, FAKE_CLI_LOG: log, FAKE_ACP_LOAD_FAILS: "1", PATH: BIN_PATH,
  } });
}

/** Every turn the fake CLI ran, as logged (its whole entry: prompt, resources, system prompt). */
async function turnLog(file: string): Promise<Array<Record<string, unknown> & { sessionId: string; prompt: string }>> {
  const f = Bun.file(file);
  if (!(await f.exists())) return [];
  return (await f.text()).split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
}

/** What the model saw on a turn, all channels together: system prompt, blocks before the user's text, the text. */
const seen = (entry: Record<string, unknown>) => {
  const list = (v: unknown) => (Array.isArray(v) ? v : []);
  return [entry.systemPrompt, ...list(entry.context), ...list(entry.resources), entry.prompt].filter((s) => typeof s === "string").join("\n");
};

const respawnedEvent = (events: RunEvent[]) => events.find((e) => e.type === "session" && e.action === "respawned") as Extract<RunEvent, { type: "session" }> | undefined;

/**
 * A workflow that talks to one agent, then (on its first attempt only) stops the run as Ctrl-C would, and on resume
 * sends one more turn.
 */
function twoPart(name: string, first: string[], then: string) {
  let stopped = false;
  const ac = new AbortController();
  const wf = workflow(name, async (e) => {
    const h = await e.spawn("impl", { handle: "impl-one" });
    for (const text of first) await e.send(h, text);
    if (!stopped) {
      stopped = true;
      ac.abort();
    }
    return e.send(h, then);
  });
  return { wf, signal: ac.signal };
}

describe("a conversation the provider cannot resume is replayed into a fresh session (#9)", () => {
  test("Gemini (fake-acp): session/load fails; the fresh session's first turn carries the earlier turns, and the choice is logged", async () => {
    using dir = tempDir("wf-replay-acp");
    const log = dir.join("turns.log");
    await using r = rig({ providers: { impl: fakeGemini(dir.join("state"), log) } });
    const { wf, signal } = twoPart("t-replay-acp", ["the parser drops tabs", "which file holds it?"], "fix it now");
    const first = await r.run(wf, {}, { signal });
    expect(first.status).toBe("interrupted");
    const second = await r.resume(wf, first.runId);
    expect(second.status).toBe("done");

    const ev = respawnedEvent(r.events)!;
    expect(ev).toBeDefined();
    expect(ev.detail).toContain("No previous sessions found for this project");
    expect(ev.detail).toContain("replayed from aegis's transcript (the last 2 turns)");
    expect(ev.replay).toEqual({ turns: 2, omitted: 0 });

    const turns = await turnLog(log);
    expect(turns.map((t) => t.prompt.split("\n").pop())).toEqual(["the parser drops tabs", "which file holds it?", "fix it now"]);
    const fresh = turns[2]!;
    expect(fresh.sessionId).not.toBe(turns[0]!.sessionId);
    const text = seen(fresh);
    expect(text).toContain("# Earlier conversation (replayed by aegis)");
    expect(text).toContain("## User (turn 1)\n");
    expect(text).toContain("the parser drops tabs\n\n## Assistant (turn 1)\nECHO: ");
    expect(text).toContain("which file holds it?\n\n## Assistant (turn 2)\nECHO: ");
    // Delivered before the user's text, never glued onto it.
    expect(fresh.prompt.endsWith("\nfix it now") || fresh.prompt === "fix it now").toBe(true);
    expect(text.indexOf("# End of the earlier conversation")).toBeLessThan(text.lastIndexOf("fix it now"));
  });

  test("Claude (fake-claude): --resume of a wiped conversation fails at the first turn; the respawned session gets the earlier turn", async () => {
    using dir = tempDir("wf-replay-claude");
    const log = dir.join("turns.log");
    await using r = rig({ providers: { impl: fakeClaude(dir.join("state"), log) } });
    const { wf, signal } = twoPart("t-replay-claude", ["remember the word teal"], "what was the word?");
    const first = await r.run(wf, {}, { signal });
    expect(first.status).toBe("interrupted");
    rmSync(dir.join("state"), { recursive: true, force: true }); // the CLI forgot every conversation
    const second = await r.resume(wf, first.runId);
    expect(second.status).toBe("done");

    const ev = respawnedEvent(r.events)!;
    expect(ev.detail).toContain("could not resume");
    expect(ev.replay).toEqual({ turns: 1, omitted: 0 });
    const turns = await turnLog(log);
    const fresh = turns.at(-1)!;
    expect(fresh.prompt.split("\n").pop()).toBe("what was the word?");
    expect(fresh.turn).toBe(1);
    const text = seen(fresh);
    expect(text).toContain("## User (turn 1)\n");
    expect(text).toContain("remember the word teal\n\n## Assistant (turn 1)\n");
    // The failed resume attempt's turn is sent again, not replayed as if it had been answered.
    expect(text).not.toContain("## User (turn 2)");
  });

  test("only the newest turns within replay.maxTokens are replayed; the note and the log say how many were left out", async () => {
    using dir = tempDir("wf-replay-budget");
    const log = dir.join("turns.log");
    await using r = rig({ providers: { impl: fakeGemini(dir.join("state"), log) }, replay: { maxTokens: 150 } });
    const earlier = Array.from({ length: 5 }, (_, i) => `note ${i + 1}: ${"lorem ipsum ".repeat(10)}`);
    const { wf, signal } = twoPart("t-replay-budget", earlier, "summarize");
    const first = await r.run(wf, {}, { signal });
    expect(first.status).toBe("interrupted");
    const second = await r.resume(wf, first.runId);
    expect(second.status).toBe("done");

    const ev = respawnedEvent(r.events)!;
    expect(ev.replay!.omitted).toBeGreaterThan(0);
    expect(ev.replay!.turns + ev.replay!.omitted).toBe(5);
    expect(ev.detail).toContain(`omitted to stay within replay.maxTokens 150`);
    const text = seen((await turnLog(log)).at(-1)!);
    expect(text).toContain(`[aegis: ${ev.replay!.omitted} earlier turns omitted]`);
    expect(text).toContain("note 5: ");
    expect(text).not.toContain("note 1: ");
  });

  test("replay.maxTokens 0 turns replay off: the fresh session starts without the earlier conversation, and says so", async () => {
    using dir = tempDir("wf-replay-off");
    const log = dir.join("turns.log");
    await using r = rig({ providers: { impl: fakeGemini(dir.join("state"), log) }, replay: { maxTokens: 0 } });
    const { wf, signal } = twoPart("t-replay-off", ["secret plan"], "go on");
    const first = await r.run(wf, {}, { signal });
    await r.resume(wf, first.runId);
    const ev = respawnedEvent(r.events)!;
    expect(ev.detail).toContain("without the earlier conversation (replay.maxTokens is 0)");
    expect(ev.replay).toBeUndefined();
    expect(seen((await turnLog(log)).at(-1)!)).not.toContain("secret plan");
  });
});

describe("after a crash (#9)", () => {
  test("aegis SIGKILLed after the first turn (fake-acp), then resumed: the fresh session's first turn carries the first turn", async () => {
    using dir = tempDir("wf-replay-crash");
    const env = { FAKE_ACP_STATE_DIR: dir.join("state"), FAKE_CLI_LOG: dir.join("turns.log"), FAKE_ACP_LOAD_FAILS: "1", PATH: BIN_PATH };
    writeFileSync(dir.join(".aegis.ts"), `import { defineConfig, GeminiCLI } from "aegis";
export default defineConfig({
  agents: { impl: { provider: new GeminiCLI({ model: "gemini-2.5-flash", bin: ${JSON.stringify(FAKE_ACP)}, env: ${JSON.stringify(env)} }) } },
  workflows: ["crash.ts"],
});
`);
    writeFileSync(dir.join("crash.ts"), `import { workflow } from "aegis";
export default workflow("crash", async (e) => {
  const h = await e.spawn("impl", { handle: "impl-one" });
  return [await e.send(h, "first words"), await e.send(h, "second words")];
});
`);
    const aegis = async (args: string[], failpoint?: string) => {
      const child = spawnProcess({
        cmd: [process.execPath, MAIN, ...args, "--json"], cwd: dir.path, timeoutMs: 30_000,
        env: { PATH: BIN_PATH, NO_COLOR: "1", ...(failpoint ? { AEGIS_FAILPOINT: failpoint } : {}) },
      });
      child.endStdin();
      const events: Array<Record<string, any>> = [];
      for await (const l of child.lines()) if (l.startsWith("{")) events.push(JSON.parse(l));
      const status = await child.exited;
      const stderr = child.stderrTail();
      await child.stop({ graceMs: 100 }); // sweeps the fake CLI a killed aegis left behind
      return { ...status, events, stderr };
    };
    const first = await aegis(["run", "crash"], "commit:2"); // step 2, the first send, is committed, then SIGKILL
    expect(first.signal, first.stderr).toBe("SIGKILL");
    const second = await aegis(["resume", first.events[0]!.runId]);
    expect(second.code, second.stderr).toBe(0);
    const end = second.events.find((e) => e.type === "run_end")!;
    expect(end.status).toBe("done");
    const session = second.events.find((e) => e.type === "session")!;
    expect(session).toMatchObject({ action: "respawned", replay: { turns: 1, omitted: 0 } });
    const turns = await turnLog(dir.join("turns.log"));
    expect(turns.map((t) => t.prompt.split("\n").pop())).toEqual(["first words", "second words"]);
    const text = seen(turns[1]!);
    expect(text).toContain("first words\n\n## Assistant (turn 1)\nECHO: ");
    expect(turns[1]!.sessionId).not.toBe(turns[0]!.sessionId);
  }, 60_000);
});
