// An in-memory line transport for connection tests: lines pushed by the test are read by the connection, and
// everything the connection writes is parsed and kept (and can be awaited). Test helper only.

import type { LineTransport } from "../../../src/drivers/acp/connection.ts";

export class LineChannel implements LineTransport {
  readonly written: unknown[] = [];
  private buffered: string[] = [];
  private ended = false;
  private wake?: () => void;
  private waiters: Array<{ pred: (m: unknown) => boolean; resolve: (m: unknown) => void }> = [];

  /** Makes `write` asynchronous (each write resolves after a microtask hop), to exercise the write queue. */
  constructor(private readonly asyncWrites = false) {}

  push(line: string | object): void {
    this.buffered.push(typeof line === "string" ? line : JSON.stringify(line));
    this.wake?.();
  }

  end(): void {
    this.ended = true;
    this.wake?.();
  }

  get lines(): AsyncIterable<string> {
    const self = this;
    return {
      async *[Symbol.asyncIterator]() {
        for (;;) {
          const next = self.buffered.shift();
          if (next !== undefined) { yield next; continue; }
          if (self.ended) return;
          await new Promise<void>((r) => { self.wake = r; });
          self.wake = undefined;
        }
      },
    };
  }

  write(data: string): void | Promise<void> {
    const record = () => {
      for (const line of data.split("\n").filter(Boolean)) {
        const msg = JSON.parse(line) as unknown;
        this.written.push(msg);
        const i = this.waiters.findIndex((w) => w.pred(msg));
        if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(msg);
      }
    };
    if (!this.asyncWrites) return record();
    return Promise.resolve().then(() => new Promise<void>((r) => setTimeout(r, 0))).then(record);
  }

  /** Resolves with the first written message (past or future) matching `pred`. */
  next<T = Record<string, any>>(pred: (m: any) => boolean): Promise<T> {
    const found = this.written.find(pred);
    if (found) return Promise.resolve(found as T);
    return new Promise((resolve) => this.waiters.push({ pred, resolve: resolve as (m: unknown) => void }));
  }
}
