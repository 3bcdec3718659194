// The state-database part of `aegis doctor` (#15): which backend this project uses (AEGIS_DATABASE_URL, store.url, else
// the SQLite file), whether it answers, the server and schema versions against this aegis, query and NOTIFY latency,
// live workers. It changes nothing (store/probe.ts opens read-only and never migrates) and prints URLs redacted.

import type { LoadedConfig } from "../config/validate.ts";
import { locationOf } from "../store/location.ts";
import { PG_READY, storeTarget, type StoreTarget } from "../store/open.ts";
import type { StoreProbe } from "../store/probe.ts";
import { formatError } from "../util/errors.ts";

export interface StateCheck extends StoreProbe {
  /** Which setting chose it: "AEGIS_DATABASE_URL", "store.url" or "stateDir". */
  from: string;
  /** Said when this aegis cannot keep its state there yet, though the database itself is fine. */
  note?: string;
}

/**
 * Checks the project's state database; undefined when there is nothing to check (no config and no
 * AEGIS_DATABASE_URL). A bad setting comes back as a failed check, not an exception.
 */
export async function checkState(config: LoadedConfig | undefined, env: Record<string, string | undefined> = process.env): Promise<StateCheck | undefined> {
  let target: StoreTarget;
  try {
    if (config) target = storeTarget(config, env);
    // Without a config only AEGIS_DATABASE_URL names a database (storeTarget reads nothing else when it is set).
    else if (env.AEGIS_DATABASE_URL?.trim()) target = storeTarget({ stateDir: process.cwd(), store: {} } as Parameters<typeof storeTarget>[0], env);
    else return undefined;
  } catch (err) {
    return { backend: "postgres", location: "(invalid)", from: "AEGIS_DATABASE_URL", ok: false, error: formatError(err) };
  }
  const { probeStore } = await import("../store/probe.ts");
  const probe = await probeStore(locationOf(target));
  const from = target.backend === "postgres" ? target.from : "stateDir";
  const note = target.backend === "postgres" && !PG_READY ? "this aegis does not keep its state on PostgreSQL yet: commands using the state refuse this URL" : undefined;
  return { ...probe, from, ...(note ? { note } : {}) };
}

/** The check as doctor prints it: a ✓/✗ line, then the error's hint or a note. */
export function describeStateCheck(c: StateCheck): string[] {
  const name = c.backend === "sqlite" ? `SQLite ${c.location}` : `PostgreSQL ${c.location} (from ${c.from})`;
  if (!c.ok) return [`  ✗ state: ${name}: ${c.error ?? "unusable"}`, ...(c.hint ? [`    ${c.hint}`] : [])];
  if (c.missing) return [`  ✓ state: ${name} (not created yet; the first command that needs it creates it)`];
  const facts = [
    c.serverVersion ? `server ${c.serverVersion}` : undefined,
    c.schema ? schemaText(c.schema) : undefined,
    c.connectMs !== undefined ? `connect ${c.connectMs} ms` : undefined,
    c.queryMs !== undefined ? `query ${c.queryMs} ms` : undefined,
    c.backend === "postgres" ? (c.notifyMs !== undefined ? `notify ${c.notifyMs} ms` : "NOTIFY never came back (idle workers wake only by the safety poll)") : undefined,
    c.workers !== undefined ? `${c.workers} live worker${c.workers === 1 ? "" : "s"}` : undefined,
  ].filter(Boolean);
  return [`  ✓ state: ${name}: ${facts.join(", ")}`, ...(c.note ? [`    ! ${c.note}`] : [])];
}

function schemaText(s: NonNullable<StoreProbe["schema"]>): string {
  if (s.state === "empty") return "no aegis schema yet (created on first use)";
  if (s.state === "behind") return `schema ${s.version} (this aegis upgrades it to ${s.known} on first use)`;
  return `schema ${s.version}${s.state === "current" ? "" : ` (newer than this aegis: ${s.known})`}`;
}
