// The state-database part of `aegis doctor` (#15): the check of the backend this project uses (store/check.ts:
// AEGIS_DATABASE_URL, store.url, else the SQLite file; never migrates, URLs redacted) and how doctor prints it.

import type { LoadedConfig } from "../config/validate.ts";
import type { StoreCheck } from "../store/check.ts";
import { PG_READY } from "../store/open.ts";

/**
 * Checks the project's state database; undefined when there is nothing to check (no config and no
 * AEGIS_DATABASE_URL). A bad setting or a broken database comes back as a failed check, not an exception.
 */
export async function checkState(config: LoadedConfig | undefined, env: Record<string, string | undefined> = process.env): Promise<StoreCheck | undefined> {
  // Without a config only AEGIS_DATABASE_URL names a database (storeTarget reads nothing else when it is set).
  if (!config && !env.AEGIS_DATABASE_URL?.trim()) return undefined;
  const { checkStore } = await import("../store/check.ts");
  const check = await checkStore(config ?? { stateDir: process.cwd(), store: { pool: 1, leaseMs: 30_000 } }, { env });
  if (check.backend === "postgres" && check.ok && !PG_READY) {
    check.notes.push("this aegis does not keep its state on PostgreSQL yet: commands using the state refuse this URL");
  }
  return check;
}

const ms = (x: number) => `${x < 10 ? x.toFixed(1) : Math.round(x)} ms`;

/** The check as doctor prints it: a ✓/✗ line with the figures, then problems, their hint and notes. */
export function describeStateCheck(c: StoreCheck): string[] {
  const facts = [
    c.server,
    c.schema && c.schema.state !== "none" ? `schema ${c.schema.database}` : undefined,
    c.connectMs !== undefined ? `connect ${ms(c.connectMs)}` : undefined,
    c.queryMs !== undefined ? `query ${ms(c.queryMs)}` : undefined,
    c.notifyMs !== undefined ? `notify ${ms(c.notifyMs)}` : undefined,
    c.workers !== undefined ? `${c.workers} live worker${c.workers === 1 ? "" : "s"}` : undefined,
  ].filter(Boolean);
  return [
    `  ${c.ok ? "✓" : "✗"} store: ${c.location}${facts.length ? `: ${facts.join(", ")}` : ""}`,
    ...c.problems.map((p) => `    ✗ ${p}`),
    ...(c.hint ? [`      hint: ${c.hint}`] : []),
    ...c.notes.map((n) => `    ${n}`),
  ];
}
