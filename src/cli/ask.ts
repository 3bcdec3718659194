// `aegis ask [agent] "<prompt>"`: spawn an agent, run one turn, stream its text to stdout, then print usage and cost.
// `--json` prints the normalized AgentEvents as NDJSON instead. Exit 0 on success, 1 on an error turn (also one another
// aegis process interrupted), 2 when the agent's CLI is missing (with the install command), 130 when interrupted.
// Messages aegis ui/chat send the session while it runs get their turns (streamed the same way) before ask ends.

import { defineCommand } from "citty";
import type { AgentEvent, TurnEnd } from "../drivers/driver.ts";
import { startRuntime, type Runtime } from "../runtime.ts";
import type { Session } from "../session/session.ts";
import { colorEnabled, out, writeErr, writeOut } from "../ui/log.ts";
import { AegisError, UsageError } from "../util/errors.ts";
import { formatDuration, formatUsd } from "../util/format.ts";
import { configArgs, interrupted, jsonArg, loadConfigFromArgs, workDir } from "./context.ts";
import { ttyPermissionPrompt } from "./permission-prompt.ts";

export default defineCommand({
  meta: { name: "ask", description: "Run one turn of an agent and print its answer (agent defaults to defaultAgent; prompt `-` reads stdin)" },
  args: {
    agent: { type: "positional", description: "Agent profile from .aegis.ts (optional when a defaultAgent is set)", required: false },
    prompt: { type: "positional", description: "What to ask; `-` reads it from stdin", required: false },
    timeout: { type: "string", description: "Stop the turn after this long without any event from the agent, e.g. 90s, 10m (default 10m)", valueHint: "duration" },
    ...configArgs,
    ...jsonArg,
  },
  async run({ args }) {
    const config = await loadConfigFromArgs(args);
    let [agent, prompt] = [args.agent, args.prompt];
    if (prompt === undefined && agent !== undefined && agent in config.agents && agent.split(/\s+/).length === 1) {
      throw new UsageError(`no prompt given for agent ${agent}`, `aegis ask ${agent} "<prompt>" (or - to read stdin)`);
    }
    if (prompt === undefined) [agent, prompt] = [config.defaultAgent, agent];
    if (!agent) throw new UsageError("no agent named and no defaultAgent in the config", "aegis ask <agent> \"<prompt>\"");
    if (prompt === undefined) throw new UsageError("no prompt given", "aegis ask <agent> \"<prompt>\" (or - to read stdin)");
    if (prompt === "-") prompt = (await new Response(Bun.stdin.stream()).text()).replace(/\n$/, "");
    const askPermission = ttyPermissionPrompt();
    const runtime = await startRuntime({
      config, cwd: workDir(args),
      ...(askPermission ? { askPermission } : {}),
      ...(args.timeout ? { idleTimeoutMs: parseDuration(args.timeout) } : {}),
    });
    const ends: TurnEnd[] = [];
    const started = performance.now();
    try {
      const session = await runtime.sessions.spawn(agent, { spawnedBy: "user" });
      const print = args.json ? printJson : printHuman();
      const stop = runtime.sessions.on((e) => {
        if (e.type !== "event" || e.handle !== session.handle) return;
        if (e.event.type === "turn_end") ends.push(e.event);
        print(e.event);
      });
      const onAbort = () => void runtime.sessions.interrupt(session.handle);
      interrupted.addEventListener("abort", onAbort, { once: true });
      try {
        try {
          await runtime.sessions.send(session.handle, prompt, "user");
        } catch (err) {
          if (interrupted.aborted) throw new AegisError("E_CANCELLED", "interrupted");
          if (ends.length === 0) throw err;
        }
        await answerMessages(runtime, session);
        if (interrupted.aborted) throw new AegisError("E_CANCELLED", "interrupted");
      } finally {
        stop();
        interrupted.removeEventListener("abort", onAbort);
      }
    } finally {
      await runtime.close();
    }
    const end = ends.at(-1);
    if (!end) throw new AegisError("E_AGENT_EXIT", "the agent ended without finishing its turn");
    if (!args.json) writeErr(`${summary(ends, performance.now() - started)}\n`);
    if (end.isError) {
      if (!args.json) {
        const how = end.stopReason === "cancelled" || end.stopReason === "interrupted"
          ? "the turn was interrupted (asked by another aegis process, e.g. aegis ui)"
          : `the turn failed: ${end.error ?? end.stopReason}`;
        writeErr(`aegis: ${how}\n`);
      }
      return 1;
    }
  },
});

