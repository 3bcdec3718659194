// The one conformance suite every driver passes. A driver's test file calls `runDriverConformance(name,
// makeProvider, opts)`; the provider it makes must understand the trigger texts below (the fake CLIs and the mock LLM
// share one prompt script: `MEMO:`, `RECALL`, `RUN:`, `WRITE:`, `MODE:…`), or the caller passes its own triggers.
// What a driver cannot have (Scripted has no process) is declared in `caps` and skipped by name, never silently.

import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import type { Permission, Provider } from "../../src/config/providers.ts";
import type { AgentEvent, DriverSession, StartOptions, TurnEnd } from "../../src/drivers/driver.ts";
import { startAgent } from "../../src/drivers/registry.ts";
import { tempDir } from "../fixtures/helpers/temp-dir.ts";
import { pidAlive, waitForPidsGone, within } from "../fixtures/helpers/wait.ts";

export interface ConformanceTriggers {
  /** A turn whose reply text contains `word`. */
  say(word: string): string;
  remember(word: string): string;
  /** A turn whose reply lists every remembered word. */
  recall: string;
  /** One shell-tool call running `cmd`; the reply contains its output. */
  run(cmd: string): string;
  /** One file-write tool call creating `path` (relative to the work dir). */
  write(path: string, content: string): string;
  /** A long-running tool call, to be interrupted. */
  sleepTool: string;
  crash: string;
  hang: string;
  garbage: string;
  huge: string;
  /** The CLI ignores SIGTERM/SIGINT from now on and replies with `PIDS: <pid> <pid>…` of processes it started. */
  ignoreSigterm: string;
}

export const DEFAULT_TRIGGERS: ConformanceTriggers = {
  say: (w) => `please repeat ${w}`,
  remember: (w) => `MEMO: ${w}`,
  recall: "RECALL",
  run: (cmd) => `RUN: ${cmd}`,
  write: (path, content) => `WRITE: ${path} ${content}`,
  sleepTool: "MODE:sleep-tool",
  crash: "MODE:crash",
  hang: "MODE:hang",
  garbage: "MODE:garbage",
  huge: "MODE:huge",
  ignoreSigterm: "MODE:ignore-sigterm",
};

export interface ConformanceCaps {
  /** A real OS process: crash, hang, garbage, huge lines, SIGTERM-ignoring CLI. */
  process: boolean;
  /** Tool calls with results. */
  tools: boolean;
  /** A tool call is reported before the tool finishes, so an interrupt can land mid-tool. */
  interruptMidTool: boolean;
  /** Resume by provider session id in a new session. */
  resume: boolean;
  /**
   * The provider session id stays the same across turns and resume. Scripted's id also carries its turn count
   * (`<uuid>:t3`), because it has no CLI keeping that state; for it the id changes with every turn.
   */
  stableSessionId?: boolean;
  /** Permission levels enforced (read blocks a write). */
  permissions: boolean;
  /** The provider appends each executed turn to ctx.logFile (FAKE_CLI_LOG). */
  turnLog: boolean;
}

export interface ProviderContext {
  permission: Permission;
  /** Where the CLI may keep conversations (for resume). */
  stateDir: string;
  /** FAKE_CLI_LOG: one line per executed turn. */
  logFile: string;
}

export interface ConformanceOptions {
  caps: ConformanceCaps;
  triggers?: Partial<ConformanceTriggers>;
  /** Text the CLI prints on stderr when it crashes (checked in the error turn_end). */
  crashStderr?: string;
  /** Extra start options (e.g. an MCP server). */
  startOptions?: Partial<StartOptions>;
  /** False for CLIs that tell only the model a shell command's output (Gemini): then only the reply must carry it. */
  shellOutputInToolResult?: boolean;
}

const HUGE_BYTES = 16 * 1024 * 1024;

/** One turn: its events, checked to end with exactly one turn_end. */
export async function runTurn(session: DriverSession, text: string, timeoutMs = 15_000): Promise<{ events: AgentEvent[]; end: TurnEnd }> {
  const events: AgentEvent[] = [];
  await within((async () => {
    for await (const ev of session.send(text)) events.push(ev);
  })(), timeoutMs, `turn "${text.slice(0, 40)}"`);
  const ends = events.filter((e) => e.type === "turn_end");
  expect(ends).toHaveLength(1);
  expect(events.at(-1)?.type).toBe("turn_end");
  return { events, end: ends[0] as TurnEnd };
}

/** The turn's text: chunks of one message (same messageId) joined as streamed, messages separated by newlines. */
export const textOf = (events: AgentEvent[]) => {
  const messages: string[] = [];
  let current: string | undefined;
  for (const e of events) {
    if (e.type !== "text") continue;
    if (e.messageId !== undefined && e.messageId === current && messages.length > 0) messages[messages.length - 1] += e.text;
    else messages.push(e.text);
    current = e.messageId;
  }
  return messages.join("\n");
};

