// The run journal and its replay. Every effectful engine call runs through `Journal.step`: it gets a call-order key
// (`seq`), is checked against the earlier attempts' journal (same kind, same input digest, or the resume fails as
// non-deterministic), and either returns the recorded outcome without executing or executes live and commits.
// Recorded outcomes are handed back in the order they originally completed (`done_seq`), one per event-loop turn,
// so concurrent branches (`parallel`, `Promise.all`) make their calls in the same order and get the same keys.
// It must not know what a step does: the engine passes the effect in. It writes through the async store contract
// (#15): a step's start is a buffered write (ordered before its completion), its completion one durable transaction.

import type { Db } from "../store/api.ts";
import type { StepRow } from "../store/runs.ts";
import { AegisError, isAegisError, errorMessage } from "../util/errors.ts";
import { ignoreError } from "../util/log-ignored.ts";
import { failpoint, failpointMid } from "./failpoint.ts";

export type StepKind =
  | "spawn" | "send" | "enqueue" | "await" | "bash" | "ask" | "checkpoint" | "worktree" | "commit" | "diff" | "merge"
  | "sleep" | "wait" | "patch" | "group" | "broadcast" | "gather" | "race" | "dissolve";

export interface StepSpec {
  kind: StepKind;
  /** What a human reads: `send brisk-curie "Write a failing…"`. */
  label: string;
  /** The input the digest is computed from; JSON-serializable. */
  input: unknown;
}

export interface LiveOutcome<T> {
  output: T;
  costUsd?: number;
  inputTokens?: number;
  outputTokens?: number;
}

export interface StepEvent {
  seq: number;
  kind: StepKind;
  label: string;
}

export interface StepObserver {
  started(e: StepEvent): void;
  ended(e: StepEvent & {
    status: "done" | "failed" | "replayed"; durationMs: number; costUsd: number; inputTokens: number; outputTokens: number; error?: string;
  }): void;
}

/** Held live results wait this long for the replay to catch up before the resume is declared non-deterministic. */
const STALL_MS = 30_000;

export class Journal {
  private nextSeq = 1;
  private readonly prior = new Map<number, StepRow>();
  /** Recorded completions still to hand back, as step seqs in their original completion order. */
  private order: number[];
  private cursor = 0;
  private nextDone: number;
  private readonly waiters = new Map<number, () => void>();
  private tailWaiters: (() => void)[] = [];
  private waking = false;
  private liveSeen = false;

  constructor(
    private readonly db: Pick<Db, "runs" | "tx">,
    private readonly runId: string,
    readonly attempt: number,
    prior: readonly StepRow[],
    private readonly observer: StepObserver,
  ) {
    for (const r of prior) this.prior.set(r.seq, r);
    const completed = prior.filter((r) => r.status === "done" || (r.status === "failed" && r.done_seq !== null));
    completed.sort((a, b) => (a.done_seq ?? Infinity) - (b.done_seq ?? Infinity) || a.seq - b.seq);
    this.order = completed.map((r) => r.seq);
    this.nextDone = Math.max(0, ...prior.map((r) => r.done_seq ?? 0)) + 1;
    this.lastFailureReplays = new Set(replayedFailures(completed));
  }

  /** Failed steps that a later completion followed (the workflow handled them): they replay as failures. */
  private readonly lastFailureReplays: Set<number>;

  /** Steps recorded by earlier attempts. */
  get recorded(): number {
    return this.prior.size;
  }

  /** True while recorded outcomes remain to be handed back. */
  get replaying(): boolean {
    return this.cursor < this.order.length;
  }

  /** The seq the next step will get. */
  get position(): number {
    return this.nextSeq;
  }

  /** Called once, when the first step of this attempt runs live (not replayed). */
  onFirstLive?: (seq: number) => void;

  /** The run's stop (set by the runner): a step failing once it has fired was cut short, not failed by the workflow. */
  stopSignal?: AbortSignal;

