// A bounded byte ring for a child's stderr: keeps the last N bytes from the first byte on, so an error can quote what
// the CLI said just before it died. It must not grow past its bound, whatever the child writes.

export const DEFAULT_STDERR_TAIL_BYTES = 64 * 1024;

export class TailBuffer {
  private chunks: Uint8Array[] = [];
  private bytes = 0;

  constructor(readonly limit: number = DEFAULT_STDERR_TAIL_BYTES) {}

  push(chunk: Uint8Array): void {
    if (this.limit <= 0 || chunk.length === 0) return;
    // Copy: the stream may reuse the chunk's buffer once we return.
    const part = chunk.length > this.limit ? chunk.slice(chunk.length - this.limit) : chunk.slice();
    this.chunks.push(part);
    this.bytes += part.length;
    while (this.bytes > this.limit) {
      const first = this.chunks[0] as Uint8Array;
      const excess = this.bytes - this.limit;
      if (first.length <= excess) {
        this.chunks.shift();
        this.bytes -= first.length;
      } else {
        this.chunks[0] = first.subarray(excess);
        this.bytes -= excess;
      }
    }
  }

  /** Appends a note of aegis's own (e.g. a dropped oversize line), so it shows up wherever the tail is quoted. */
  note(text: string): void {
    this.push(new TextEncoder().encode(`[aegis] ${text}\n`));
  }

  get size(): number {
    return this.bytes;
  }

  /** The kept bytes as text. A multi-byte character cut at the front shows as U+FFFD. */
  text(): string {
    const buf = new Uint8Array(this.bytes);
    let off = 0;
    for (const c of this.chunks) {
      buf.set(c, off);
      off += c.length;
    }
    return new TextDecoder().decode(buf);
  }
}
