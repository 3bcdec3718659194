// Live progress on a TTY (stderr): finished steps, logs and session changes scroll above a status block that is
// redrawn in place — the current step, each agent's state and latest line, elapsed time, tokens and cost. It only
// draws; it keeps no state beyond what the events say.

import type { RunEvent } from "./events.ts";
import { formatDuration, formatUsd } from "../util/format.ts";
import { formatTokens } from "./summary.ts";
import { plainLine, type RunDisplay } from "./run-display.ts";

interface Stream {
  write(s: string): unknown;
  columns?: number;
}

const SPIN = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏";
const DIM = "\x1b[2m";
const RESET = "\x1b[0m";

export function progressView(stream: Stream = process.stderr, opts: { intervalMs?: number; color?: boolean } = {}): RunDisplay {
  const color = opts.color ?? true;
  const t0 = performance.now();
  let workflow = "";
  let frame = 0;
  let drawn = 0;
  let paused = false;
  let closed = false;
  const steps = new Map<number, string>();
  const agents = new Map<string, { agent: string; state: string; line: string }>();
  let totals = { costUsd: 0, tokens: { input: 0, output: 0 } };
  const width = () => Math.max(20, (stream.columns || 100) - 1); // a pty may report 0 columns
  const fit = (s: string) => (s.length > width() ? `${s.slice(0, width() - 1)}…` : s);
  const dim = (s: string) => (color ? `${DIM}${s}${RESET}` : s);

  const clear = () => {
    if (drawn > 0) stream.write(`\x1b[${drawn}F\x1b[J`);
    drawn = 0;
  };
  const draw = () => {
    if (paused || closed) return;
    clear();
    const current = [...steps.values()].at(-1);
    const head = `${SPIN[frame++ % SPIN.length]} ${workflow} · ${formatDuration(performance.now() - t0)} · ${formatTokens(totals.tokens)} · ${formatUsd(totals.costUsd)}${current ? ` · ${current}` : ""}`;
    const lines = [fit(head)];
    for (const [handle, a] of agents) {
      if (a.state === "closed") continue;
      lines.push(dim(fit(`  ${handle} (${a.agent}) ${a.state}${a.line ? `: ${a.line}` : ""}`)));
    }
    stream.write(`${lines.join("\n")}\n`);
    drawn = lines.length;
  };
  const timer = setInterval(draw, opts.intervalMs ?? 100);
  timer.unref?.();

  return {
    event(e: RunEvent) {
      if (closed) return;
      switch (e.type) {
        case "run_start":
          workflow = e.workflow;
          break;
        case "step_start":
          steps.set(e.step, `step ${e.step} ${e.label}`);
          break;
        case "step_end":
          steps.delete(e.step);
          totals = { costUsd: e.costUsd, tokens: e.tokens };
          break;
        case "session":
          agents.set(e.handle, { agent: e.agent, state: e.action === "closed" ? "closed" : "ready", line: agents.get(e.handle)?.line ?? "" });
          break;
        case "agent": {
          const a = agents.get(e.handle) ?? { agent: "", state: "ready", line: "" };
          if (e.state) a.state = e.state;
          if (e.text) a.line = e.text.split("\n").filter((l) => l.trim()).pop() ?? a.line;
          if (e.tool) a.line = `[${e.tool}]`;
          agents.set(e.handle, a);
          return; // redrawn by the timer, no scroll line
        }
        default:
          break;
      }
      const line = plainLine(e);
      if (line !== undefined && !paused) {
        clear();
        stream.write(`${fit(line)}\n`);
        draw();
      }
    },
    pause() {
      clear();
      paused = true;
    },
    resume() {
      paused = false;
      draw();
    },
    close() {
      clearInterval(timer);
      clear();
      closed = true;
    },
  };
}
