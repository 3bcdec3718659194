// The events a workflow run publishes, and their NDJSON form: every line is one event in a versioned envelope
// `{v: 1, type, runId, seq, at, …}`. The set of types is part of the public interface (`aegis run --json`): add
// fields freely, but never rename or remove a type or a field without bumping `v`. Pure data: no I/O here.

/** The envelope version of `aegis run --json` output. */
export const EVENT_VERSION = 1;

export type StepStatus = "done" | "failed" | "replayed";
export type RunEndStatus = "done" | "failed" | "crashed" | "cancelled" | "interrupted";

export interface Totals {
  costUsd: number;
  tokens: { input: number; output: number };
}

export type RunEventBody =
  | { type: "run_start"; workflow: string; args: Record<string, unknown>; attempt: number; recordedSteps: number }
  | { type: "step_start"; step: number; kind: string; label: string }
  | ({ type: "step_end"; step: number; kind: string; label: string; status: StepStatus; durationMs: number; stepCostUsd: number; error?: string } & Totals)
  | {
      type: "session"; handle: string; agent: string; action: "spawned" | "resumed" | "respawned" | "closed"; detail?: string;
      /** For `respawned`: the earlier turns replayed into the fresh session, and those left out to fit `replay.maxTokens`. */
      replay?: { turns: number; omitted: number };
    }
  | { type: "agent"; handle: string; state?: string; text?: string; tool?: string }
  | { type: "log"; message: string; level: "info" | "warn" }
  | { type: "checkpoint"; step: number; name: string }
  | { type: "ask"; step: number; key: string; question: string; options?: string[] }
  | ({
      type: "run_end"; workflow: string; status: RunEndStatus; result?: unknown;
      error?: { code?: string; message: string; stack?: string };
      durationMs: number; steps: { total: number; replayed: number; live: number }; sessions: number;
    } & Totals);

export type RunEventType = RunEventBody["type"];

/** Every event type, in the order a run usually emits them (the NDJSON schema's snapshot). */
export const RUN_EVENT_TYPES: readonly RunEventType[] = [
  "run_start", "step_start", "step_end", "session", "agent", "log", "checkpoint", "ask", "run_end",
];

export type RunEvent = RunEventBody & { v: typeof EVENT_VERSION; runId: string; seq: number; at: string };

/** Wraps event bodies in the envelope, numbering them from 1. */
export class EventStamper {
  private seq = 0;
  constructor(private readonly runId: string) {}

  stamp(body: RunEventBody): RunEvent {
    const { type, ...rest } = body;
    return { v: EVENT_VERSION, type, runId: this.runId, seq: ++this.seq, at: new Date().toISOString(), ...rest } as RunEvent;
  }
}

/** One NDJSON line (with its newline). Values that JSON cannot hold (bigint, cycles) are replaced by text. */
export function toNdjson(e: RunEvent): string {
  try {
    return `${JSON.stringify(e)}\n`;
  } catch {
    return `${JSON.stringify({ ...e, result: "[not JSON-serializable]" })}\n`;
  }
}
