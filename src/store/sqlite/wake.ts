// Cross-process wake-ups for a SQLite store (#15): every commit by any process writes the WAL file, so a watch on
// `<db>-wal` hears other processes' commits within milliseconds; PRAGMA data_version (which changes only for other
// connections' commits) filters out this connection's own writes. A slow safety poll stands behind the watch.
// This connection's own commits would wake the watch too: one inotify event per WAL page written, each read by Bun's
// watcher thread, cost ~20 % of the CPU of a process streaming transcripts (bench/session-events.ts). So while this
// connection writes, the watch is closed and data_version is polled every few ms instead (a couple of µs each);
// a few quiet polls after its last write the watch opens again. An idle process costs the safety poll only, a
// writing one a PRAGMA every few ms, and another process's commit is seen within milliseconds either way.
// It must not read any table: it only says "something changed".

import { watch, type FSWatcher } from "node:fs";
import type { Store } from "../store.ts";
import { logIgnored } from "../../util/log-ignored.ts";

export interface WalWake {
  /** This connection is about to write: its own commits must not wake the watch (call before every write). */
  writing(): void;
  /** Whether the watch on the WAL is open now (false while this connection writes and data_version is polled). */
  readonly watching: boolean;
  stop(): void;
}

export interface WalWakeOptions {
  /** The slow poll behind the watch, which calls `onChange` unconditionally. */
  safetyPollMs: number;
  /** How often data_version is read while this connection writes (the watch is closed then); default 4 ms. */
  busyPollMs?: number;
}

/** Quiet busy polls (no write of this connection, no open transaction) before the watch opens again. */
const QUIET_POLLS = 3;

/** Calls `onChange` after another connection's commit (and every `safetyPollMs`, unconditionally). */
export function watchWal(store: Store, onChange: () => void, opts: WalWakeOptions): WalWake {
  const busyPollMs = opts.busyPollMs ?? 4;
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

  const canWatch = store.path !== ":memory:";
  let watcher: FSWatcher | undefined;
  let warned = false;
  const open = () => {
    try {
      watcher = watch(`${store.path}-wal`, { persistent: false }, onEvent);
    } catch (err) {
      // No WAL file to watch (an unusual file system): the polls alone wake this process.
      if (!warned) logIgnored("watching the state database's WAL for other processes' commits")(err);
      warned = true;
    }
  };
  const close = () => {
    watcher?.close();
    watcher = undefined;
  };

  // While this connection writes: the watch is closed and `busy` polls data_version.
  let busy: ReturnType<typeof setInterval> | undefined;
  let wrote = false;
  let quiet = 0;
  const busyPoll = () => {
    changed();
    if (wrote || store.db.inTransaction) {
      wrote = false;
      quiet = 0;
      return;
    }
    if (++quiet < QUIET_POLLS) return;
    clearInterval(busy);
    busy = undefined;
    open();
    // A commit whose WAL write came before the watch opened but is not visible yet: looked at again shortly.
    onEvent();
  };

  let stopped = false;
  if (canWatch) open();
  const poll = setInterval(onChange, opts.safetyPollMs);
  poll.unref();
  return {
    writing() {
      if (busy !== undefined) {
        wrote = true;
        return;
      }
      if (!canWatch || stopped) return;
      close();
      wrote = false;
      quiet = 0;
      busy = setInterval(busyPoll, busyPollMs);
      busy.unref();
    },
    get watching() {
      return watcher !== undefined;
    },
    stop() {
      stopped = true;
      clearInterval(poll);
      clearInterval(busy);
      clearTimeout(recheck);
      close();
    },
  };
}
