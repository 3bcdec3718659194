// Durable waits inside a workflow step (#12): engine.sleep and engine.waitFor. The wake time (or a wait's deadline)
// is recorded when the step is first reached, so a resume after a crash waits only for the time left; a signal is
// consumed by the step that takes it, exactly once. In a plain `aegis run` the wait happens in the process (the
// clock's sleep, and for signals a subscription to the run's changes: `runs` notifications from the database — a
// NOTIFY on PostgreSQL, a commit of this or another process on SQLite — or a send in this one); where parking is
// allowed (under serve, or a detached run) the run parks instead and is woken by the timer service.
// It must not journal (the engine wraps these in steps) nor decide the run's outcome.

import type { Clock } from "../serve/service.ts";
import type { Db } from "../store/api.ts";
import type { ParkRow } from "../store/waits.ts";
import { AegisError } from "../util/errors.ts";
import { formatDuration } from "../util/format.ts";
import { logIgnored } from "../util/log-ignored.ts";
import { parseDuration } from "./args.ts";
import { matchOption, type AskRequest } from "./ask.ts";
import { abortReason } from "./bash.ts";
import { WorkflowError } from "./errors.ts";

/** What the engine tells the runner when it parks: the run's park row, without its run id and time. */
export type ParkRequest = Pick<ParkRow, "state" | "wake_at" | "event" | "question">;

export interface DurableContext {
  db: Pick<Db, "waits" | "subscribe">;
  runId: string;
  clock: Clock;
  signal: AbortSignal;
  /** Present where the run may park: records the park, stops the run, and returns the error the step throws. */
  park?: (p: ParkRequest) => Promise<AegisError>;
}

/** A sleep shorter than this is slept in the process even where the run could park (parking costs a replay). */
const PARK_MIN_MS = 1000;

/** Event names a signal may have: what `aegis signal` can type, and never the `answer:` namespace of askHuman. */
export function badEventName(event: unknown): string | undefined {
  if (typeof event === "string" && /^[\w.:-]{1,128}$/.test(event) && !event.startsWith("answer:")) return undefined;
  return `bad event name ${JSON.stringify(event)}: use up to 128 letters, digits and . _ - : (not starting with "answer:")`;
}

/** The digest input and the wake time of `engine.sleep(d)`: a duration ("2h", ms) or a Date. */
export function sleepSpec(d: string | number | Date, now: number): { input: unknown; label: string; wakeAt: number } {
  if (d instanceof Date) {
    const t = d.getTime();
    if (Number.isNaN(t)) throw new WorkflowError("sleep(date): the date is invalid");
    // The date itself stays out of the digest: a workflow computing it from Date.now() must still replay.
    return { input: { until: true }, label: `sleep until ${d.toISOString()}`, wakeAt: t };
  }
  const ms = typeof d === "number" ? d : parseDuration(d);
  if (!Number.isFinite(ms) || ms < 0) throw new WorkflowError(`sleep(${String(d)}): the duration must be a non-negative number of ms or text like "2h"`);
  return { input: { ms }, label: `sleep ${formatDuration(ms)}`, wakeAt: now + ms };
}

/** The effect of a sleep step `seq`: waits until the recorded wake time (or parks until it). */
export async function sleepUntil(ctx: DurableContext, seq: number, wakeAt: number): Promise<{ wakeAt: number }> {
  const at = await ctx.db.waits.recordTimer(ctx.runId, seq, wakeAt);
  const left = at - ctx.clock.now();
  if (left <= 0) return { wakeAt: at };
  if (ctx.park && left >= PARK_MIN_MS) throw await ctx.park({ state: "sleeping", wake_at: at, event: null, question: null });
  await ctx.clock.sleep(left, ctx.signal);
  return { wakeAt: at };
}

/**
 * The effect of a waitFor step `seq`: the payload of the signal it consumes. Waits (or parks) until one arrives; past
 * the deadline (recorded when first reached) it fails with a WorkflowError (E_TIMEOUT).
 */
