// Cross-process wake-ups for a SQLite store (#15): every commit by any process writes the WAL file, so a watch on
// `<db>-wal` hears other processes' commits within milliseconds; PRAGMA data_version (which changes only for other
// connections' commits) filters out this connection's own writes. A slow safety poll stands behind the watch.
// It must not read any table: it only says "something changed".

import { watch, type FSWatcher } from "node:fs";
import type { Store } from "../store.ts";
import { logIgnored } from "../../util/log-ignored.ts";

export interface WalWake {
  stop(): void;
}

/** Calls `onChange` after another connection's commit (and every `safetyPollMs`, unconditionally). */
export function watchWal(store: Store, onChange: () => void, safetyPollMs: number): WalWake {
  let seen = store.dataVersion();
  const changed = () => {
    const v = store.dataVersion();
    if (v === seen) return false;
    seen = v;
    onChange();
    return true;
  };
  // The WAL is written before the commit shows in the shared-memory index that data_version reads (and mmap writes
  // raise no file event), so an event whose commit is not visible yet is looked at again a little later.
  let recheck: ReturnType<typeof setTimeout> | undefined;
  const onEvent = () => {
    if (changed() || recheck) return;
    let delay = 2;
    const again = () => {
      recheck = undefined;
      if (changed() || delay > 64) return;
      delay *= 4;
      recheck = setTimeout(again, delay);
      recheck.unref();
    };
    recheck = setTimeout(again, delay);
    recheck.unref();
  };
  let watcher: FSWatcher | undefined;
  if (store.path !== ":memory:") {
    try {
      watcher = watch(`${store.path}-wal`, { persistent: false }, onEvent);
    } catch (err) {
      // No WAL file to watch (an unusual file system): the safety poll alone wakes this process.
      logIgnored("watching the state database's WAL for other processes' commits")(err);
    }
  }
  const poll = setInterval(onChange, safetyPollMs);
  poll.unref();
  return {
    stop() {
      clearInterval(poll);
      clearTimeout(recheck);
      watcher?.close();
    },
  };
}
