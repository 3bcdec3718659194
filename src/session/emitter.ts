// A tiny synchronous event emitter for progress events (sessions, queues). A listener that throws is logged and
// skipped, so one broken subscriber (a UI) cannot stop a session or a queue. Costs one length check with no listener.

import { logger } from "../ui/log.ts";
import { errorMessage } from "../util/errors.ts";

export type Listener<E> = (event: E) => void;

export class Emitter<E> {
  private listeners: Listener<E>[] = [];

  /** Subscribes; returns the function that unsubscribes. */
  on(listener: Listener<E>): () => void {
    this.listeners = [...this.listeners, listener];
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  get active(): boolean {
    return this.listeners.length > 0;
  }

  emit(event: E): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (err) {
        // A subscriber's bug must not break the emitter's owner; it is reported, not rethrown.
        logger().warn(`progress listener failed: ${errorMessage(err)}`);
      }
    }
  }
}
