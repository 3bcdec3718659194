// Line framing for a child's stdout: splits a byte stream on "\n" (dropping a trailing "\r"), copes with lines split
// across chunks and with lines of many MiB, and drops lines over a size cap without ever buffering past it. It does not
// parse or validate lines: that is the drivers' job (garbage lines come through as they are).

import { logIgnored } from "../util/log-ignored.ts";

/** Default cap on one line: tool results can be many MiB, and 64 MiB still bounds memory per child. */
export const DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024;

const NL = 10;
const CR = 13;

export interface FramerOptions {
  maxLineBytes?: number;
  /** Called for every dropped line with its full length in bytes. */
  onOversize?: (bytes: number) => void;
}

/** A push-style framer: feed chunks, get whole lines back. Empty lines are skipped. */
export class LineFramer {
  private readonly max: number;
  private readonly onOversize?: (bytes: number) => void;
  private readonly decoder = new TextDecoder("utf-8");
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  /** While a line is over the cap, its bytes are counted here instead of kept. */
  private skippedBytes = -1;

  constructor(opts: FramerOptions = {}) {
    this.max = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.onOversize = opts.onOversize;
  }

  /** Feeds one chunk; returns the lines it completed, in order. */
  push(chunk: Uint8Array, out: string[] = []): string[] {
    // Fast path for the common case (whole lines, nothing pending, chunk under the cap): decode once and split the
    // text. Safe for UTF-8, where the byte 0x0A never occurs inside a multi-byte character.
    if (this.pending.length === 0 && this.skippedBytes < 0 && chunk.length <= this.max && chunk[chunk.length - 1] === NL) {
      for (const line of this.decoder.decode(chunk).split("\n")) {
        const text = line.endsWith("\r") ? line.slice(0, -1) : line;
        if (text !== "") out.push(text);
      }
      return out;
    }
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(NL, start);
      if (nl === -1) {
        if (start < chunk.length) this.keep(chunk.subarray(start));
        return out;
      }
      this.finish(chunk.subarray(start, nl), out);
      start = nl + 1;
    }
  }

  /** Flushes a last line that had no terminating newline (at EOF). */
  end(out: string[] = []): string[] {
    if (this.pendingBytes > 0 || this.skippedBytes >= 0) this.finish(new Uint8Array(0), out);
    return out;
  }

  private keep(part: Uint8Array): void {
    if (this.skippedBytes >= 0) {
      this.skippedBytes += part.length;
      return;
    }
    if (this.pendingBytes + part.length > this.max) {
      this.skippedBytes = this.pendingBytes + part.length;
      this.pending = [];
      this.pendingBytes = 0;
      return;
    }
    // Copy: the stream may reuse the chunk's buffer once we return.
    this.pending.push(part.slice());
    this.pendingBytes += part.length;
  }

  private finish(tail: Uint8Array, out: string[]): void {
    if (this.skippedBytes >= 0) {
      const bytes = this.skippedBytes + tail.length;
      this.skippedBytes = -1;
      this.onOversize?.(bytes);
      return;
    }
    let line = tail;
    if (this.pending.length > 0) {
      const total = this.pendingBytes + tail.length;
      this.pending.push(tail);
      const parts = this.pending;
      this.pending = [];
      this.pendingBytes = 0;
      if (total > this.max) {
        this.onOversize?.(total);
        return;
      }
      line = concat(parts, total);
    } else if (tail.length > this.max) {
      this.onOversize?.(tail.length);
      return;
    }
    let end = line.length;
    if (end > 0 && line[end - 1] === CR) end--;
    if (end === 0) return;
    out.push(this.decoder.decode(end === line.length ? line : line.subarray(0, end)));
  }
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const buf = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    buf.set(p, off);
    off += p.length;
  }
  return buf;
}

/**
 * Reads a byte stream as lines. Stops at EOF, or when `signal` aborts (the reader is cancelled; lines already
 * framed are still yielded). `onChunk` is told of every chunk read.
 */
export async function* readLines(
  stream: ReadableStream<Uint8Array>,
  opts: FramerOptions & { signal?: AbortSignal; onChunk?: () => void } = {},
): AsyncGenerator<string> {
  const framer = new LineFramer(opts);
  const reader = stream.getReader();
  const onAbort = () => {
    // Cancelling a stream that already errored rejects; the read loop below reports the end either way.
    reader.cancel().catch(logIgnored("cancelling a drained output stream"));
  };
  if (opts.signal?.aborted) onAbort();
  else opts.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const lines: string[] = [];
    for (;;) {
      let res: Awaited<ReturnType<typeof reader.read>>;
      try {
        res = await reader.read();
      } catch {
        break; // a pipe error is the end of the stream for a child that died; the caller sees the exit status
      }
      if (res.done) break;
      opts.onChunk?.();
      framer.push(res.value, lines);
      for (const line of lines) yield line;
      lines.length = 0;
    }
    for (const line of framer.end()) yield line;
  } finally {
    opts.signal?.removeEventListener("abort", onAbort);
    reader.releaseLock();
  }
}
