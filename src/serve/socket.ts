// The control API's server side: a Unix socket in the state folder (`<stateDir>/serve.sock`, mode 0600) speaking one
// JSON request per line, `{ id, method, params }`, answered by one line `{ id, result }` or `{ id, error }`. It
// dispatches to the method table (control.ts) and holds no handler of its own; errors become { code, message, hint }.

import { chmodSync, lstatSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import type { Socket, UnixSocketListener } from "bun";
import { AegisError, errorMessage, isAegisError } from "../util/errors.ts";
import { controlHandlers, type ControlContext } from "./control.ts";
import { isControlStream, type ControlStream } from "./stream.ts";

export const SOCKET_FILE = "serve.sock";
/** A request line longer than this is refused (the control API carries ids and small JSON, not files). */
const MAX_LINE = 16 * 1024 * 1024;
/** sun_path holds 108 bytes on Linux (104 on macOS), with the terminating NUL. */
const MAX_SOCKET_PATH = process.platform === "linux" ? 107 : 103;

export interface ControlRequest { id: number; method: string; params?: Record<string, unknown> }
export interface ControlError { code: string; message: string; hint?: string; data?: Record<string, unknown> }
export type ControlResponse = { id: number; result: unknown } | { id: number; error: ControlError };

export interface ControlServer {
  readonly path: string;
  /** Stops listening and removes the socket file. */
  close(): void;
}

/** Listens on `<stateDir>/serve.sock`; a stale socket file (the serve lock is already ours) is replaced. */
export function listenControl(stateDir: string, c: ControlContext): ControlServer {
  const path = join(stateDir, SOCKET_FILE);
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH) {
    throw new AegisError("E_STATE", `the control socket path is too long for a Unix socket (${Buffer.byteLength(path)} bytes, at most ${MAX_SOCKET_PATH}): ${path}`, {
      hint: "put the state folder on a shorter path: stateDir in .aegis.ts, or AEGIS_STATE_DIR",
    });
  }
  removeStale(path);
  const buffers = new WeakMap<Socket<undefined>, string>();
  // The socket file gets mode 0600 from its creation (umask), not after: no moment where others could connect.
  const umask = process.umask(0o177);
  let server: UnixSocketListener<undefined>;
  try {
    server = Bun.listen<undefined>({
      unix: path,
      socket: {
        data(socket, chunk) {
          let buf = (buffers.get(socket) ?? "") + chunk.toString();
          let nl: number;
          while ((nl = buf.indexOf("\n")) >= 0) {
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            if (line.trim()) void answer(socket, line, c);
          }
          if (buf.length > MAX_LINE) {
            socket.end(`${JSON.stringify({ id: 0, error: { code: "E_USAGE", message: "request line too long" } })}\n`);
            buf = "";
          }
          buffers.set(socket, buf);
        },
        error(_socket, err) {
          c.ctx.log(`control socket: ${errorMessage(err)}`);
        },
        close(socket) {
          streams.get(socket)?.();
          streams.delete(socket);
        },
      },
    });
  } finally {
    process.umask(umask);
  }
  chmodSync(path, 0o600); // belt and braces: a filesystem that ignores umask for sockets
  return {
    path,
    close() {
      server.stop(true);
      removeStale(path);
    },
  };
}

async function answer(socket: Socket<undefined>, line: string, c: ControlContext): Promise<void> {
  let id = 0;
  let res: ControlResponse;
  try {
    const req = JSON.parse(line) as ControlRequest;
    id = typeof req.id === "number" ? req.id : 0;
    const handler = Object.hasOwn(controlHandlers, req.method) ? controlHandlers[req.method] : undefined;
    if (!handler) {
      throw new AegisError("E_USAGE", `unknown control method "${String(req.method)}"`, {
        hint: `known: ${Object.keys(controlHandlers).sort().join(", ")}; is this aegis older than the serve?`,
      });
    }
    const result = await handler(req.params ?? {}, c);
    if (isControlStream(result)) return openStream(socket, id, result);
    res = { id, result: result ?? null };
  } catch (err) {
    res = { id, error: toControlError(err) };
  }
  socket.write(`${JSON.stringify(res)}\n`);
}

/** Streams of open connections, stopped when their connection closes. */
const streams = new WeakMap<Socket<undefined>, () => void>();

function openStream(socket: Socket<undefined>, id: number, stream: ControlStream): void {
  socket.write(`${JSON.stringify({ id, result: { streaming: true } })}\n`);
  let open = true;
  const stop = stream.open((event) => {
    if (!open) return false;
    const line = `${JSON.stringify({ id, event })}\n`;
    // A partial write means the reader is behind: end the stream rather than buffer without bound.
    if (socket.write(line) < Buffer.byteLength(line)) {
      open = false;
      socket.end();
    }
    return open;
  });
  streams.set(socket, () => {
    open = false;
    stop();
  });
}

export function toControlError(err: unknown): ControlError {
  if (isAegisError(err)) {
    return { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}), ...(Object.keys(err.data).length ? { data: jsonSafe(err.data) } : {}) };
  }
  if (err instanceof SyntaxError) return { code: "E_USAGE", message: `bad control request: ${err.message}` };
  return { code: "E_INTERNAL", message: errorMessage(err) };
}

function jsonSafe(data: Record<string, unknown>): Record<string, unknown> | undefined {
  try {
    return JSON.parse(JSON.stringify(data)) as Record<string, unknown>;
  } catch {
    return undefined; // data that cannot cross the wire (cycles, bigints): the code and message still do
  }
}

function removeStale(path: string): void {
  try {
    if (lstatSync(path).isSocket()) unlinkSync(path);
  } catch (err) {
    if ((err as { code?: string }).code !== "ENOENT") throw new AegisError("E_STATE", `cannot remove the old control socket ${path}: ${errorMessage(err)}`, { cause: err });
  }
}
