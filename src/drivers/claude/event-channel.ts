// A single-consumer async queue of events: the session's stdout reader pushes, the turn's `send()` stream pulls.
// Closing ends the stream after the items already queued. It holds no timers and does no I/O.

export class EventChannel<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiter?: (r: IteratorResult<T>) => void;
  private closed = false;

  push(item: T): void {
    if (this.closed) return;
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      w({ value: item, done: false });
    } else {
      this.items.push(item);
    }
  }

  close(): void {
    this.closed = true;
    const w = this.waiter;
    if (w && this.items.length === 0) {
      this.waiter = undefined;
      w({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.items.length > 0) return Promise.resolve({ value: this.items.shift() as T, done: false });
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return { next: () => this.next() };
  }
}
