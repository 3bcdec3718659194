// The composition root: one store, one owner registration, one SessionManager and one QueueManager per aegis
// process, wired together. CLI commands, workflows and the MCP plane all start here, so they share state and
// semantics. It must not contain domain logic; it only builds, and closes in the right order. The state is the
// SQLite file (rt.store, the synchronous connection, and rt.db over it) or a PostgreSQL database (rt.db only; see
// startRuntime and src/store/open.ts).

import { loadConfig, type LoadOptions } from "./config/load.ts";
import type { LoadedConfig } from "./config/validate.ts";
import type { PermissionRequest } from "./drivers/driver.ts";
import { runtimePlane } from "./mcp/runtime-plane.ts";
import { QueueManager } from "./queue/queue-manager.ts";
import { SessionManager, type Plane } from "./session/manager.ts";
import { registerOwner } from "./store/owners.ts";
import type { Db } from "./store/api.ts";
import { openDb, sqlitePath, storeTarget } from "./store/open.ts";
import { AegisError } from "./util/errors.ts";
import { sqliteDb } from "./store/sqlite/db.ts";
import { openStore, type Store } from "./store/store.ts";
import { writeErr } from "./ui/log.ts";
import { logIgnored } from "./util/log-ignored.ts";
import { DEFAULT_LEASE_MS } from "./config/schema.ts";

export interface RuntimeOptions {
  config: LoadedConfig;
  /** An open store; default: the state database of the config (see statePath). Closed by close() only if opened here. */
  store?: Store;
  /**
   * An open PostgreSQL Db (src/store/open.ts openDb) instead of the SQLite store, with this process's registered
   * `owner`; startRuntime() passes both when the config chooses PostgreSQL. Closed by close() only with `closeDb`.
   */
  db?: Db;
  owner?: string;
  closeDb?: boolean;
  /** Working directory of spawned agents; default the project root. */
  cwd?: string;
  /** The MCP plane every spawned session gets; default aegis's own (loaded on the first spawn); false for none. */
  plane?: Plane | false;
  askPermission?: (req: PermissionRequest) => Promise<boolean>;
  /** A turn with no agent event for this long is interrupted, then killed. Default 600 s. */
  idleTimeoutMs?: number;
  /** Queue options: which queues to run workers for, the cross-process watch interval, keep-alive for `aegis work`. */
  queues?: {
    serve?: readonly string[]; pollMs?: number; keepAlive?: boolean; localParallel?: number; now?: () => number;
    /** `aegis work --concurrency` / `--host-label` (#15). */
    concurrency?: number; hostLabels?: readonly string[];
  };
}

export interface Runtime {
  readonly config: LoadedConfig;
  /** The synchronous SQLite connection: E_CONFIG on PostgreSQL (code still on it must move to rt.db). */
  readonly store: Store;
  /** The async store contract (#15) over the same connection: new code reads and writes through it. */
  readonly db: Db;
  /** This process's owner id in the store. */
  readonly owner: string;
  readonly sessions: SessionManager;
  readonly queues: QueueManager;
  /** Stops queue workers (their tasks fail as interrupted), closes every session, then the store. Idempotent. */
  close(): Promise<void>;
}

/** The SQLite state database of a config (see sqlitePath in src/store/open.ts). */
export function statePath(config: Pick<LoadedConfig, "stateDir">, env: Record<string, string | undefined> = process.env): string {
  return sqlitePath(config, env);
}