  async step<T>(spec: StepSpec, exec: (seq: number) => Promise<LiveOutcome<T>>): Promise<T> {
    let seq = this.nextSeq++;
    let row = this.prior.get(seq);
    // A patch marker the workflow no longer asks about (its engine.patched call was removed once every old run was
    // gone): skipped, so runs recorded with it still replay.
    while (row?.kind === "patch" && spec.kind !== "patch" && row.status === "done") {
      void this.waitTurn(seq).then(() => this.advance());
      seq = this.nextSeq++;
      row = this.prior.get(seq);
    }
    const digest = digestOf(spec.kind, spec.input);
    if (row && (row.kind !== spec.kind || row.digest !== digest)) throw nonDeterministic(seq, row, spec);
    if (row?.status === "done" || (row && this.lastFailureReplays.has(seq))) return this.replay<T>(seq, row, spec);
    const inOrder = row !== undefined && this.order.includes(seq);
    if (!this.liveSeen) {
      this.liveSeen = true;
      this.onFirstLive?.(seq);
    }
    const t0 = performance.now();
    this.db.runs.startStep({ runId: this.runId, seq, kind: spec.kind, label: spec.label, digest, attempt: this.attempt, at: Date.now() });
    failpoint("start", seq);
    this.observer.started({ seq, kind: spec.kind, label: spec.label });
    let outcome: LiveOutcome<T>;
    try {
      failpointMid(seq);
      outcome = await exec(seq);
    } catch (err) {
      // A parked run (sleep, waitFor, askHuman under serve) leaves its step unfinished: the resume runs it live again.
      if (isParked(err)) throw err;
      // A step the run's stop cut short (Ctrl-C, --timeout, --max-cost) is recorded failed but outside the completion
      // order, so a resume runs it again: otherwise, beside other steps (parallel sends, a group's members), a later
      // completion would make its failure replay as one the workflow had handled.
      const cutShort = this.stopSignal?.aborted === true;
      const doneSeq = cutShort ? null : inOrder ? row!.done_seq : this.replaying ? null : this.nextDone++;
      await this.db.runs.finishStep(this.runId, seq, { status: "failed", doneSeq, error: JSON.stringify(serializeError(err)), at: Date.now() });
      if (!cutShort) await this.deliver(seq, inOrder, doneSeq);
      this.observer.ended({ seq, kind: spec.kind, label: spec.label, status: "failed", durationMs: performance.now() - t0, costUsd: 0, inputTokens: 0, outputTokens: 0, error: errorMessage(err) });
      throw err;
    }
    failpoint("effect", seq);
    const doneSeq = inOrder ? row!.done_seq : this.replaying ? null : this.nextDone++;
    const cost = outcome.costUsd ?? 0;
    // Committed (durable) before the outcome is handed back: a kill after this point replays the step.
    // The usage (a buffered write: it returns nothing) goes first, so a failure of it fails the awaited finish after it.
    await this.db.tx(async (t) => {
      if (cost || outcome.inputTokens || outcome.outputTokens) {
        t.runs.addRunUsage(this.runId, cost, outcome.inputTokens ?? 0, outcome.outputTokens ?? 0);
      }
      await t.runs.finishStep(this.runId, seq, {
        status: "done", doneSeq, output: outcome.output, at: Date.now(),
        costUsd: cost, inputTokens: outcome.inputTokens ?? 0, outputTokens: outcome.outputTokens ?? 0,
      });
    }, { durable: true });
    failpoint("commit", seq);
    await this.deliver(seq, inOrder, doneSeq);
    this.observer.ended({ seq, kind: spec.kind, label: spec.label, status: "done", durationMs: performance.now() - t0, costUsd: cost,
      inputTokens: outcome.inputTokens ?? 0, outputTokens: outcome.outputTokens ?? 0 });
    return outcome.output;
  }

  /**
   * Continues right after checkpoint step `seq` (resumeState): the steps before it are skipped. Returns the skipped
   * recorded rows, so the engine can learn the sessions they spawned.
   */
  jumpAfter(seq: number): StepRow[] {
    if (this.nextSeq > seq) return [];
    const skipped = [...this.prior.values()].filter((r) => r.seq >= this.nextSeq && r.seq <= seq).sort((a, b) => a.seq - b.seq);
    this.order = this.order.slice(this.cursor).filter((s) => s > seq);
    this.cursor = 0;
    this.nextSeq = seq + 1;
    this.wake();
    return skipped;
  }

  /** Records a completed step as failed with `err` (its output stays): a later attempt runs it again if it was the last. */
  async markFailed(seq: number, err: unknown): Promise<void> {
    await this.db.runs.failDoneStep(this.runId, seq, JSON.stringify(serializeError(err)));
  }

  /** The row an earlier attempt recorded for step `seq`, if any (engine.patched looks at the next one). */
  recordedAt(seq: number): StepRow | undefined {
    return this.prior.get(seq);
  }

  /** Rows recorded by earlier attempts, by seq. */
  recordedRows(): StepRow[] {
    return [...this.prior.values()].sort((a, b) => a.seq - b.seq);
  }

  private async replay<T>(seq: number, row: StepRow, spec: StepSpec): Promise<T> {
    await this.waitTurn(seq);
    this.advance();
    this.observer.ended({ seq, kind: spec.kind, label: spec.label, status: "replayed", durationMs: 0, costUsd: 0, inputTokens: 0, outputTokens: 0 });
    if (row.status === "failed") throw deserializeError(row.error);
    return (row.output === null ? undefined : JSON.parse(row.output)) as T;
  }

