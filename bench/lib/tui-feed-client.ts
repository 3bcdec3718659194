// The benches' side of bench/lib/tui-feed.ts: starts the feed process on a project's state database, waits until its
// rows are committed, and asks it to stream. It must not measure anything.

import { join } from "node:path";

export interface Feed {
  /** Session ids the feed created, in creation order (the dashboard lists them in that order). */
  sessions: string[];
  /** Streams `rate` events/s into every session for `seconds`; `onStart` runs when the first write is due. */
  stream(seconds: number, rate: number, onStart?: () => void): Promise<{ events: Record<string, number>; seconds: number }>;
  pid: number;
  stop(): Promise<void>;
}

/** `url`: the project's PostgreSQL database (its state is there, not in .aegis/state.db). */
export async function startFeed(project: string, args: string[], url?: string): Promise<Feed> {
  const p = Bun.spawn([process.execPath, join(import.meta.dir, "tui-feed.ts"), url ?? join(project, ".aegis", "state.db"), ...args], {
    cwd: project, stdin: "pipe", stdout: "pipe", stderr: "inherit",
  });
  const reader = p.stdout.getReader();
  let buf = "";
  const line = async (): Promise<string> => {
    for (;;) {
      const i = buf.indexOf("\n");
      if (i >= 0) {
        const l = buf.slice(0, i);
        buf = buf.slice(i + 1);
        return l;
      }
      const { value, done } = await reader.read();
      if (done) throw new Error(`tui-feed exited (${await p.exited}) before answering`);
      buf += new TextDecoder().decode(value);
    }
  };
  const ready = await line();
  if (!ready.startsWith("ready ")) throw new Error(`tui-feed said ${ready}`);
  const { sessions } = JSON.parse(ready.slice(6)) as { sessions: string[] };
  return {
    sessions, pid: p.pid,
    async stream(seconds, rate, onStart) {
      await p.stdin.write(`stream ${seconds} ${rate}\n`);
      await p.stdin.flush();
      const started = await line();
      if (started !== "streaming") throw new Error(`tui-feed said ${started}`);
      onStart?.();
      const done = await line();
      if (!done.startsWith("streamed ")) throw new Error(`tui-feed said ${done}`);
      return JSON.parse(done.slice(9)) as { events: Record<string, number>; seconds: number };
    },
    async stop() {
      await p.stdin.end();
      p.kill("SIGTERM");
      await p.exited;
    },
  };
}