export async function waitForSignal(ctx: DurableContext, seq: number, event: string, timeoutMs: number | undefined): Promise<unknown> {
  const deadline = timeoutMs === undefined ? undefined : await ctx.db.waits.recordTimer(ctx.runId, seq, ctx.clock.now() + timeoutMs);
  // Subscribed before the first look, so a signal committed right after a look is not missed.
  const watch = ctx.park ? undefined : watchRunChanges(ctx);
  try {
    for (let look = 0; ; look++) {
      if (ctx.signal.aborted) throw abortReason(ctx.signal);
      watch?.reset();
      // The first look also finds the signal an earlier attempt took for this step; later ones only read until one
      // is pending, since a take is a write and a write notifies `runs` again (it would wake this loop forever).
      if (look === 0 || await ctx.db.waits.hasPendingSignal(ctx.runId, event)) {
        const got = await ctx.db.waits.consumeSignal(ctx.runId, event, seq, ctx.clock.now());
        if (got) return got.payload === null ? null : JSON.parse(got.payload);
      }
      const now = ctx.clock.now();
      if (deadline !== undefined && now >= deadline) {
        throw new WorkflowError(`waitFor("${event}") timed out after ${formatDuration(timeoutMs!)} without the signal`, {
          code: "E_TIMEOUT", data: { event, runId: ctx.runId },
          hint: `send it with: aegis signal ${ctx.runId} ${event} '<json>', then resume the run (aegis resume ${ctx.runId})`,
        });
      }
      if (ctx.park) throw await ctx.park({ state: "waiting", wake_at: deadline ?? null, event, question: null });
      await watch!.next(deadline === undefined ? undefined : deadline - now);
    }
  } finally {
    watch?.stop();
  }
}

type Listener = (runId: string) => void;
const listeners = new Set<Listener>();

/** Calls `l` with the run id of each signal sent in this process; returns the function that stops it. */
export function onSignal(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

/** Tells in-process waits that a signal for `runId` was stored (another process's is noticed by the watch). */
export function notifySignal(runId: string): void {
  for (const l of [...listeners]) l(runId);
}

/**
 * Watches for changes that may bring the run a signal: a `runs` notification naming it (or "*", a rescan) from the
 * store — any process, any machine on PostgreSQL — and a send in this process. `reset()` before each look; `next(ms)`
 * resolves at once if something changed since, else at the next change or after `ms`.
 */
function watchRunChanges(ctx: DurableContext): { reset(): void; next(ms: number | undefined): Promise<void>; stop(): void } {
  let changed = false;
  let wake: (() => void) | undefined;
  const touch = () => {
    changed = true;
    wake?.();
  };
  const offDb = ctx.db.subscribe("runs", (key) => (key === "*" || key === ctx.runId) && touch());
  const offLocal = onSignal((runId) => runId === ctx.runId && touch());
  return {
    reset: () => void (changed = false),
    stop: () => {
      offDb();
      offLocal();
    },
    next: (ms) => new Promise<void>((resolve, reject) => {
      if (changed) return resolve();
      const timeout = new AbortController();
      const done = (err?: unknown) => {
        wake = undefined;
        ctx.signal.removeEventListener("abort", onAbort);
        timeout.abort();
        if (err === undefined) resolve();
        else reject(err);
      };
      const onAbort = () => done(abortReason(ctx.signal));
      wake = () => done();
      ctx.signal.addEventListener("abort", onAbort, { once: true });
      if (ms !== undefined) {
        // Rejects only when done() cancels it (a change came first): nothing is left to do then.
        ctx.clock.sleep(ms, timeout.signal).then(() => wake?.(), logIgnored("a waitFor timer cancelled"));
      }
    }),
  };
}

/** The payload a waitFor gets from the text of `aegis signal … [json]`: JSON if it parses, else the text itself. */
export function parsePayload(text: string | undefined): unknown {
  if (text === undefined) return null;
  try {
    return JSON.parse(text);
  } catch (err) {
    // Plain words (`aegis signal run_x approved yes`) arrive as a string; a broken JSON object or array is a mistake.
    if (/^\s*[[{]/.test(text)) {
      throw new AegisError("E_USAGE", `the payload is not valid JSON: ${(err as Error).message}`, {
        hint: `quote it for the shell, e.g. '{"by":"ana"}'; plain words are sent as a string`,
      });
    }
    return text;
  }
}

/** An answer sent with `aegis answer` for the ask step `seq` (consumed by it), checked against the options. */
export async function takeSentAnswer(ctx: DurableContext, seq: number, req: AskRequest): Promise<string | undefined> {
  const sent = await ctx.db.waits.consumeSignal(ctx.runId, `answer:${req.key}`, seq, ctx.clock.now());
  if (!sent) return undefined;
  const raw = sent.payload === null ? "" : String(JSON.parse(sent.payload));
  const ok = matchOption(req.options, raw);
  if (ok === undefined || ok === "") {
    throw new AegisError("E_USAGE", `the answer "${raw}" sent for ${req.key} is not one of: ${req.options?.join(", ") ?? "(a non-empty value)"}`, {
      data: { key: req.key }, hint: `answer again: aegis answer ${ctx.runId} ${req.key}=<value>, then resume the run`,
    });
  }
  return ok;
}

export function parkMessage(p: ParkRequest): string {
  if (p.state === "sleeping") return `sleeping until ${new Date(p.wake_at!).toISOString()}`;
  if (p.question !== null) return `waiting for an answer: ${(JSON.parse(p.question) as { question: string }).question}`;
  return `waiting for the signal "${p.event}"${p.wake_at !== null ? ` until ${new Date(p.wake_at).toISOString()}` : ""}`;
}