/**
 * The session ask hosts is live like any other: aegis ui or chat (or a workflow) may send it messages and interrupt
 * requests while it works (its manager collects them from the inbox, as under serve or aegis run). Messages that came
 * in get their turns, streamed like the first, before ask ends; an interrupt request stops the running turn.
 */
async function answerMessages(runtime: Runtime, session: Session): Promise<void> {
  for (;;) {
    await session.whenIdle();
    if (interrupted.aborted || session.state === "closed") return;
    // One more look at the inbox: a message written just as the turn ended may not have been collected yet.
    const collected = await runtime.sessions.collectInbox();
    if (collected === 0 && session.depth === 0 && session.state !== "working") return;
  }
}

function printJson(event: AgentEvent): void {
  out(JSON.stringify(event));
}

/** Text to stdout as it streams; tool calls to stderr on a TTY. */
function printHuman(): (event: AgentEvent) => void {
  const tty = Boolean(process.stderr.isTTY);
  const dim = (s: string) => (colorEnabled() ? `\x1b[2m${s}\x1b[0m` : s);
  let wroteText = false;
  let lastMessage: string | undefined;
  return (event) => {
    if (event.type === "text") {
      if (wroteText && event.messageId !== lastMessage && event.messageId !== undefined) writeOut("\n");
      writeOut(event.text);
      wroteText = true;
      lastMessage = event.messageId;
    } else if (event.type === "tool_call" && tty) {
      writeErr(dim(`\n[tool] ${event.name} ${briefInput(event.input)}\n`));
    } else if (event.type === "tool_result" && tty && !event.ok) {
      writeErr(dim(`[tool failed] ${event.text.slice(0, 200)}\n`));
    } else if (event.type === "turn_end" && wroteText) {
      writeOut("\n");
    }
  };
}

function briefInput(input: unknown): string {
  const s = typeof input === "string" ? input : JSON.stringify(input);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

/** The usage line: the sums over the turns ask ran (more than one when messages came in), the last stop reason. */
export function summary(all: readonly TurnEnd[], elapsedMs: number): string {
  const end = all.at(-1)!;
  const sum = (f: (e: TurnEnd) => number) => all.reduce((n, e) => n + f(e), 0);
  const u = { input: sum((e) => e.usage.input), output: sum((e) => e.usage.output), cacheRead: sum((e) => e.usage.cacheRead), cacheWrite: sum((e) => e.usage.cacheWrite) };
  const cache = u.cacheRead || u.cacheWrite ? ` (cache read ${u.cacheRead}, write ${u.cacheWrite})` : "";
  const costs = all.flatMap((e) => (e.costUsd !== undefined ? [e.costUsd] : []));
  const cost = costs.length ? ` · ${formatUsd(costs.reduce((a, b) => a + b, 0))}` : "";
  const turns = all.length > 1 ? ` · ${all.length} turns` : "";
  return `— ${u.input} in / ${u.output} out tokens${cache}${cost}${turns} · ${formatDuration(elapsedMs)} · ${end.stopReason}`;
}

export function parseDuration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(s.trim());
  if (!m) throw new UsageError(`bad duration ${JSON.stringify(s)}`, "use e.g. 500ms, 90s, 10m, 1h");
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? "s") as "ms" | "s" | "m" | "h"];
  return Number(m[1]) * unit;
}