  /** Hands a live outcome back in its slot: its recorded position, or after every recorded completion. */
  private async deliver(seq: number, inOrder: boolean, doneSeq: number | null): Promise<void> {
    if (inOrder) {
      await this.waitTurn(seq);
      this.advance();
      return;
    }
    if (doneSeq !== null) return;
    await this.waitTail(seq);
    await this.db.runs.setStepDoneSeq(this.runId, seq, this.nextDone++);
  }

  private waitTurn(seq: number): Promise<void> {
    if (this.order[this.cursor] === seq) return Promise.resolve();
    return new Promise((resolve) => this.waiters.set(seq, resolve));
  }

  private waitTail(seq: number): Promise<void> {
    if (!this.replaying) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const stalled = setTimeout(() => {
        const waiting = this.prior.get(this.order[this.cursor] ?? -1);
        reject(new AegisError("E_NONDETERMINISTIC", `non-deterministic workflow: step ${seq} finished, but the replay still waits for step ${waiting?.seq} (${waiting?.label}) that the workflow never called again`, {
          hint: "a workflow must make the same engine calls in the same order on every run; `aegis run` it afresh instead",
        }));
      }, STALL_MS);
      this.tailWaiters.push(() => {
        clearTimeout(stalled);
        resolve();
      });
    });
  }

  private advance(): void {
    this.cursor++;
    this.wake();
  }

  /** Wakes the next waiter on a later event-loop turn, so the previous step's continuation runs first. */
  private wake(): void {
    if (this.waking) return;
    this.waking = true;
    setImmediate(() => {
      this.waking = false;
      if (this.replaying) {
        const next = this.order[this.cursor]!;
        const w = this.waiters.get(next);
        if (w) {
          this.waiters.delete(next);
          w();
        }
        return;
      }
      const tail = this.tailWaiters;
      this.tailWaiters = [];
      for (const w of tail) w();
    });
  }
}

/** True for the error a step throws when its run parks (E_PARKED): not a failure of the step. */
export function isParked(err: unknown): boolean {
  return isAegisError(err) && err.code === "E_PARKED";
}

/** Failed completions with a later completion after them: the workflow caught them and went on. */
function replayedFailures(completedInOrder: readonly StepRow[]): number[] {
  const out: number[] = [];
  completedInOrder.forEach((r, i) => {
    if (r.status === "failed" && i < completedInOrder.length - 1) out.push(r.seq);
  });
  return out;
}

/** A short, stable digest of a step's kind and input (canonical JSON: object keys sorted). */
export function digestOf(kind: string, input: unknown): string {
  const h = new Bun.CryptoHasher("sha256");
  h.update(kind);
  h.update("\0");
  h.update(canonicalJson(input));
  return h.digest("hex").slice(0, 24);
}

export function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) => {
    if (val && typeof val === "object" && !Array.isArray(val)) {
      return Object.fromEntries(Object.entries(val as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return val;
  }) ?? "null";
}

function nonDeterministic(seq: number, row: StepRow, spec: StepSpec): AegisError {
  const what = row.kind !== spec.kind ? "a different call" : "the same call with a different input";
  return new AegisError("E_NONDETERMINISTIC",
    `non-deterministic workflow: step ${seq} was \`${row.label}\` in the journal, but this run made ${what}: \`${spec.label}\``, {
      data: { step: seq, recorded: { kind: row.kind, label: row.label }, now: { kind: spec.kind, label: spec.label } },
      hint: "a resumed workflow must make the same engine calls with the same inputs; start it afresh with `aegis run`, or guard "
        + "the change with `if (await engine.patched(\"<change-id>\"))` so runs recorded before it keep the old calls (README: Changing a workflow)",
    });
}

interface SerializedError {
  name: string;
  message: string;
  code?: string;
  data?: Record<string, unknown>;
}

function serializeError(err: unknown): SerializedError {
  if (isAegisError(err)) return { name: err.name, message: err.message, code: err.code, data: err.data };
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { name: "Error", message: String(err) };
}

function deserializeError(text: string | null): Error {
  let e: SerializedError = { name: "Error", message: "the recorded step failed" };
  try {
    if (text) e = JSON.parse(text) as SerializedError;
  } catch (err) {
    // An older or corrupt row: keep the generic error above, the run can still fail with it.
    ignoreError("reading a recorded step error", err);
  }
  const err = e.code ? new AegisError(e.code as never, e.message, { data: e.data ?? {} }) : new Error(e.message);
  err.name = e.name;
  return err;
}
