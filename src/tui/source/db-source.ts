// The UI's DataSource over the state database: every `pollMs` it asks SQLite one question (`PRAGMA data_version`,
// which changes only when another connection commits) and queries only when the answer changed. While the answer
// keeps changing (sessions streaming) it asks every BUSY_POLL_MS instead, so the screen follows at over 30 frames a
// second; after BUSY_POLLS quiet polls it is back to `pollMs`, so an idle UI costs what it did. Transcripts are read
// incrementally by row id, so a busy session costs one indexed range scan per poll, and nothing is ever skipped.
// Whoever hosts a session (serve, `aegis run`, `aegis work`, this UI's own runtime) writes its events here within
// a few hundred ms, so this one source sees them all. It never writes and never holds a transaction open.

import type { ResolvedQueue } from "../../config/schema.ts";
import type { ScheduleView } from "../../schedule/status.ts";
import { countEvents, eventIdAt } from "../../store/events.ts";
import type { Store } from "../../store/store.ts";
import type { StepView } from "../../workflow/run-status.ts";
import { EMPTY_SNAPSHOT, type DataSource, type Snapshot } from "./model.ts";
import { readQueues, readRuns, readSessions, readSteps, readTasks, readTranscript } from "./queries.ts";
import { TranscriptMerge, type StreamedRow } from "./transcript-merge.ts";

export interface DbSourceOptions {
  store: Store;
  queues: Record<string, ResolvedQueue>;
  /** Default 150 ms. */
  pollMs?: number;
  via?: "serve" | "database";
  /** Schedules to show (only when a serve runs them). Called on each change. */
  schedules?: (store: Store, now: number) => ScheduleView[];
  now?: () => number;
  /** Transcript rows streamed by the serve hosting a session, merged with the database's (#14). */
  live?: LiveFeed;
  /** Reports a failed poll (the database went away); polling goes on. */
  onError?: (err: unknown) => void;
}

/** How many of a session's newest rows a transcript opens with. */
const BACKLOG = 5000;

/** Crash detection reads /proc for each owner: do it every this many polls, not on every change. */
const CRASH_CHECK_EVERY = 20;

/** The poll interval while the database keeps changing, and how many quiet polls end that (#14: ≥ 30 fps streaming). */
const BUSY_POLL_MS = 20;
const BUSY_POLLS = 10;

interface TranscriptSub { sessionId: string; merge: TranscriptMerge; stopLive?: (() => void) | undefined }

/** Streams a session's rows as its host buffers them (a serve's `events.watch`); undefined when it cannot. */
export type LiveFeed = (sessionId: string, onRow: (row: StreamedRow) => void) => (() => void) | undefined;
interface StepsSub { runId: string; last: string; fn: (steps: StepView[]) => void }

export interface DbSource extends DataSource {
  /** A serve started or stopped: the next snapshot says so (and carries schedules only with a serve). */
  setServe(via: "serve" | "database", schedules?: DbSourceOptions["schedules"], live?: LiveFeed): void;
}

