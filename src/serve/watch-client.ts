// The client side of a streaming control method (stream.ts): one connection to the serve's socket, one request, then
// every `{ id, event }` line handed to `onEvent` until the serve or the caller closes it. A serve that is gone, or one
// too old to know the method, ends the watch through `onEnd` (with the error); the caller carries on without it.

import { join } from "node:path";
import { AegisError, errorMessage } from "../util/errors.ts";
import { SOCKET_FILE, type ControlError } from "./socket.ts";

export interface Watch {
  /** Closes the connection; `onEnd` is not called for a close asked for here. */
  close(): void;
}

/** Lines longer than this are not events this client understands: the watch ends instead of buffering them. */
const MAX_LINE = 16 * 1024 * 1024;

export function watchServe(
  stateDir: string, method: string, params: Record<string, unknown>,
  onEvent: (event: unknown) => void, onEnd: (err?: Error) => void,
): Watch {
  const path = join(stateDir, SOCKET_FILE);
  let buf = "";
  let ended = false;
  let socket: { end(): void } | undefined;
  let closedHere = false;
  const end = (err?: Error) => {
    if (ended) return;
    ended = true;
    socket?.end();
    if (!closedHere) onEnd(err);
  };
  const line = (text: string) => {
    const msg = JSON.parse(text) as { event?: unknown; result?: unknown; error?: ControlError };
    if (msg.error) throw new AegisError("E_PROTOCOL", `aegis serve refused ${method}: ${msg.error.message}`);
    if ("event" in msg) onEvent(msg.event);
  };
  Bun.connect({
    unix: path,
    socket: {
      open(s) {
        socket = s;
        if (closedHere) return void s.end();
        s.write(`${JSON.stringify({ id: 1, method, params })}\n`);
      },
      data(_s, chunk) {
        buf += chunk.toString();
        let nl: number;
        try {
          while ((nl = buf.indexOf("\n")) >= 0) {
            const text = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            if (text.trim()) line(text);
          }
          if (buf.length > MAX_LINE) throw new AegisError("E_PROTOCOL", `aegis serve sent a line over ${MAX_LINE} bytes on ${method}`);
        } catch (err) {
          end(err instanceof Error ? err : new Error(errorMessage(err)));
        }
      },
      close() {
        end();
      },
      error(_s, err) {
        end(err);
      },
    },
  }).catch((err: unknown) => end(err instanceof Error ? err : new Error(errorMessage(err))));
  return {
    close() {
      closedHere = true;
      end();
    },
  };
}
