// The built-in Scripted agent: a deterministic in-process agent behind the same seam as the CLI drivers. It needs no
// account and no process, so it powers the quickstart and lets users test their own workflows. A reply silent for
// the idle timeout is aborted (turn-watchdog.ts) and the turn ends as a timeout, as with a CLI.

import type { Provider, Scripted, ScriptedReply } from "../../config/providers.ts";
import type { AgentEvent, Driver, DriverSession, StartOptions, ToolKind, Usage } from "../driver.ts";
import { turnEnd, errorEnd, idleTimeoutError } from "../turn-end.ts";
import { DEFAULT_IDLE_TIMEOUT_MS, TurnWatchdog } from "../turn-watchdog.ts";
import { errorMessage } from "../../util/errors.ts";

class ScriptedSession implements DriverSession {
  readonly pid = undefined;
  private readonly baseId: string;
  private turn = 0;
  private running?: AbortController;
  private closed = false;
  private readonly watchdog: TurnWatchdog;

  constructor(private readonly provider: Scripted, private readonly opts: StartOptions) {
    this.watchdog = new TurnWatchdog({
      idleMs: opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
      graceMs: 0,
      onIdle: () => this.running?.abort(),
      // The reply is raced against the abort, so the idle abort has already ended the turn: nothing to force.
      onForce: () => {},
    });
    // The id carries the turn count (`<uuid>:t3`), so a resumed session continues the numbering that `ctx.turn` shows.
    const m = opts.resumeId ? /^(.*):t(\d+)$/.exec(opts.resumeId) : null;
    this.baseId = m ? m[1]! : (opts.resumeId ?? crypto.randomUUID());
    this.turn = m ? Number(m[2]) : 0;
  }

  get providerSessionId(): string {
    return `${this.baseId}:t${this.turn}`;
  }

  async *send(text: string): AsyncIterable<AgentEvent> {
    const started = performance.now();
    if (this.closed) {
      yield errorEnd(started, "session is closed");
      return;
    }
    this.turn++;
    const ac = new AbortController();
    this.running = ac;
    this.watchdog.begin();
    yield { type: "init", providerSessionId: this.providerSessionId, model: this.provider.model };
    try {
      if (this.provider.delayMs) await abortableSleep(this.provider.delayMs, ac.signal);
      const ctx = { handle: this.opts.handle, turn: this.turn, sessionId: this.baseId, signal: ac.signal, cwd: this.opts.cwd };
      const reply = normalize(await raceAbort(Promise.resolve(this.provider.reply(text, ctx)), ac.signal));
      let n = 0;
      for (const call of reply.toolCalls ?? []) {
        const id = `scripted_tool_${this.turn}_${n++}`;
        yield { type: "tool_call", id, name: call.name, kind: guessKind(call.name), input: call.input ?? {} };
        yield { type: "tool_result", id, ok: call.ok ?? true, text: call.output ?? "" };
      }
      if (reply.text) yield { type: "text", text: reply.text, messageId: `scripted_msg_${this.turn}` };
      const usage = this.usageFor(text, reply.text);
      yield { type: "usage", usage, costUsd: this.provider.usage?.costUsd ?? 0 };
      yield turnEnd(started, {
        stopReason: reply.isError ? "error" : "end_turn",
        isError: reply.isError ?? false,
        error: reply.isError ? reply.text : undefined,
        usage,
        costUsd: this.provider.usage?.costUsd ?? 0,
      });
    } catch (err) {
      if (this.watchdog.timedOut) yield errorEnd(started, idleTimeoutError("the scripted agent", this.watchdog.idleMs), "timeout");
      else if (ac.signal.aborted) yield errorEnd(started, "interrupted", "cancelled");
      else yield errorEnd(started, `scripted reply failed: ${errorMessage(err)}`);
    } finally {
      this.watchdog.end();
      this.running = undefined;
    }
  }

  async interrupt(): Promise<void> {
    this.running?.abort();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.watchdog.close();
    this.running?.abort();
  }

  stderrTail(): string {
    return "";
  }

  private usageFor(prompt: string, reply: string): Usage {
    const words = (s: string) => (s.match(/\S+/g) ?? []).length;
    return {
      input: this.provider.usage?.input ?? words(prompt),
      output: this.provider.usage?.output ?? words(reply),
      cacheRead: 0,
      cacheWrite: 0,
    };
  }
}

function normalize(r: ScriptedReply): { text: string; toolCalls?: Exclude<ScriptedReply, string>["toolCalls"]; isError?: boolean } {
  if (typeof r === "string") return { text: r };
  if (r && typeof r === "object" && typeof r.text === "string") return r;
  return { text: String(r ?? "") };
}

function guessKind(name: string): ToolKind {
  const n = name.toLowerCase();
  if (/(bash|shell|exec|run)/.test(n)) return "execute";
  if (/(write|edit|replace|patch)/.test(n)) return "edit";
  if (/(grep|glob|search|find)/.test(n)) return "search";
  if (/(read|view|cat|list)/.test(n)) return "read";
  if (/fetch/.test(n)) return "fetch";
  return "other";
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  // The timer is cleared on abort, so an interrupted delay does not keep the process alive.
  if (signal.aborted) return Promise.reject(new Error("aborted"));
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { signal.removeEventListener("abort", onAbort); resolve(); }, ms);
    const onAbort = () => { clearTimeout(timer); reject(new Error("aborted")); };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Error("aborted"));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error("aborted"));
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(
      (v) => { signal.removeEventListener("abort", onAbort); resolve(v); },
      (e) => { signal.removeEventListener("abort", onAbort); reject(e); },
    );
  });
}


export const scriptedDriver: Driver = {
  name: "scripted",
  async start(provider: Provider, opts: StartOptions): Promise<DriverSession> {
    return new ScriptedSession(provider as Scripted, opts);
  },
};