export function createRuntime(opts: RuntimeOptions): Runtime {
  if (!opts.store && !opts.db && storeTarget(opts.config).backend === "postgres") {
    // A SQLite runtime here would keep this command's state where no other process on the database looks.
    throw new AegisError("E_INTERNAL", "createRuntime was called for a project whose state is on PostgreSQL: use startRuntime");
  }
  const onPg = opts.db?.backend === "postgres";
  if (onPg && opts.owner === undefined) throw new AegisError("E_INTERNAL", "createRuntime on PostgreSQL needs the registered owner (use startRuntime)");
  const store = onPg ? undefined : opts.store ?? openStore(statePath(opts.config));
  const pollMs = opts.config.store?.pollMs;
  const db = opts.db ?? sqliteDb(store!, { closeStore: false, ...(pollMs !== undefined ? { safetyPollMs: pollMs } : {}) });
  const owner = opts.owner ?? registerOwner(store!);
  let runtime: Runtime | undefined;
  const ownPlane = opts.plane === undefined
    ? runtimePlane(() => runtime!, { log: (line) => writeErr(`aegis: ${line}\n`) })
    : undefined;
  const plane = opts.plane || ownPlane;
  const sessions = new SessionManager({
    config: opts.config, ...(store ? { store } : {}), db, owner, cwd: opts.cwd ?? opts.config.root,
    ...(plane ? { plane } : {}),
    ...(opts.askPermission ? { askPermission: opts.askPermission } : {}),
    ...(opts.idleTimeoutMs !== undefined ? { idleTimeoutMs: opts.idleTimeoutMs } : {}),
  });
  const q = opts.queues ?? {};
  const queues = new QueueManager({
    config: opts.config, ...(store ? { store } : {}), db, sessions, owner,
    ...(q.serve ? { queues: q.serve } : {}),
    ...(q.pollMs !== undefined ? { pollMs: q.pollMs } : {}),
    ...(q.keepAlive !== undefined ? { keepAlive: q.keepAlive } : {}),
    ...(q.localParallel !== undefined ? { localParallel: q.localParallel } : {}),
    ...(q.concurrency !== undefined ? { concurrency: q.concurrency } : {}),
    ...(q.hostLabels !== undefined ? { hostLabels: q.hostLabels } : {}),
    ...(q.now ? { now: q.now } : {}),
  });
  // Every aegis process beats (#15), so other machines can tell an `aegis run` whose machine died or slept from a live
  // one (src/store/owner-silence.ts); a queue worker's lease renewals beat for it.
  const leaseMs = opts.config.store?.leaseMs ?? DEFAULT_LEASE_MS;
  let beating = false;
  const heartbeat = setInterval(() => {
    if (beating || queues.leased) return;
    beating = true;
    db.owners.heartbeatOwner(owner).catch((err: unknown) => {
      if (!closing) logIgnored("recording this process's heartbeat (the next one tries again)")(err);
    }).finally(() => (beating = false));
  }, Math.max(50, Math.floor(leaseMs / 3)));
  heartbeat.unref();
  let closing: Promise<void> | undefined;
  runtime = {
    config: opts.config, db, owner, sessions, queues,
    get store(): Store {
      if (!store) {
        throw new AegisError("E_CONFIG", `this command still reads the state through the SQLite connection, and the state is on PostgreSQL (${db.location})`, {
          hint: "unset store.url and AEGIS_DATABASE_URL to use the SQLite state file",
        });
      }
      return store;
    },
    close() {
      closing ??= (async () => {
        clearInterval(heartbeat);
        try {
          await queues.close();
          await sessions.closeAll();
        } finally {
          await ownPlane?.close();
          try {
            await db.owners.removeOwner(owner);
          } finally {
            if (!opts.db || opts.closeDb) await db.close();
            if (store && !opts.store) store.close();
          }
        }
      })();
      return closing;
    },
  };
  return runtime;
}

/**
 * Builds the runtime on the backend the config and environment choose (store.url / AEGIS_DATABASE_URL: PostgreSQL,
 * else the SQLite file): what every command that may run against a shared database starts with.
 */
export async function startRuntime(opts: RuntimeOptions): Promise<Runtime> {
  if (opts.store || opts.db || storeTarget(opts.config).backend === "sqlite") return createRuntime(opts);
  const db = await openDb({ config: opts.config });
  try {
    const owner = await db.owners.registerOwner();
    return createRuntime({ ...opts, db, owner, closeDb: true });
  } catch (err) {
    await db.close();
    throw err;
  }
}

/** Loads the project's config and builds its runtime: what most CLI commands start with. */
export async function openRuntime(load: LoadOptions = {}, opts: Omit<RuntimeOptions, "config"> = {}): Promise<Runtime> {
  return startRuntime({ ...opts, config: await loadConfig(load) });
}
