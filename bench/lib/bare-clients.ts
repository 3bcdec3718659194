// The baseline of the per-turn benchmarks: the least a script must do to hold a conversation with a CLI over its wire
// protocol (Bun.spawn, split stdout on "\n", JSON.parse every line, stop at the turn's end), one client per protocol
// named in test/fixtures/fake-providers.ts. No validation, no events, no timers: what aegis adds is measured against
// this. It must not print.

import type { BareProtocol } from "../../test/fixtures/fake-providers.ts";

export interface TurnRunner {
  turn(text: string): Promise<void>;
  close(): Promise<void>;
}

type Json = Record<string, any>;

/** A child process with line-split, parsed stdout. */
function spawnLines(argv: string[], cwd: string, env: Record<string, string>, detached: boolean) {
  // Detached means "set up as src/proc does": a process group of its own and stderr piped and drained (for its tail).
  const p = Bun.spawn(argv, { cwd, env: { ...process.env, ...env }, stdin: "pipe", stdout: "pipe", stderr: detached ? "pipe" : "ignore", detached });
  if (detached) void drain(p.stderr as ReadableStream<Uint8Array>);
  const reader = p.stdout.getReader();
  const decoder = new TextDecoder();
  let buf = "";
  return {
    write(msg: Json): void {
      // A pipe write fails only when the child is gone; the next read then reports its exit.
      void p.stdin.write(`${JSON.stringify(msg)}\n`);
      void p.stdin.flush();
    },
    /** Reads messages until `stop` returns true for one. */
    async until(stop: (m: Json) => boolean): Promise<Json> {
      for (;;) {
        let nl: number;
        while ((nl = buf.indexOf("\n")) !== -1) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (!line) continue;
          const m = JSON.parse(line) as Json;
          if (stop(m)) return m;
        }
        const { done, value } = await reader.read();
        if (done) throw new Error(`${argv[0]} exited`);
        buf += decoder.decode(value, { stream: true });
      }
    },
    async close(): Promise<void> {
      await p.stdin.end();
      await p.exited;
    },
  };
}

async function claudeStreamJson(argv: string[], cwd: string, env: Record<string, string>, detached: boolean): Promise<TurnRunner> {
  const io = spawnLines(argv, cwd, env, detached);
  return {
    async turn(text) {
      io.write({ type: "user", message: { role: "user", content: text } });
      await io.until((m) => m.type === "result");
    },
    close: () => io.close(),
  };
}

async function acp(argv: string[], cwd: string, env: Record<string, string>, detached: boolean): Promise<TurnRunner> {
  const io = spawnLines(argv, cwd, env, detached);
  let id = 0;
  const call = async (method: string, params: Json): Promise<Json> => {
    const my = ++id;
    io.write({ jsonrpc: "2.0", id: my, method, params });
    const m = await io.until((x) => x.id === my && x.method === undefined);
    if (m.error) throw new Error(`${method}: ${JSON.stringify(m.error)}`);
    return m.result as Json;
  };
  await call("initialize", { protocolVersion: 1, clientCapabilities: { fs: { readTextFile: false, writeTextFile: false } } });
  const { sessionId } = await call("session/new", { cwd, mcpServers: [] });
  return {
    async turn(text) {
      await call("session/prompt", { sessionId, prompt: [{ type: "text", text }] });
    },
    close: () => io.close(),
  };
}

/** Codex's app-server: JSON-RPC without the jsonrpc member; a turn is over at its turn/completed notification. */
async function codexAppServer(argv: string[], cwd: string, env: Record<string, string>, detached: boolean): Promise<TurnRunner> {
  const io = spawnLines(argv, cwd, env, detached);
  let id = 0;
  const call = async (method: string, params: Json): Promise<Json> => {
    const my = ++id;
    io.write({ id: my, method, params });
    const m = await io.until((x) => x.id === my && x.method === undefined);
    if (m.error) throw new Error(`${method}: ${JSON.stringify(m.error)}`);
    return m.result as Json;
  };
  await call("initialize", { clientInfo: { name: "bare", title: null, version: "0" }, capabilities: { experimentalApi: true } });
  io.write({ method: "initialized" });
  const { thread } = await call("thread/start", { cwd, approvalPolicy: "never", sandbox: "workspace-write" });
  return {
    async turn(text) {
      await call("turn/start", { threadId: thread.id, input: [{ type: "text", text, text_elements: [] }] });
      await io.until((m) => m.method === "turn/completed");
    },
    close: () => io.close(),
  };
}

async function drain(stream: ReadableStream<Uint8Array>): Promise<void> {
  const reader = stream.getReader();
  for (;;) if ((await reader.read()).done) return;
}

const CLIENTS: Record<BareProtocol, typeof acp> = { "claude-stream-json": claudeStreamJson, acp, "codex-app-server": codexAppServer };

/**
 * Starts the bare client for `protocol` on `argv`; `detached` sets the child up as src/proc does (a process group of
 * its own, stderr piped and drained), to tell aegis's own cost from that of the process set-up.
 */
export function startBare(protocol: BareProtocol, argv: string[], cwd: string, env: Record<string, string>, detached: boolean): Promise<TurnRunner> {
  return CLIENTS[protocol](argv, cwd, env, detached);
}
