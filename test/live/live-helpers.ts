// Helpers for driving a real CLI through the aegis driver seam in the live tests: run one turn with a bound, collect
// its events, wait for a condition, and find processes a session left behind. No assertions live here.

import { readdirSync, readFileSync } from "node:fs";
import type { AgentEvent, DriverSession, TurnEnd } from "../../src/drivers/driver.ts";

export interface TurnResult {
  events: AgentEvent[];
  /** All `text` events joined. */
  text: string;
  end: TurnEnd;
  toolCalls: Array<Extract<AgentEvent, { type: "tool_call" }>>;
  toolResults: Array<Extract<AgentEvent, { type: "tool_result" }>>;
}

export class TurnTimeoutError extends Error {
  constructor(readonly events: AgentEvent[], timeoutMs: number, stderr: string) {
    super(`no turn_end within ${timeoutMs} ms; events: ${events.map((e) => e.type).join(", ") || "none"}\nstderr tail:\n${stderr}`);
    this.name = "TurnTimeoutError";
  }
}

/**
 * Sends one turn and collects its events until the stream ends. `onEvent` sees each event as it arrives (to interrupt
 * at the right moment). If the stream has not ended within `timeoutMs`, the turn is interrupted and this throws.
 */
export async function runTurn(
  session: DriverSession,
  text: string,
  opts: { timeoutMs?: number; onEvent?: (ev: AgentEvent) => void | Promise<void> } = {},
): Promise<TurnResult> {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const events: AgentEvent[] = [];
  const iterator = session.send(text)[Symbol.asyncIterator]();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  try {
    for (;;) {
      const next = await Promise.race([iterator.next(), expired]);
      if (next === "timeout") {
        await session.interrupt();
        throw new TurnTimeoutError(events, timeoutMs, session.stderrTail());
      }
      if (next.done) break;
      events.push(next.value);
      await opts.onEvent?.(next.value);
    }
  } finally {
    clearTimeout(timer);
  }
  const ends = events.filter((e): e is TurnEnd => e.type === "turn_end");
  const end = ends.at(-1);
  if (!end || ends.length !== 1 || events.at(-1) !== end) {
    throw new Error(`a turn must end with exactly one turn_end, got: ${events.map((e) => e.type).join(", ")}`);
  }
  return {
    events,
    text: events.flatMap((e) => (e.type === "text" ? [e.text] : [])).join(""),
    end,
    toolCalls: events.filter((e): e is Extract<AgentEvent, { type: "tool_call" }> => e.type === "tool_call"),
    toolResults: events.filter((e): e is Extract<AgentEvent, { type: "tool_result" }> => e.type === "tool_result"),
  };
}

/** Polls `check` every 50 ms until it returns a value other than undefined/false, or throws after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await Bun.sleep(50);
  }
}

export interface TaggedProcess {
  pid: number;
  cmdline: string;
}

/** Live processes (not zombies) whose environment holds `AEGIS_LIVE_TAG=<tag>`. */
export function findTagged(tag: string): TaggedProcess[] {
  const needle = `\0AEGIS_LIVE_TAG=${tag}\0`;
  const found: TaggedProcess[] = [];
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return []; // no /proc here (not Linux): nothing can be checked
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const environ = `\0${readFileSync(`/proc/${name}/environ`, "latin1")}`;
      if (!environ.includes(needle)) continue;
      const cmdline = readFileSync(`/proc/${name}/cmdline`, "latin1").replaceAll("\0", " ").trim();
      found.push({ pid: Number(name), cmdline });
    } catch {
      continue; // the process exited while we scanned
    }
  }
  return found;
}
