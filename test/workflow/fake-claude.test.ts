// The engine against fake-claude, a real executable speaking Claude Code's stream-json: spawn/send/close, delegate to
// a queue of fake-claude workers, bashPredicate feedback, auto-close killing the processes, and resume through the
// provider (`claude --resume`), or a fresh respawn when the CLI has lost the conversation. FAKE_CLI_LOG proves which
// turns ran.
import { describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { workflow } from "../../src/workflow/registry.ts";
import { tempDir } from "../fixtures/helpers/temp-dir.ts";
import { waitForPidsGone } from "../fixtures/helpers/wait.ts";
import { fakeClaude, fakeLog, rig } from "./helpers.ts";

const lastLine = (s: string) => s.split("\n").pop()!;

describe("workflows on fake-claude", () => {
  test("spawn, send, delegate and a predicate's feedback each run exactly one CLI turn; sessions die with the run", async () => {
    using dir = tempDir("wf-claude");
    const log = dir.join("turns.log");
    const state = dir.join("state");
    await using r = rig({ providers: { impl: fakeClaude(state, log), reviewer: fakeClaude(state, log) } });
    const pids: number[] = [];
    const out = await r.run(workflow("t-claude", async (e) => {
      const h = await e.spawn("impl");
      const a = await e.send(h, "first");
      pids.push(r.rt.sessions.get(h)!.pid!);
      const review = await e.delegate("review", "check this");
      await e.bashPredicate(`test -e ${dir.join("never")}`, { retryWith: "still missing", maxRetries: 1 }).catch(() => "gave up");
      const b = await e.send(h, "second");
      return [a, review, b].map(lastLine);
    }));
    expect(out.status).toBe("done");
    expect(out.result).toEqual(["first", "ECHO: check this", "second"]); // a queue task is its worker's opening prompt: no header
    expect(out.costUsd).toBeGreaterThan(0);
    const turns = await fakeLog(log);
    expect(turns.map((t) => lastLine(t.prompt))).toEqual(["first", "check this", "still missing", "second"]);
    const implTurns = turns.filter((t) => t.sessionId === turns[0]!.sessionId).map((t) => t.turn);
    expect(implTurns).toEqual([1, 2, 3]);
    await waitForPidsGone(pids);
  });

  test("a resumed run wakes its session through --resume: the CLI continues the same conversation", async () => {
    using dir = tempDir("wf-claude-resume");
    const log = dir.join("turns.log");
    const gate = dir.join("gate");
    await using r = rig({ providers: { impl: fakeClaude(dir.join("state"), log) } });
    const wf = workflow("t-claude-resume", async (e) => {
      const h = await e.spawn("impl");
      const a = await e.send(h, "one");
      await e.bash(`test -e ${gate} || sleep 30`);
      return [a, await e.send(h, "two")].map(lastLine);
    });
    const first = await r.run(wf, {}, { timeoutMs: 400 });
    expect(first.status).toBe("interrupted");
    await Bun.write(gate, "");
    const second = await r.resume(wf, first.runId);
    expect(second.result).toEqual(["one", "two"]);
    const turns = await fakeLog(log);
    expect(turns.map((t) => [lastLine(t.prompt), t.turn])).toEqual([["one", 1], ["two", 2]]);
    expect(turns[1]!.sessionId).toBe(turns[0]!.sessionId);
    expect(turns[1]!.pid).not.toBe(turns[0]!.pid);
    expect(r.events.find((e) => e.type === "session" && e.action === "resumed")).toBeTruthy();
  });

  test("when the CLI cannot resume the conversation, the session is respawned fresh and the choice is logged", async () => {
    using dir = tempDir("wf-claude-respawn");
    const log = dir.join("turns.log");
    const gate = dir.join("gate");
    await using r = rig({ providers: { impl: fakeClaude(dir.join("state"), log) } });
    const wf = workflow("t-claude-respawn", async (e) => {
      const h = await e.spawn("impl");
      await e.send(h, "one");
      await e.bash(`test -e ${gate} || sleep 30`);
      return lastLine(await e.send(h, "two"));
    });
    const first = await r.run(wf, {}, { timeoutMs: 400 });
    expect(first.status).toBe("interrupted");
    rmSync(dir.join("state"), { recursive: true, force: true }); // the CLI forgot every conversation
    await Bun.write(gate, "");
    const second = await r.resume(wf, first.runId);
    expect(second.status).toBe("done");
    expect(second.result).toBe("two");
    const respawned = r.events.find((e) => e.type === "session" && e.action === "respawned");
    expect(respawned && "detail" in respawned ? respawned.detail : "").toContain("could not resume");
    const turns = await fakeLog(log);
    expect(turns.map((t) => [lastLine(t.prompt), t.turn])).toEqual([["one", 1], ["two", 1]]);
  });
});
