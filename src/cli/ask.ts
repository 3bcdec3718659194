// `aegis ask [agent] "<prompt>"`: spawn an agent, run one turn, stream its text to stdout, then print usage and cost.
// `--json` prints the normalized AgentEvents as NDJSON instead. Exit 0 on success, 1 on an error turn, 2 when the
// agent's CLI is missing (with the install command), 130 when interrupted.

import { defineCommand } from "citty";
import type { AgentEvent, TurnEnd } from "../drivers/driver.ts";
import { startRuntime } from "../runtime.ts";
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
    let end: TurnEnd | undefined;
    const started = performance.now();
    try {
      const session = await runtime.sessions.spawn(agent, { spawnedBy: "user" });
      const print = args.json ? printJson : printHuman();
      const stop = runtime.sessions.on((e) => {
        if (e.type !== "event" || e.handle !== session.handle) return;
        if (e.event.type === "turn_end") end = e.event;
        print(e.event);
      });
      const onAbort = () => void runtime.sessions.interrupt(session.handle);
      interrupted.addEventListener("abort", onAbort, { once: true });
      try {
        await runtime.sessions.send(session.handle, prompt, "user");
      } catch (err) {
        if (interrupted.aborted) throw new AegisError("E_CANCELLED", "interrupted");
        if (!end) throw err;
      } finally {
        stop();
        interrupted.removeEventListener("abort", onAbort);
      }
    } finally {
      await runtime.close();
    }
    if (!end) throw new AegisError("E_AGENT_EXIT", "the agent ended without finishing its turn");
    if (!args.json) writeErr(`${summary(end, performance.now() - started)}\n`);
    if (end.isError) {
      if (!args.json) writeErr(`aegis: the turn failed: ${end.error ?? end.stopReason}\n`);
      return 1;
    }
  },
});

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

export function summary(end: TurnEnd, elapsedMs: number): string {
  const u = end.usage;
  const cache = u.cacheRead || u.cacheWrite ? ` (cache read ${u.cacheRead}, write ${u.cacheWrite})` : "";
  const cost = end.costUsd !== undefined ? ` · ${formatUsd(end.costUsd)}` : "";
  return `— ${u.input} in / ${u.output} out tokens${cache}${cost} · ${formatDuration(elapsedMs)} · ${end.stopReason}`;
}

export function parseDuration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(s.trim());
  if (!m) throw new UsageError(`bad duration ${JSON.stringify(s)}`, "use e.g. 500ms, 90s, 10m, 1h");
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? "s") as "ms" | "s" | "m" | "h"];
  return Number(m[1]) * unit;
}
