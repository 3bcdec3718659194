// A JSON-RPC 2.0 connection over a line stream: framing (one JSON value per line), request ids, the pending map with a
// timeout on every request, one write queue, and dispatch of inbound requests and notifications to the role above.
// It knows nothing of ACP methods. Guarantees: a non-JSON or malformed line is skipped and counted, never fatal; when
// the stream ends or `close()` is called (e.g. the process exited while a grandchild still holds its stdout), every
// pending request is rejected at once and later requests reject immediately.

import { ZodError, z } from "zod";
import { AegisError, errorMessage } from "../../util/errors.ts";
import {
  RPC_INTERNAL_ERROR, RPC_INVALID_PARAMS, RPC_METHOD_NOT_FOUND, RpcError, RpcRequest,
  type RpcErrorBody, type RpcId,
} from "./wire.ts";

/** Where the connection reads lines from and writes lines to (a child process, or a test double). */
export interface LineTransport {
  lines: AsyncIterable<string>;
  write(data: string): void | Promise<void>;
}

/** Thrown by an inbound request handler to answer with a specific JSON-RPC error. */
export class RpcMethodError extends Error {
  constructor(readonly code: number, message: string, readonly data?: unknown) {
    super(message);
    this.name = "RpcMethodError";
  }
}

export interface ConnectionOptions {
  /** Timeout of a request when the caller gives none. */
  defaultTimeoutMs?: number;
  /** Answers an inbound request; return the result or throw (RpcMethodError for a chosen code). */
  onRequest?: (method: string, params: unknown) => unknown;
  /** Receives inbound notifications, synchronously, in arrival order. */
  onNotification?: (method: string, params: unknown) => void;
  /** Told about every skipped line and every handler failure, for debugging. */
  onDiagnostic?: (message: string) => void;
  /** The peer leaves out the `jsonrpc` member (Codex's app-server): a message without it is taken as 2.0. */
  jsonrpcOptional?: boolean;
}

export interface RequestOptions {
  /** Milliseconds before the request rejects with E_TIMEOUT. 0 means no timer: the caller bounds it another way. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

interface Pending {
  method: string;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  timer?: ReturnType<typeof setTimeout>;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** A request's result handed over as it is, for the caller to check (by hand first, then zod: see wire-check.ts). */
export const UNCHECKED = z.unknown();

export class JsonRpcConnection {
  private nextId = 1;
  private readonly pending = new Map<RpcId, Pending>();
  private writeChain: Promise<void> = Promise.resolve();
  private closedWith?: Error;
  private reading?: Promise<void>;
  /** Lines that were not a valid JSON-RPC message and were skipped. */
  skippedLines = 0;

  constructor(private readonly transport: LineTransport, private readonly opts: ConnectionOptions = {}) {}

  /** Starts reading; resolves when the stream ends (the connection is then closed). Idempotent. */
  start(): Promise<void> {
    this.reading ??= this.readLoop();
    return this.reading;
  }

  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  /** Sends a request and resolves with its result validated by `schema`. */
  request<S extends z.ZodType>(method: string, params: unknown, schema: S, ro: RequestOptions = {}): Promise<z.infer<S>> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    if (ro.signal?.aborted) return Promise.reject(cancelled(method));
    const id = this.nextId++;
    return new Promise<z.infer<S>>((resolve, reject) => {
      const entry: Pending = {
        method,
        resolve: (value) => {
          if ((schema as z.ZodType) === UNCHECKED) return resolve(value as z.infer<S>);
          const parsed = schema.safeParse(value);
          if (parsed.success) resolve(parsed.data);
          else reject(new AegisError("E_PROTOCOL", `invalid ${method} result: ${parsed.error.message}`, { data: { method } }));
        },
        reject,
      };
      const timeoutMs = ro.timeoutMs ?? this.opts.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS;
      if (timeoutMs > 0) {
        entry.timer = setTimeout(() => {
          this.settle(id)?.reject(new AegisError("E_TIMEOUT", `${method} got no answer within ${timeoutMs} ms`, { data: { method } }));
        }, timeoutMs);
      }
      if (ro.signal) {
        const onAbort = () => this.settle(id)?.reject(cancelled(method));
        ro.signal.addEventListener("abort", onAbort, { once: true });
        const base = entry.reject;
        const baseResolve = entry.resolve;
        entry.reject = (e) => { ro.signal?.removeEventListener("abort", onAbort); base(e); };
        entry.resolve = (v) => { ro.signal?.removeEventListener("abort", onAbort); baseResolve(v); };
      }
      this.pending.set(id, entry);
      this.send({ jsonrpc: "2.0", id, method, params });
    });
  }

  /** Sends a notification (no answer expected). Silently dropped once closed: the peer is gone. */
  notify(method: string, params: unknown): void {
    if (this.closedWith) return;
    this.send({ jsonrpc: "2.0", method, params });
  }

  /** Closes the connection: every pending request and every later one rejects with `reason`. Idempotent. */
  close(reason: Error): void {
    if (this.closedWith) return;
    this.closedWith = reason;
    for (const id of [...this.pending.keys()]) this.settle(id)?.reject(reason);
  }

  /** Number of requests still waiting for an answer. */
  get pendingCount(): number {
    return this.pending.size;
  }