export function createDbSource(o: DbSourceOptions): DbSource {
  const now = o.now ?? Date.now;
  const store = o.store;
  let via = o.via ?? "database";
  let schedules = o.schedules;
  let live = o.live;
  let snap: Snapshot = { ...EMPTY_SNAPSHOT, via };
  let lastVersion = -1;
  let polls = 0;
  /** Owners found dead by the last host check (kept between checks). */
  const gone = new Set<string>();
  const subs = new Set<(s: Snapshot) => void>();
  const transcripts = new Set<TranscriptSub>();
  const steps = new Set<StepsSub>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  /** Polls since the last one that found a change (starts idle). */
  let quiet = BUSY_POLLS;

  const refresh = (crashCheck: boolean) => {
    const t = now();
    snap = {
      via, version: snap.version + 1,
      sessions: readSessions(store, t, crashCheck, gone),
      queues: readQueues(store, o.queues, t),
      runs: readRuns(store, crashCheck),
      tasks: readTasks(store),
      ...(schedules ? { schedules: schedules(store, t) } : {}),
    };
  };
  const pumpTranscript = (s: TranscriptSub) => {
    for (;;) {
      const rows = readTranscript(store, s.sessionId, s.merge.lastId);
      if (rows.length === 0) return;
      s.merge.fromStore(rows);
      if (rows.length < 2000) return;
    }
  };
  /** A long transcript opens at its newest BACKLOG rows: reading and folding all of it would stall the screen. */
  const skipOldRows = (s: TranscriptSub) => {
    const total = countEvents(store, s.sessionId);
    if (total <= BACKLOG) return;
    const from = total - BACKLOG;
    const firstShown = eventIdAt(store, s.sessionId, from);
    if (firstShown !== undefined) s.merge.skipTo(from, firstShown - 1);
  };
  const pumpSteps = (s: StepsSub) => {
    const list = readSteps(store, s.runId);
    const key = JSON.stringify(list);
    if (key === s.last) return;
    s.last = key;
    s.fn(list);
  };
  /** One look; returns whether another connection committed since the last one. */
  const poll = (force = false): boolean => {
    try {
      const v = store.dataVersion();
      const crashCheck = polls++ % CRASH_CHECK_EVERY === 0;
      const moved = v !== lastVersion;
      if (!force && !moved && !crashCheck) return false;
      const changed = force || moved;
      lastVersion = v;
      const before = snap;
      refresh(crashCheck);
      if (!changed && sameRuns(before, snap) && sameHosts(before, snap)) {
        snap = { ...snap, version: before.version };
        return false;
      }
      for (const s of transcripts) pumpTranscript(s);
      for (const s of steps) pumpSteps(s);
      for (const fn of subs) fn(snap);
      return moved;
    } catch (err) {
      o.onError?.(err);
      return false;
    }
  };
  const pollMs = o.pollMs ?? 150;
  const tick = () => {
    timer = undefined;
    if (closed) return;
    quiet = poll() ? 0 : quiet + 1;
    timer = setTimeout(tick, quiet < BUSY_POLLS ? Math.min(BUSY_POLL_MS, pollMs) : pollMs);
  };
  poll(true);
  timer = setTimeout(tick, pollMs);
  return {
    get via() {
      return via;
    },
    setServe(v, sched, feed) {
      via = v;
      schedules = sched;
      live = feed;
      poll(true);
    },
    snapshot: () => snap,
    subscribe(fn) {
      subs.add(fn);
      return () => subs.delete(fn);
    },
    transcript(sessionId, fn) {
      const s: TranscriptSub = { sessionId, merge: new TranscriptMerge(sessionId, fn) };
      transcripts.add(s);
      // The stream first, then the backlog: a row buffered in between comes from one of them, never from neither.
      s.stopLive = live?.(sessionId, (row) => s.merge.fromStream(row));
      skipOldRows(s);
      pumpTranscript(s);
      return () => {
        transcripts.delete(s);
        s.stopLive?.();
      };
    },
    runSteps(runId, fn) {
      const s: StepsSub = { runId, last: "", fn };
      steps.add(s);
      pumpSteps(s);
      return () => steps.delete(s);
    },
    poke: () => poll(true),
    close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      for (const t of transcripts) t.stopLive?.();
      subs.clear();
      transcripts.clear();
      steps.clear();
    },
  };
}

function sameHosts(a: Snapshot, b: Snapshot): boolean {
  return a.sessions.length === b.sessions.length && a.sessions.every((s, i) => s.hostGone === b.sessions[i]!.hostGone);
}

function sameRuns(a: Snapshot, b: Snapshot): boolean {
  return a.runs.length === b.runs.length && a.runs.every((r, i) => r.status === b.runs[i]!.status && r.id === b.runs[i]!.id);
}