export function runDriverConformance(name: string, makeProvider: (ctx: ProviderContext) => Provider, opts: ConformanceOptions): void {
  const t: ConformanceTriggers = { ...DEFAULT_TRIGGERS, ...opts.triggers };
  const { caps } = opts;
  const when = (cap: boolean) => (cap ? test : test.skip);

  /** Starts a session in a fresh work dir, runs `fn`, and always closes it. */
  async function withSession(
    fn: (s: DriverSession, ctx: ProviderContext & { workDir: string }) => Promise<void>,
    o: { permission?: Permission; start?: Partial<StartOptions>; ctx?: ProviderContext & { workDir: string } } = {},
  ): Promise<void> {
    using dir = o.ctx ? undefined : tempDir(`conf-${name}`);
    const ctx = o.ctx ?? {
      permission: o.permission ?? "full", stateDir: dir!.join("state"), logFile: dir!.join("turns.log"), workDir: dir!.path,
    };
    const provider = makeProvider({ ...ctx, permission: o.permission ?? ctx.permission });
    const session = await startAgent(provider, { cwd: ctx.workDir, handle: "conf-agent", ...opts.startOptions, ...o.start });
    try {
      await fn(session, ctx);
    } finally {
      await within(session.close(), 10_000, "close");
    }
  }

  describe(`driver conformance: ${name}`, () => {
    test("text turn", () => withSession(async (s) => {
      const { events, end } = await runTurn(s, t.say("pineapple"));
      expect(end.isError).toBe(false);
      expect(textOf(events)).toContain("pineapple");
      const init = events.find((e) => e.type === "init");
      expect(init?.type === "init" && init.providerSessionId).toBeTruthy();
      expect(s.providerSessionId).toBeTruthy();
    }));

    test("three turns on one process keep memory, each executed once", () => withSession(async (s, ctx) => {
      const pid = s.pid;
      expect((await runTurn(s, t.remember("alpha"))).end.isError).toBe(false);
      expect((await runTurn(s, t.remember("beta"))).end.isError).toBe(false);
      const { events } = await runTurn(s, t.recall);
      expect(textOf(events)).toContain("alpha");
      expect(textOf(events)).toContain("beta");
      expect(s.pid).toBe(pid);
      if (caps.turnLog) expect(readFileSync(ctx.logFile, "utf8").trim().split("\n")).toHaveLength(3);
    }));

    test("with a primer and a replay, the user's words reach the agent unchanged, first turn and later (#9)", () => {
      const primer = "You are conf-agent, primed by aegis.";
      const replay = "# Earlier conversation (replayed)\n## User (turn 1)\nremember kiwi";
      const first = t.say("Fix the bug in main.ts");
      const later = t.say("and now the tests");
      return withSession(async (s, ctx) => {
        for (const text of [first, later]) {
          const reply = textOf((await runTurn(s, text)).events);
          expect(reply).toContain(text);
          expect(reply).not.toContain("primed by aegis");
          expect(reply).not.toContain("remember kiwi");
        }
        if (!caps.turnLog) return;
        const log = readFileSync(ctx.logFile, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
        expect(log.map((e) => e.prompt)).toEqual([first, later]);
        // Each opening text arrives once, whole, as a piece of its own: in the system prompt or before the user's text.
        const pieces = (e: Record<string, unknown>) => [e.systemPrompt, ...((e.context as unknown[] | undefined) ?? [])].filter((p) => p !== undefined);
        expect(pieces(log[0]!).filter((p) => p === primer)).toHaveLength(1);
        expect(pieces(log[0]!).filter((p) => p === replay)).toHaveLength(1);
        expect(log[1]!.context ?? []).toEqual([]);
      }, { start: { systemPrompt: primer, replay } });
    });

    when(caps.tools)("tool call with its result", () => withSession(async (s) => {
      const { events, end } = await runTurn(s, t.run("echo conformance-tool-ok"));
      expect(end.isError).toBe(false);
      const call = events.find((e) => e.type === "tool_call");
      const result = events.find((e) => e.type === "tool_result");
      expect(call).toMatchObject({ type: "tool_call", kind: "execute" });
      expect(result).toMatchObject({ type: "tool_result", ok: true, id: call?.type === "tool_call" ? call.id : "?" });
      if (opts.shellOutputInToolResult === false) expect(textOf(events)).toContain("conformance-tool-ok");
      else expect(result?.type === "tool_result" && result.text).toContain("conformance-tool-ok");
      expect(events.indexOf(call!)).toBeLessThan(events.indexOf(result!));
    }));

    test("interrupt mid-turn, then a normal turn", () => withSession(async (s) => {
      const events: AgentEvent[] = [];
      const waitFor = caps.interruptMidTool ? "tool_call" : "init";
      await within((async () => {
        for await (const ev of s.send(t.sleepTool)) {
          events.push(ev);
          if (ev.type === waitFor) await s.interrupt();
        }
      })(), 10_000, "interrupted turn");
      expect(events.filter((e) => e.type === "turn_end")).toHaveLength(1);
      expect(events.at(-1)).toMatchObject({ type: "turn_end", isError: true });
      const next = await runTurn(s, t.say("afterwards"));
      expect(next.end.isError).toBe(false);
      expect(textOf(next.events)).toContain("afterwards");
    }));

    when(caps.resume)("resume by provider session id", async () => {
      using dir = tempDir(`conf-${name}-resume`);
      const ctx = { permission: "full" as Permission, stateDir: dir.join("state"), logFile: dir.join("turns.log"), workDir: dir.path };
      let id: string | undefined;
      await withSession(async (s) => {
        await runTurn(s, t.remember("gamma"));
        id = s.providerSessionId;
      }, { ctx });
      expect(id).toBeTruthy();
      await withSession(async (s) => {
        const { events } = await runTurn(s, t.recall);
        expect(textOf(events)).toContain("gamma");
        if (caps.stableSessionId !== false) expect(s.providerSessionId).toBe(id);
      }, { ctx, start: { resumeId: id } });
    });

    when(caps.permissions)("permission read blocks a write; write allows it", async () => {
      await withSession(async (s, ctx) => {
        await runTurn(s, t.write("blocked.txt", "nope"));
        expect(existsSync(`${ctx.workDir}/blocked.txt`)).toBe(false);
      }, { permission: "read" });
      await withSession(async (s, ctx) => {
        await runTurn(s, t.write("allowed.txt", "yes"));
        expect(readFileSync(`${ctx.workDir}/allowed.txt`, "utf8")).toContain("yes");
      }, { permission: "write" });
    });

    when(caps.process)("CLI crash mid-turn: error turn_end with the stderr tail, then refusals without hanging", () => withSession(async (s) => {
      const { end } = await runTurn(s, t.crash);
      expect(end.isError).toBe(true);
      if (opts.crashStderr) expect(end.error).toContain(opts.crashStderr);
      expect(s.stderrTail()).toContain(opts.crashStderr ?? "");
      const after = await runTurn(s, t.say("still there?"), 5000);
      expect(after.end.isError).toBe(true);
    }));

    when(caps.process)("CLI hang: the idle timeout ends the turn with an error and kills the CLI", () => withSession(async (s) => {
      const { end } = await runTurn(s, t.hang, 10_000);
      expect(end.isError).toBe(true);
      expect(end.error).toMatch(/timeout|timed out|no event/i);
      await waitForPidsGone([s.pid as number], 3000);
    }, { start: { idleTimeoutMs: 300 } }));

    when(caps.process)("garbage lines do not break the turn", () => withSession(async (s) => {
      const { events, end } = await runTurn(s, t.garbage);
      expect(end.isError).toBe(false);
      expect(textOf(events).length).toBeGreaterThan(0);
      expect((await runTurn(s, t.say("clean"))).end.isError).toBe(false);
    }));

    when(caps.process)("a 16 MiB line comes through whole", () => withSession(async (s) => {
      const { events, end } = await runTurn(s, t.huge, 20_000);
      expect(end.isError).toBe(false);
      const longest = Math.max(...events.map((e) => (e.type === "tool_result" || e.type === "text" ? e.text.length : 0)));
      expect(longest).toBeGreaterThanOrEqual(HUGE_BYTES);
    }));

    when(caps.process)("a CLI that ignores SIGTERM is closed with nothing left behind", async () => {
      let pids: number[] = [];
      await withSession(async (s) => {
        const { events } = await runTurn(s, t.ignoreSigterm);
        pids = (/PIDS:\s*([\d ]+)/.exec(textOf(events))?.[1] ?? "").trim().split(/\s+/).map(Number);
        expect(pids.length).toBeGreaterThanOrEqual(2);
        expect(pids).toContain(s.pid as number);
        for (const p of pids) expect(pidAlive(p)).toBe(true);
      });
      await waitForPidsGone(pids, 2000);
    });

    test("close is idempotent and a turn after close is an error, not a hang", () => withSession(async (s) => {
      await runTurn(s, t.say("one"));
      await Promise.all([s.close(), s.close()]);
      const { end } = await runTurn(s, t.say("two"), 5000);
      expect(end.isError).toBe(true);
    }));
  });
}