  private settle(id: RpcId): Pending | undefined {
    const entry = this.pending.get(id);
    if (!entry) return undefined;
    this.pending.delete(id);
    if (entry.timer) clearTimeout(entry.timer);
    return entry;
  }

  private send(message: unknown): void {
    const line = `${JSON.stringify(message)}\n`;
    // One queue for every write, so that lines never interleave even when the transport's write is asynchronous.
    this.writeChain = this.writeChain
      .then(() => this.transport.write(line))
      .catch((err: unknown) => {
        this.diag(`write failed: ${errorMessage(err)}`);
        this.close(new AegisError("E_AGENT_EXIT", `cannot write to the agent: ${errorMessage(err)}`, { cause: err }));
      });
  }

  private async readLoop(): Promise<void> {
    try {
      for await (const line of this.transport.lines) this.handleLine(line);
      this.close(new AegisError("E_AGENT_EXIT", "the agent closed its output"));
    } catch (err) {
      this.close(new AegisError("E_AGENT_EXIT", `reading from the agent failed: ${errorMessage(err)}`, { cause: err }));
    }
  }

  private handleLine(raw: string): void {
    const line = raw.trim();
    if (!line) return;
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch {
      return this.skip(`not JSON: ${line.slice(0, 120)}`);
    }
    if (typeof msg !== "object" || msg === null || Array.isArray(msg)) return this.skip("not a JSON-RPC object");
    let m = msg as Record<string, unknown>;
    // A string check, not a copy, on the hot paths below; the rare requests and errors get the member for their schemas.
    const v2 = m.jsonrpc === "2.0" || (m.jsonrpc === undefined && this.opts.jsonrpcOptional === true);
    if (v2 && m.jsonrpc === undefined && (("id" in m && typeof m.method === "string") || "error" in m)) m = { ...m, jsonrpc: "2.0" };
    if (typeof m.method === "string") {
      if ("id" in m && m.id !== undefined && m.id !== null) {
        const req = RpcRequest.safeParse(m);
        return req.success ? void this.answer(req.data.id, req.data.method, req.data.params) : this.skip("bad request envelope");
      }
      // The hot path (every session/update): RpcNotification's schema as a hand check, without zod's copy.
      if (!v2) return this.skip("bad notification envelope");
      try {
        this.opts.onNotification?.(m.method, m.params);
      } catch (err) {
        this.diag(`notification handler for ${m.method} failed: ${errorMessage(err)}`);
      }
      return;
    }
    if ("error" in m) {
      const res = RpcError.safeParse(m);
      if (!res.success || res.data.id === null) return this.skip("bad error response");
      const entry = this.settle(res.data.id);
      if (!entry) return this.skip(`error response for unknown id ${res.data.id}`);
      return entry.reject(rpcError(entry.method, res.data.error));
    }
    // RpcResult's schema as a hand check (one per request, every turn).
    const id = m.id;
    const validId = typeof id === "string" || (typeof id === "number" && Number.isFinite(id));
    if (!v2 || !validId || !("result" in m)) return this.skip("bad response envelope");
    const entry = this.settle(id);
    if (!entry) return this.skip(`response for unknown id ${id}`);
    entry.resolve(m.result);
  }

  private async answer(id: RpcId, method: string, params: unknown): Promise<void> {
    try {
      if (!this.opts.onRequest) throw new RpcMethodError(RPC_METHOD_NOT_FOUND, `method not found: ${method}`);
      const result = await this.opts.onRequest(method, params);
      if (!this.closedWith) this.send({ jsonrpc: "2.0", id, result: result ?? null });
    } catch (err) {
      if (this.closedWith) return;
      const error = toErrorBody(err);
      if (error.code !== RPC_METHOD_NOT_FOUND) this.diag(`request ${method} failed: ${error.message}`);
      this.send({ jsonrpc: "2.0", id, error });
    }
  }

  private skip(why: string): void {
    this.skippedLines++;
    this.diag(`skipped line: ${why}`);
  }

  private diag(message: string): void {
    this.opts.onDiagnostic?.(message);
  }
}

function toErrorBody(err: unknown): RpcErrorBody {
  if (err instanceof RpcMethodError) return { code: err.code, message: err.message, ...(err.data !== undefined ? { data: err.data } : {}) };
  if (err instanceof ZodError) return { code: RPC_INVALID_PARAMS, message: `invalid params: ${err.message}` };
  return { code: RPC_INTERNAL_ERROR, message: errorMessage(err) };
}

/** A JSON-RPC error answer as an AegisError; the agent's own message is kept verbatim for the user. */
function rpcError(method: string, body: RpcErrorBody): AegisError {
  return new AegisError("E_PROTOCOL", body.message + errorDetails(body.data), { data: { method, rpcCode: body.code, rpcData: body.data } });
}

/** The part of an error's `data` worth showing: agents put the real cause there (`Internal error` + `details`). */
function errorDetails(data: unknown): string {
  if (data === undefined || data === null) return "";
  const details = (data as { details?: unknown }).details;
  if (typeof details === "string") return `: ${details}`;
  if (typeof data === "string") return `: ${data}`;
  return "";
}

function cancelled(method: string): AegisError {
  return new AegisError("E_CANCELLED", `${method} was cancelled`, { data: { method } });
}

