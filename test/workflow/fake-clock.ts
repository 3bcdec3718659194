// A fake Clock for tests of durable time (#12): now() is set by hand, sleep() waits until advance() passes its time.
// Only for tests.

import type { Clock } from "../../src/serve/service.ts";

interface Sleeper { until: number; ms: number; resolve: () => void }

export class FakeClock implements Clock {
  private sleepers: Sleeper[] = [];
  constructor(public t = Date.UTC(2026, 0, 1)) {}

  now(): number {
    return this.t;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const s: Sleeper = { until: this.t + ms, ms, resolve: () => resolve() };
      this.sleepers.push(s);
      signal?.addEventListener("abort", () => {
        this.sleepers = this.sleepers.filter((x) => x !== s);
        reject(signal.reason);
      }, { once: true });
    });
  }

  /** The durations of the sleeps now pending. */
  get pending(): number[] {
    return this.sleepers.map((s) => s.ms);
  }

  advance(ms: number): void {
    this.t += ms;
    const due = this.sleepers.filter((s) => s.until <= this.t);
    this.sleepers = this.sleepers.filter((s) => s.until > this.t);
    for (const s of due) s.resolve();
  }
}

/** Resolves once `cond()` holds (it may read the store: a promise), checking every few ms; fails after `ms`. */
export async function until(cond: () => boolean | Promise<boolean>, ms = 5000, what = "condition"): Promise<void> {
  const end = performance.now() + ms;
  while (!(await cond())) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(2);
  }
}
