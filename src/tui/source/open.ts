// Picks the UI's data source for a project: the state database, always (every process that hosts a session writes
// its transcript there, so runs started by `aegis run` in another terminal show up too): the SQLite file read-only,
// or PostgreSQL through the store contract; when a running `aegis serve` answers on its socket, the source says so
// and adds the schedules that serve fires. The serve is asked again every few seconds, so starting or stopping one
// while the UI is open is noticed.

import { dirname } from "node:path";
import type { LoadedConfig } from "../../config/validate.ts";
import { statePath } from "../../runtime.ts";
import { scheduleViews, scheduleViewsDb } from "../../schedule/status.ts";
import { connectServe } from "../../serve/client.ts";
import { createDbSource, type DbSource, type LiveFeed } from "./db-source.ts";
import { createContractSource, type ContractSource } from "./contract-source.ts";
import type { StreamedRow } from "./transcript-merge.ts";
import { watchServe } from "../../serve/watch-client.ts";
import { logger } from "../../ui/log.ts";
import type { DataSource } from "./model.ts";
import type { Db } from "../../store/api.ts";
import type { Store } from "../../store/store.ts";
import { openReadOnlyStore } from "../../store/read-only.ts";
import { openDb, storeTarget } from "../../store/open.ts";
import { errorMessage } from "../../util/errors.ts";

export interface OpenSourceOptions {
  pollMs?: number;
  /** Rows of the sessions this process hosts, as they are buffered (Steering.feed). */
  localFeed?: LiveFeed;
  onError?: (err: unknown) => void;
}

/** Whether a serve answers for this project (AEGIS_NO_SERVE=1 says never ask). */
export async function serveRunning(config: LoadedConfig): Promise<boolean> {
  if (process.env.AEGIS_NO_SERVE === "1") return false;
  try {
    return (await connectServe(dirname(statePath(config)))) !== undefined;
  } catch {
    return false; // a stuck serve (ping timed out): show the database's view, which is what the serve writes anyway
  }
}

export interface ProjectSource extends DataSource {
  /** Asks again whether a serve runs (the UI calls it every few seconds). */
  refreshServe(): Promise<void>;
}

export async function openDataSource(config: LoadedConfig, o: OpenSourceOptions = {}): Promise<ProjectSource> {
  let serve = await serveRunning(config);
  const stateDir = dirname(statePath(config));
  // A session the serve hosts streams its rows as they are buffered; others (and a serve that refuses) read as usual.
  const serveFeed: LiveFeed = (sessionId, onRow) => {
    const w = watchServe(stateDir, "events.watch", { sessionId }, (e) => onRow(e as StreamedRow), (err) => {
      if (err) logger().debug(`aegis ui: the serve's event stream for ${sessionId} ended: ${err.message}`);
    });
    return () => w.close();
  };
  // A session is hosted by the serve or by this process, never both; the merge drops a row brought twice anyway.
  const both = (feeds: (LiveFeed | undefined)[]): LiveFeed => (sessionId, onRow) => {
    const stops = feeds.map((f) => f?.(sessionId, onRow));
    return () => stops.forEach((s) => s?.());
  };
  const live = both([serveFeed, o.localFeed]);
  const common = {
    via: serve ? "serve" as const : "database" as const,
    ...(o.pollMs !== undefined ? { pollMs: o.pollMs } : {}),
    ...(o.onError ? { onError: o.onError } : {}),
    ...(serve ? { live } : o.localFeed ? { live: o.localFeed } : {}),
  };
  let inner: DbSource | ContractSource;
  let setServe: (on: boolean) => void;
  let closeStore: () => Promise<void> | void;
  if (storeTarget(config).backend === "postgres") {
    // PostgreSQL: the store contract, woken by the database's notifications (contract-source.ts).
    const db = await openDb({ config });
    const schedules = (d: Db, now: number) => scheduleViewsDb(config.schedules, d, now);
    const src = createContractSource({ db, queues: config.queues, ...common, ...(serve ? { schedules } : {}) });
    setServe = (on) => (on ? src.setServe("serve", schedules, live) : src.setServe("database", undefined, o.localFeed));
    closeStore = () => db.close();
    inner = src;
  } else {
    // SQLite: a read-only connection and its data_version, the cheapest way to follow the file (db-source.ts).
    const store = openReadOnlyStore(statePath(config));
    const schedules = (s: Store, now: number) => scheduleViews(config.schedules, s, now);
    const src = createDbSource({ store, queues: config.queues, ...common, ...(serve ? { schedules } : {}) });
    setServe = (on) => (on ? src.setServe("serve", schedules, live) : src.setServe("database", undefined, o.localFeed));
    closeStore = () => store.close();
    inner = src;
  }
  return {
    get via() {
      return inner.via;
    },
    snapshot: () => inner.snapshot(),
    subscribe: (fn) => inner.subscribe(fn),
    transcript: (id, fn) => inner.transcript(id, fn),
    runSteps: (id, fn) => inner.runSteps(id, fn),
    poke: () => inner.poke(),
    async refreshServe() {
      const now = await serveRunning(config);
      if (now === serve) return;
      serve = now;
      setServe(now);
    },
    close() {
      inner.close();
      void Promise.resolve(closeStore()).catch((err: unknown) => logger().debug(`aegis ui: closing the state database: ${errorMessage(err)}`));
    },
  };
}
