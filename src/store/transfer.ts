// `aegis migrate` as one unit (#15): opens both sides (each brought to this aegis's schema, as any command would),
// finds the source's live workers, reads the source in one snapshot and writes the target in one transaction
// (PostgreSQL) or into a new file renamed into place once complete (SQLite), so a failed copy leaves no half-filled
// target. copy.ts moves the rows. It must not print nor decide whether live workers block the copy: the command does.

import type { Database } from "bun:sqlite";
import { existsSync, renameSync, rmSync } from "node:fs";
import { SQL } from "bun";
import { AegisError, UsageError } from "../util/errors.ts";
import { logIgnored } from "../util/log-ignored.ts";
import { copyState, type CopyEnd, type CopyOptions, type TableCount } from "./copy.ts";
import { describeLocation, sameLocation, type StoreLocation } from "./location.ts";
import { hostName, isOwnerAlive, type OwnerRow } from "./owners.ts";
import { silentForMs } from "./owner-silence.ts";
import { DEFAULT_LEASE_MS } from "../config/schema.ts";
import { PG_MIGRATIONS } from "./postgres/baseline.ts";
import { connectError, migratePg } from "./postgres/connect.ts";
import { PG_NOW_MS } from "./postgres/schema.ts";
import { openStore } from "./store.ts";

/** Re-exported for the doctor check (src/store/check.ts). */
export { connectError };

/** A process registered on the source that still holds a lease (or, without one, whose pid is alive). */
export interface LiveOwner {
  id: string;
  host: string;
  pid: number;
  /** ms until its lease runs out by the database's clock; null for a process without a lease. */
  leaseLeftMs: number | null;
}

interface Opened {
  end: CopyEnd;
  /** Runs `fn` in one read snapshot (source) or one write transaction (target) of this side. */
  atomically<T>(fn: (end: CopyEnd) => Promise<T>, mode: "read" | "write"): Promise<T>;
  /** Makes a completed copy visible (a new SQLite file is renamed into place); then close. */
  finish(): Promise<void>;
  /** Closes without finishing: a new SQLite file is deleted. */
  abandon(): Promise<void>;
}

export interface TransferResult {
  from: string;
  to: string;
  counts: TableCount[];
  /** Live workers on the source when the copy started (non-empty only with force). */
  live: LiveOwner[];
}

export interface TransferOptions extends CopyOptions {
  /** Copy although the source has live workers (their writes during the copy are not copied). */
  force?: boolean;
  /** Seconds to wait for a PostgreSQL server to accept a connection; default 10. */
  connectTimeoutS?: number;
  /** store.leaseMs: another machine's process without a lease silent longer than this is not live (#15); default 30 s. */
  leaseMs?: number;
}

/** Copies the state at `from` into the empty `to`, verified table by table; refuses live workers unless `force`. */
export async function transferState(from: StoreLocation, to: StoreLocation, opts: TransferOptions = {}): Promise<TransferResult> {
  if (sameLocation(from, to)) throw new UsageError(`the source and the target are the same database: ${describeLocation(to)}`);
  if (from.kind === "sqlite" && !existsSync(from.path)) {
    throw new AegisError("E_STATE", `there is no state database at ${from.path}`, { hint: "run aegis migrate in the project whose state you want to copy, or name it with --from" });
  }
  const source = await open(from, opts, false);
  let target: Opened | undefined;
  try {
    const live = await liveOwners(source.end.kind === "sqlite" ? { kind: "sqlite", db: source.end.store.db } : source.end, opts.leaseMs);
    if (live.length && !opts.force) {
      const list = live.map((o) => `${o.id} (pid ${o.pid} on ${o.host}${o.leaseLeftMs === null ? "" : `, lease ${Math.ceil(o.leaseLeftMs / 1000)} s left`})`).join(", ");
      // A process of another machine without a lease (aegis run, ask, chat) can be judged dead only there (#15).
      const foreign = [...new Set(live.filter((o) => o.leaseLeftMs === null && o.host !== hostName()).map((o) => o.host))];
      const elsewhere = foreign.length
        ? `; those without a lease on ${foreign.join(", ")} (aegis run, ask, chat) count while they send heartbeats (one silent for store.leaseMs no longer counts)`
        : "";
      throw new AegisError("E_STATE", `${live.length} aegis process${live.length === 1 ? " is" : "es are"} using ${describeLocation(from)}: ${list}`, {
        hint: `stop them first (aegis work, aegis serve, running workflows) or wait for their leases to expire${elsewhere}; --force copies anyway, without the writes they make meanwhile`,
        data: { live },
      });
    }
    target = await open(to, opts, true);
    const t = target;
    const counts = await source.atomically((src) => t.atomically((dst) => copyState(src, dst, opts), "write"), "read").catch((err: unknown) => {
      throw nonEmptyTarget(err, to) ?? err;
    });
    await target.finish();
    target = undefined;
    return { from: describeLocation(from), to: describeLocation(to), counts, live };
  } finally {
    await target?.abandon();
    await source.finish();
  }
}

