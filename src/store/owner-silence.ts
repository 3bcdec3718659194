// Silent owners (#15): an aegis process without a lease (`aegis run`, `ask`, `chat`: not a queue worker) still sends
// a heartbeat every third of store.leaseMs. On another machine nothing else tells whether it lives (a pid means
// nothing there), so one whose heartbeat is older than a lease counts as gone *for display and operations* there:
// `aegis runs` says its run's host is silent, `aegis workers` marks it, `aegis migrate` and doctor do not count it.
// It is never recovered from another machine (its sessions stay open, its run stays `running`): a laptop that slept
// wakes up and goes on, and only its own host can judge it dead (same-host pid checks, reconcileRuns). Pure helpers.

import { DEFAULT_LEASE_MS } from "../config/schema.ts";
import { hostName } from "./owners.ts";

/** What silence is judged from: an owner row's host, its lease, its last heartbeat and the database clock. */
export interface SilenceInput {
  host: string;
  /** Set for a queue worker: the lease, not silence, decides whether it is alive. */
  leaseExpiresAt: number | null;
  heartbeatAt: number | null;
  now: number;
}

/**
 * How long `o` has been silent (ms since its last heartbeat), when it is an owner without a lease on another machine
 * whose last heartbeat is older than `leaseMs`; else null (alive, a worker judged by its lease, or judged by pid here).
 * An owner with no heartbeat recorded (an aegis from before heartbeats) is never silent.
 */
export function silentForMs(o: SilenceInput, leaseMs: number): number | null {
  if (o.leaseExpiresAt !== null || o.heartbeatAt === null || o.host === hostName()) return null;
  const age = o.now - o.heartbeatAt;
  return age > leaseMs ? age : null;
}

/** The silence limit of a config: its store.leaseMs (default 30 s). */
export function silenceLimitMs(config: { store?: { leaseMs?: number } }): number {
  return config.store?.leaseMs ?? DEFAULT_LEASE_MS;
}
