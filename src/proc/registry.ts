// The set of live children of this aegis process, so that aegis exiting (normally, by an uncaught error, or on
// SIGINT/SIGTERM) takes every spawned tree down with it. It only tracks and stops; spawning is spawn.ts's job.

import type { ChildProcess, StopOptions } from "./spawn.ts";
import { signalGroup, sweepTagSync } from "./sweep.ts";

const live = new Set<ChildProcess>();
let exitHookInstalled = false;
let signalHooksInstalled = false;

/** Called by spawn.ts for each new child; installs the synchronous 'exit' hook on first use. */
export function registerChild(child: ChildProcess): void {
  live.add(child);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on("exit", killAllChildrenSync);
  }
}

/** Called by spawn.ts once a child's shutdown ladder has finished. */
export function unregisterChild(child: ChildProcess): void {
  live.delete(child);
}

/** Children whose ladder has not finished yet (running, or exited but not yet swept). */
export function liveChildren(): ChildProcess[] {
  return [...live];
}

/** Runs the shutdown ladder on every live child, in parallel. */
export async function stopAllChildren(opts: StopOptions = {}): Promise<void> {
  await Promise.all([...live].map((c) => c.stop(opts)));
}

/** Last resort for process exit, where nothing async can run: SIGKILL every group and sweep every tag, once. */
export function killAllChildrenSync(): void {
  for (const child of live) {
    signalGroup(child.pid, "SIGKILL");
    sweepTagSync(child.tag);
  }
  live.clear();
}

/**
 * Makes SIGINT, SIGTERM and SIGHUP stop every live child (short ladder) before aegis exits with 128+signal.
 * For a CLI entry point that has no signal handling of its own; one that does should call `stopAllChildren()` itself.
 * Idempotent.
 */
export function installSignalHooks(opts: StopOptions = { graceMs: 500, sigint: true }): void {
  if (signalHooksInstalled) return;
  signalHooksInstalled = true;
  const codes: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };
  for (const [sig, no] of Object.entries(codes)) {
    process.once(sig as NodeJS.Signals, () => {
      void stopAllChildren(opts).finally(() => process.exit(128 + no));
    });
  }
}
