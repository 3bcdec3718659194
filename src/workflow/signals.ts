// Sending to a waiting run (#12): `aegis signal` / the aegis_signal MCP tool store a signal for engine.waitFor, and
// `aegis answer` stores the answer to a question askHuman parked on (an `answer:<key>` signal). Both are kept in the
// store until the run's wait step takes them, so one sent before the wait, or while no process runs the run, is never
// lost. Whoever runs the run notices: the timer service under serve, an in-process wait in this process or another.
// It must not run or resume the run.

import type { Db } from "../store/api.ts";
import { AegisError } from "../util/errors.ts";
import { matchOption } from "./ask.ts";
import { badEventName, notifySignal } from "./durable.ts";

// A failed, crashed or interrupted run can still be resumed, so it can still be sent to.
const FINISHED = new Set(["done", "cancelled"]);

export interface SentSignal {
  runId: string;
  event: string;
  signalId: number;
  /** True if the run is parked waiting for this event (the timer service wakes it). */
  wakes: boolean;
}

/** Stores a signal for `runId` (E_NOT_FOUND for no such run, E_STATE for a finished one). */
export async function sendSignal(db: Db, runId: string, event: string, payload: unknown, sender?: string): Promise<SentSignal> {
  const bad = badEventName(event);
  if (bad) throw new AegisError("E_USAGE", bad, { hint: "aegis signal <runId> <event> [json]" });
  return await send(db, runId, event, payload, sender);
}

/**
 * Stores the answer to a run's question. Without `key` the run must be parked on a question (its key is used); a
 * value outside the parked question's options is refused naming them.
 */
export async function sendAnswer(db: Db, runId: string, key: string | undefined, value: string, sender?: string): Promise<SentSignal & { key: string }> {
  const park = await db.waits.getPark(runId);
  const asked = park?.question ? (JSON.parse(park.question) as { question: string; key: string; options?: string[] }) : undefined;
  const k = key ?? asked?.key;
  if (k === undefined) {
    throw new AegisError("E_USAGE", `run ${runId} is not waiting for an answer, so the answer needs its key`, {
      hint: `aegis answer ${runId} <key>=<value> (the key askHuman was given, or its question's words dashed)`,
    });
  }
  if (asked && asked.key === k && matchOption(asked.options, value) === undefined) {
    throw new AegisError("E_USAGE", `"${value}" is not an answer to "${asked.question}": answer one of ${asked.options!.join(", ")} (or its number)`, {
      data: { key: k, options: asked.options },
    });
  }
  return { ...(await send(db, runId, `answer:${k}`, value, sender)), key: k };
}

async function send(db: Db, runId: string, event: string, payload: unknown, sender: string | undefined): Promise<SentSignal> {
  const run = await db.runs.getRun(runId);
  if (!run) throw new AegisError("E_NOT_FOUND", `no run ${runId}`, { data: { runId }, hint: "list runs with: aegis runs" });
  if (FINISHED.has(run.status)) {
    throw new AegisError("E_STATE", `run ${runId} is ${run.status}; it waits for nothing`, { data: { runId, status: run.status } });
  }
  const signalId = await db.waits.insertSignal({ runId, event, payload, ...(sender ? { sender } : {}), at: Date.now() });
  notifySignal(runId);
  const park = await db.waits.getPark(runId);
  return { runId, event, signalId, wakes: park?.event === event };
}

/** Cancels a parked run: it is recorded cancelled and no longer woken. False if the run was not parked. */
export async function cancelParked(db: Db, runId: string, at: number): Promise<boolean> {
  if (!(await db.waits.getPark(runId))) return false;
  await db.tx(async (t) => {
    await t.waits.unparkRun(runId);
    await t.runs.finishRun(runId, { status: "cancelled", at, attemptMs: 0, error: "cancelled while parked", errorCode: "E_CANCELLED" });
  }, { durable: true });
  return true;
}
