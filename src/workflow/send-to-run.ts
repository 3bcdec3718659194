// How `aegis signal` and `aegis answer` reach a run (#12): through a running serve's control API when there is one
// (the serve's timer service is told at once), else straight into the state database, where the run's wait finds it
// (a plain `aegis run` watching the database, or a later `aegis resume`). It must not print.

import { dirname } from "node:path";
import type { LoadedConfig } from "../config/validate.ts";
import { statePath } from "../runtime.ts";
import { connectServe } from "../serve/client.ts";
import type { Db } from "../store/api.ts";
import { openDb } from "../store/open.ts";
import { sendAnswer, sendSignal, type SentSignal } from "./signals.ts";

export interface Delivered extends SentSignal {
  via: "serve" | "local";
  key?: string;
}

export async function deliverSignal(config: LoadedConfig, runId: string, event: string, payload: unknown, sender?: string): Promise<Delivered> {
  const client = await connectServe(dirname(statePath(config)));
  if (client) return { ...(await client.call<SentSignal>("signal", { runId, event, payload, ...(sender ? { sender } : {}) })), via: "serve" };
  return withDb(config, async (db) => ({ ...(await sendSignal(db, runId, event, payload, sender)), via: "local" as const }));
}

export async function deliverAnswer(config: LoadedConfig, runId: string, key: string | undefined, value: string): Promise<Delivered> {
  const client = await connectServe(dirname(statePath(config)));
  if (client) return { ...(await client.call<SentSignal & { key: string }>("answer", { runId, value, ...(key ? { key } : {}) })), via: "serve" };
  return withDb(config, async (db) => ({ ...(await sendAnswer(db, runId, key, value)), via: "local" as const }));
}

async function withDb<T>(config: LoadedConfig, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = await openDb({ config });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}
