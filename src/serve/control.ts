// The control API's method table: what a client (src/serve/client.ts) may ask a running `aegis serve` over its Unix
// socket. Each entry takes the JSON params of one request and returns a JSON-serializable result, or throws an
// AegisError (sent back as { error: { code, message, hint } }). The socket server (src/serve/socket.ts) dispatches
// here by method name; it must not hold handlers of its own. Services add their entries with targeted edits.

import type { Runtime } from "../runtime.ts";
import type { ServeContext } from "./service.ts";

/** What a handler may use: the serve's context and its runtime (store, sessions, queues). */
export interface ControlContext {
  ctx: ServeContext;
  rt: Runtime;
}

export type ControlHandler = (params: Record<string, unknown>, c: ControlContext) => Promise<unknown> | unknown;

/** Method name → handler. Entries are added by the parts of serve that own them. */
export const controlHandlers: Record<string, ControlHandler> = {};