/**
 * The owners of `end` that are alive: lease not expired (database clock on PostgreSQL), not a gone local pid, and not
 * another machine's process without a lease silent for longer than `leaseMs` (src/store/owner-silence.ts).
 */
export async function liveOwners(end: { kind: "sqlite"; db: Database } | { kind: "postgres"; sql: SQL }, leaseMs = DEFAULT_LEASE_MS): Promise<LiveOwner[]> {
  type Row = OwnerRow & { lease_expires_at?: number | string | null; heartbeat_at?: number | string | null; now: number | string };
  const rows = end.kind === "sqlite"
    ? end.db.query<Row, [number]>("SELECT *, ? AS now FROM owners ORDER BY started_at").all(Date.now())
    : (await end.sql.unsafe(`SELECT *, ${PG_NOW_MS} AS now FROM owners ORDER BY started_at`)) as Row[];
  const live: LiveOwner[] = [];
  for (const r of rows) {
    const row = { ...r, pid: Number(r.pid), started_at: Number(r.started_at) };
    const left = r.lease_expires_at === null || r.lease_expires_at === undefined ? null : Number(r.lease_expires_at) - Number(r.now);
    const beat = r.heartbeat_at === null || r.heartbeat_at === undefined ? null : Number(r.heartbeat_at);
    const silent = silentForMs({ host: row.host, leaseExpiresAt: left === null ? null : 0, heartbeatAt: beat, now: Number(r.now) }, leaseMs) !== null;
    if ((left === null || left > 0) && !silent && isOwnerAlive(row)) live.push({ id: row.id, host: row.host, pid: row.pid, leaseLeftMs: left });
  }
  return live;
}

async function open(loc: StoreLocation, opts: TransferOptions, isTarget: boolean): Promise<Opened> {
  return loc.kind === "postgres" ? await openPostgres(loc.url, opts.connectTimeoutS ?? 10) : openSqlite(loc.path, isTarget);
}

function openSqlite(path: string, isTarget: boolean): Opened {
  // A new target file is built beside its final name and renamed into place only when the copy is complete.
  const fresh = isTarget && !existsSync(path);
  const building = fresh ? `${path}.migrating-${process.pid}` : path;
  const store = openStore(building);
  const end: CopyEnd = { kind: "sqlite", store };
  let closed = false;
  const close = () => {
    if (!closed) store.close();
    closed = true;
  };
  return {
    end,
    async atomically(fn, mode) {
      if (mode === "write") return await fn(end); // a partial new file is deleted; an existing one was required empty
      store.db.run("BEGIN"); // one read snapshot (WAL): every table as of the same instant
      try {
        return await fn(end);
      } finally {
        store.db.run("COMMIT");
      }
    },
    async finish() {
      if (fresh && !closed) {
        // Every page into the file itself and out of WAL mode (the -wal/-shm files go), so the rename moves it all;
        // the next aegis to open it turns WAL back on.
        store.flush();
        store.db.run("PRAGMA wal_checkpoint(TRUNCATE)");
        store.db.run("PRAGMA journal_mode = DELETE");
      }
      close();
      if (fresh) renameSync(building, path);
    },
    async abandon() {
      close();
      if (fresh) for (const f of [building, `${building}-wal`, `${building}-shm`]) rmSync(f, { force: true });
    },
  };
}

async function openPostgres(url: string, timeoutS: number): Promise<Opened> {
  const sql = new SQL({ url, max: 2, connectionTimeout: timeoutS });
  try {
    await sql`SELECT 1`;
  } catch (err) {
    await sql.close().catch(logIgnored("closing a pool that could not connect"));
    throw connectError(url, err, timeoutS);
  }
  try {
    await migratePg(sql, url, PG_MIGRATIONS);
  } catch (err) {
    await sql.close();
    throw err;
  }
  const end: CopyEnd = { kind: "postgres", sql };
  return {
    end,
    async atomically(fn, mode) {
      return (await sql.begin(async (tx) => {
        if (mode === "read") await tx.unsafe("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
        return await fn({ kind: "postgres", sql: tx });
      })) as Awaited<ReturnType<typeof fn>>;
    },
    finish: () => sql.close(),
    abandon: () => sql.close(),
  };
}

/** copyState's refusal of a target with rows, naming the target and how to get an empty one; undefined otherwise. */
function nonEmptyTarget(err: unknown, to: StoreLocation): AegisError | undefined {
  const table = (err as AegisError).data?.nonEmpty;
  if (typeof table !== "string") return undefined;
  return new AegisError("E_STATE", `${describeLocation(to)} already holds aegis state (rows in ${table}): aegis migrate copies only into an empty database`, {
    hint: to.kind === "postgres" ? "create a new database for it (createdb <name>, or CREATE DATABASE <name>), or drop and re-create this one if its state is not needed"
      : "give a path where no state file exists yet, or move this one aside",
    data: { table },
    cause: err,
  });
}
