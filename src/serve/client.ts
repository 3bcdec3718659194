// The control API's client side: finds a running `aegis serve` through its socket in the state folder and calls one
// method on it. No socket, or a socket nobody listens on (a serve that was killed), means "no serve": the caller then
// does the work itself (standalone). Errors from the serve come back as AegisErrors with their code and hint.

import { existsSync } from "node:fs";
import { join } from "node:path";
import { AegisError, ERROR_CODES, errorMessage, type ErrorCode } from "../util/errors.ts";
import { SOCKET_FILE, type ControlResponse } from "./socket.ts";

export interface ServeClient {
  readonly path: string;
  call<T = unknown>(method: string, params?: Record<string, unknown>): Promise<T>;
}

/** A client of the serve running for this state folder, or undefined when none is. */
export async function connectServe(stateDir: string): Promise<ServeClient | undefined> {
  const path = join(stateDir, SOCKET_FILE);
  if (!existsSync(path)) return undefined;
  const client: ServeClient = { path, call: (method, params) => callOnce(path, method, params ?? {}) };
  try {
    await callOnce(path, "ping", {}, PING_TIMEOUT_MS);
  } catch (err) {
    if (err instanceof NoServe) return undefined;
    throw err;
  }
  return client;
}

class NoServe extends Error {}

/** A serve that takes longer than this to answer a ping is stuck (stopped, or its event loop blocked). */
const PING_TIMEOUT_MS = 5000;

function callOnce<T>(path: string, method: string, params: Record<string, unknown>, timeoutMs?: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let buf = "";
    let settled = false;
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => settle(() => reject(new AegisError("E_TIMEOUT",
      `aegis serve (socket ${path}) did not answer ${method} within ${timeoutMs / 1000}s`,
      { hint: "is it stopped or stuck? restart it, or set AEGIS_NO_SERVE=1 to work without it" }))), timeoutMs);
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    Bun.connect({
      unix: path,
      socket: {
        open(socket) {
          socket.write(`${JSON.stringify({ id: 1, method, params })}\n`);
        },
        data(socket, chunk) {
          buf += chunk.toString();
          const nl = buf.indexOf("\n");
          if (nl < 0) return;
          settle(() => {
            try {
              const res = JSON.parse(buf.slice(0, nl)) as ControlResponse;
              if ("error" in res) reject(fromWire(res.error));
              else resolve(res.result as T);
            } catch (err) {
              reject(new AegisError("E_PROTOCOL", `aegis serve sent a bad answer to ${method}: ${errorMessage(err)}`));
            }
          });
          socket.end(); // after settling: end() runs close() at once
        },
        close() {
          settle(() => reject(new AegisError("E_PROTOCOL", `aegis serve closed the connection before answering ${method}`)));
        },
        error(_socket, err) {
          settle(() => reject(err));
        },
      },
    }).catch((err: unknown) => {
      const code = (err as { code?: string }).code;
      // Nobody listens: the serve that made the socket is gone.
      settle(() => reject(code === "ECONNREFUSED" || code === "ENOENT" || code === "FailedToOpenSocket" ? new NoServe(String(code)) : err));
    });
  });
}

function fromWire(e: { code: string; message: string; hint?: string; data?: Record<string, unknown> }): AegisError {
  const code: ErrorCode = (ERROR_CODES as readonly string[]).includes(e.code) ? (e.code as ErrorCode) : "E_INTERNAL";
  return new AegisError(code, e.message, { ...(e.hint ? { hint: e.hint } : {}), ...(e.data ? { data: e.data } : {}) });
}
