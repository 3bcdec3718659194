// Waiting on a group's member turns (#13): `collectReplies` (gather: every reply, failure or timeout, the late ones
// interrupted) and `raceReplies` (the first good reply, the others interrupted). Shared by the engine's Group and the
// MCP plane's groups. It must not journal nor deliver: callers start the turns and say how each is stopped.

import { AegisError, errorCode, errorMessage } from "../util/errors.ts";
import { logIgnored } from "../util/log-ignored.ts";
import { abortReason } from "./bash.ts";

/** How one member's turn ended. */
export type TurnSettled = { ok: true; text: string } | { ok: false; error: unknown };

/** One member's turn in flight. */
export interface MemberTurn {
  member: string;
  /** Settles with the reply or the error; never rejects. */
  settled: Promise<TurnSettled>;
  /** Interrupts the member's turn (its `settled` then ends, usually as E_CANCELLED). */
  stop(): Promise<void> | void;
}

/** Replies by member (in member order), failures and timeouts: what a gather records. */
export interface Collected {
  replies: Record<string, string>;
  errors: Array<{ member: string; code: string; message: string }>;
  timeouts: string[];
}

/** What interruptUntil needs of the SessionManager. */
export interface Interruptible {
  get(handle: string): { interrupt(): Promise<void> } | undefined;
  on(listener: (e: { type: string; handle: string; event?: { type: string } }) => void): () => void;
}

/**
 * Interrupts `handle`'s running turn now, and each turn it begins (its `init` event) until `until` settles: the
 * message being stopped may wait behind another turn, and would otherwise run in full once that one ends.
 */
export function interruptUntil(sessions: Interruptible, handle: string, until: Promise<unknown>): Promise<void> {
  const off = sessions.on((e) => {
    if (e.handle === handle && e.type === "event" && e.event?.type === "init") void sessions.get(handle)?.interrupt();
  });
  const stop = () => off();
  until.then(stop, stop);
  return sessions.get(handle)?.interrupt() ?? Promise.resolve();
}

/** Wraps a turn's promise so it never rejects. */
export function settle(p: Promise<string>): Promise<TurnSettled> {
  return p.then((text) => ({ ok: true as const, text }), (error: unknown) => ({ ok: false as const, error }));
}

/** Resolves after `ms` (never when undefined) unless cancelled; the returned cancel clears the timer. */
function deadline(ms: number | undefined): { expired: Promise<void>; cancel: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<void>((resolve) => {
    if (ms !== undefined) timer = setTimeout(resolve, Math.max(0, ms));
  });
  return { expired, cancel: () => clearTimeout(timer) };
}

function aborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!signal) return;
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

async function stopAll(turns: readonly MemberTurn[]): Promise<void> {
  await Promise.all(turns.map(async (t) => {
    try {
      await t.stop();
    } catch (err) {
      // The turn may have ended (or the session closed) meanwhile: its settled promise reports how it ended.
      logIgnored(`interrupting ${t.member}`)(err);
    }
  }));
}

/**
 * Waits for every turn, at most `timeoutMs` (or until `signal` aborts): turns still running then are stopped, and
 * those that do not end with a reply are listed as timeouts. Resolves once every turn has ended.
 */
export async function collectReplies(turns: readonly MemberTurn[], timeoutMs: number | undefined, signal?: AbortSignal): Promise<Collected> {
  const done = new Map<string, TurnSettled>();
  const all = Promise.all(turns.map((t) => t.settled.then((r) => void done.set(t.member, r))));
  const timer = deadline(timeoutMs);
  await Promise.race([all, timer.expired, aborted(signal)]);
  timer.cancel();
  const late = new Set(turns.filter((t) => !done.has(t.member)).map((t) => t.member));
  await stopAll(turns.filter((t) => late.has(t.member)));
  await all;
  const out: Collected = { replies: {}, errors: [], timeouts: [] };
  for (const t of turns) {
    const r = done.get(t.member)!;
    if (r.ok) out.replies[t.member] = r.text;
    else if (late.has(t.member)) out.timeouts.push(t.member);
    else out.errors.push({ member: t.member, code: errorCode(r.error) ?? "E_INTERNAL", message: errorMessage(r.error) });
  }
  return out;
}

export interface RaceOutcome {
  member: string;
  reply: string;
}

/**
 * Resolves with the first turn that ends with a reply `accept` takes; with `cancelLosers` the others are stopped and
 * waited for first. Fails when every turn ended without a good reply (E_WORKFLOW) or at `timeoutMs` (E_TIMEOUT,
 * every turn stopped).
 */
export async function raceReplies(
  turns: readonly MemberTurn[], o: { accept: (reply: string) => boolean; cancelLosers: boolean; timeoutMs?: number; signal?: AbortSignal },
): Promise<RaceOutcome> {
  let winner: RaceOutcome | undefined;
  let ended = 0;
  const failures: Collected["errors"] = [];
  const won = new Promise<void>((resolve) => {
    for (const t of turns) {
      void t.settled.then((r) => {
        ended++;
        if (!winner && r.ok && o.accept(r.text)) winner = { member: t.member, reply: r.text };
        else if (!r.ok) failures.push({ member: t.member, code: errorCode(r.error) ?? "E_INTERNAL", message: errorMessage(r.error) });
        else failures.push({ member: t.member, code: "E_WORKFLOW", message: "its reply was not accepted" });
        if (winner || ended === turns.length) resolve();
      });
    }
    if (turns.length === 0) resolve();
  });
  const timer = deadline(o.timeoutMs);
  await Promise.race([won, timer.expired, aborted(o.signal)]);
  timer.cancel();
  const w = winner as RaceOutcome | undefined;
  const allEnded = ended === turns.length;
  const losers = turns.filter((t) => t.member !== w?.member);
  if (!w || o.cancelLosers) {
    await stopAll(losers);
    await Promise.all(losers.map((t) => t.settled));
  }
  if (w) return w;
  if (o.signal?.aborted) throw abortReason(o.signal);
  if (!allEnded) {
    throw new AegisError("E_TIMEOUT", `race: no member gave a good reply within ${o.timeoutMs} ms; every member was interrupted`, {
      data: { errors: failures },
    });
  }
  const why = failures.map((f) => `${f.member}: ${f.message}`).join("; ") || "the group has no members";
  throw new AegisError("E_WORKFLOW", `race: no member gave a good reply (${why})`, { data: { errors: failures } });
}
