// How `aegis signal` and `aegis answer` reach a run (#12): through a running serve's control API when there is one
// (the serve's timer service is told at once), else straight into the state database, where the run's wait finds it
// (a plain `aegis run` watching the database, or a later `aegis resume`). It must not print.

import { dirname } from "node:path";
import type { LoadedConfig } from "../config/validate.ts";
import { statePath } from "../runtime.ts";
import { connectServe } from "../serve/client.ts";
import { openStore } from "../store/store.ts";
import { sendAnswer, sendSignal, type SentSignal } from "./signals.ts";

export interface Delivered extends SentSignal {
  via: "serve" | "local";
  key?: string;
}

export async function deliverSignal(config: LoadedConfig, runId: string, event: string, payload: unknown, sender?: string): Promise<Delivered> {
  const client = await connectServe(dirname(statePath(config)));
  if (client) return { ...(await client.call<SentSignal>("signal", { runId, event, payload, ...(sender ? { sender } : {}) })), via: "serve" };
  return withStore(config, (store) => ({ ...sendSignal(store, runId, event, payload, sender), via: "local" as const }));
}

export async function deliverAnswer(config: LoadedConfig, runId: string, key: string | undefined, value: string): Promise<Delivered> {
  const client = await connectServe(dirname(statePath(config)));
  if (client) return { ...(await client.call<SentSignal & { key: string }>("answer", { runId, value, ...(key ? { key } : {}) })), via: "serve" };
  return withStore(config, (store) => ({ ...sendAnswer(store, runId, key, value), via: "local" as const }));
}

function withStore<T>(config: LoadedConfig, fn: (store: ReturnType<typeof openStore>) => T): T {
  const store = openStore(statePath(config));
  try {
    return fn(store);
  } finally {
    store.close();
  }
}
