// How a run is displayed while it runs (the stored run object is workflow/run-status.ts's RunView): NDJSON on
// stdout (`--json`), plain log lines on stderr (no TTY), or live progress on a TTY (progress.ts). Every display
// consumes the same RunEvents. Displays never touch stdout except the NDJSON one, which owns it: the workflow's
// result goes there only in the other modes.

import { toNdjson, type RunEvent } from "./events.ts";
import { formatDuration, formatUsd } from "../util/format.ts";
import { writeOut, writeErr } from "./log.ts";

export interface RunDisplay {
  event(e: RunEvent): void;
  /** Stops drawing (while a question is asked on the terminal). */
  pause(): void;
  resume(): void;
  /** Stops for good; leaves the terminal clean. */
  close(): void;
}

type Write = (s: string) => void;

export function ndjsonView(write: Write = (s) => void writeOut(s)): RunDisplay {
  return { event: (e) => write(toNdjson(e)), pause() {}, resume() {}, close() {} };
}

/** One line per notable event, for logs and CI. */
export function plainView(write: Write = (s) => void writeErr(s)): RunDisplay {
  return {
    event(e) {
      const line = plainLine(e);
      if (line !== undefined) write(`${line}\n`);
    },
    pause() {},
    resume() {},
    close() {},
  };
}

export function plainLine(e: RunEvent): string | undefined {
  switch (e.type) {
    case "run_start":
      return `aegis: ${e.workflow} ${e.runId}${e.attempt > 1 ? ` (attempt ${e.attempt}, ${e.recordedSteps} recorded steps)` : ""}`;
    case "step_end": {
      const how = e.status === "replayed" ? "replayed" : e.status === "failed" ? `failed: ${e.error ?? ""}` : `done in ${formatDuration(e.durationMs)}`;
      const cost = e.stepCostUsd > 0 ? ` · ${formatUsd(e.stepCostUsd)}` : "";
      return `  [${e.step}] ${e.label}: ${how}${cost}`;
    }
    case "session":
      return `  session ${e.handle} (${e.agent}) ${e.action}${e.detail ? `: ${e.detail}` : ""}`;
    case "log":
      return `  ${e.level === "warn" ? "warning: " : ""}${e.message}`;
    case "checkpoint":
      return `  checkpoint ${e.name}`;
    case "ask":
      return `  asking: ${e.question}${e.options ? ` (${e.options.join(" / ")})` : ""}`;
    default:
      return undefined; // step_start, agent chatter and run_end (the summary covers it) stay out of plain logs
  }
}
