// The UI's DataSource over the async store contract (`Db`): how `aegis ui` and `aegis chat` follow a project whose
// state is on PostgreSQL (it runs on either backend; SQLite projects use the cheaper data_version poll of
// db-source.ts). It builds the same model from the same bounded reads (queries-db.ts) and must not poll tightly:
// - the database's notifications (sessions, tasks, runs, workers, schedules; LISTEN/NOTIFY) trigger a look at once,
//   and the Db's slow safety poll ("*") stands behind them;
// - transcript rows have no notification (one per row would tax every writer), so while something runs (a session's
//   turn, a task, a run) the source asks for the newest transcript row id: every BUSY_POLL_MS while it keeps moving
//   (streaming sessions at over 30 updates a second), every `pollMs` for a while after, then every SLOW_POLL_MS
//   (a turn thinking in silence); it re-reads the rest every ACTIVE_REFRESH_MS then (steps and claims notify
//   nobody). With nothing running it asks nothing between notifications.
// Transcripts are read incrementally by row id, nothing skipped or repeated. It never writes.

import type { ResolvedQueue } from "../../config/schema.ts";
import type { ScheduleView } from "../../schedule/status.ts";
import type { Db, DbTopic } from "../../store/api.ts";
import type { StepView } from "../../workflow/run-status.ts";
import type { LiveFeed } from "./db-source.ts";
import { EMPTY_SNAPSHOT, type DataSource, type Snapshot } from "./model.ts";
import { readQueuesDb, readRunsDb, readSessionsDb, readStepsDb, readTasksDb, readTranscriptDb } from "./queries-db.ts";
import { TranscriptMerge } from "./transcript-merge.ts";

export type DbSchedules = (db: Db, now: number) => Promise<ScheduleView[]>;

export interface ContractSourceOptions {
  db: Db;
  queues: Record<string, ResolvedQueue>;
  /** How often to look for new transcript rows while something runs; default 150 ms. */
  pollMs?: number;
  via?: "serve" | "database";
  /** Schedules to show (only when a serve runs them). */
  schedules?: DbSchedules;
  now?: () => number;
  /** Transcript rows streamed by the process hosting a session, merged with the database's. */
  live?: LiveFeed;
  /** Reports a failed look (the database went away); looking goes on. */
  onError?: (err: unknown) => void;
}

export interface ContractSource extends DataSource {
  setServe(via: "serve" | "database", schedules?: DbSchedules, live?: LiveFeed): void;
}

/** How many of a session's newest rows a transcript opens with (as db-source.ts). */
const BACKLOG = 5000;
/** While transcript rows keep arriving: look this often, until this many looks found nothing new. */
const BUSY_POLL_MS = 20;
const BUSY_POLLS = 10;
/** While something runs: `pollMs` for this long after transcripts last moved, then looks this far apart. */
const RECENT_MS = 3000;
const SLOW_POLL_MS = 500;
/** While something runs, everything is read again this often (changes no notification announces). */
const ACTIVE_REFRESH_MS = 2000;
/** Whether the processes hosting sessions and runs are alive: checked at most this often (it lists the owners). */
const HOST_CHECK_MS = 3000;
const TOPICS: readonly DbTopic[] = ["sessions", "tasks", "runs", "workers", "schedules"];

interface TranscriptSub { sessionId: string; merge: TranscriptMerge; chain: Promise<void>; stopLive?: (() => void) | undefined; on: boolean }
interface StepsSub { runId: string; last: string; fn: (steps: StepView[]) => void; chain: Promise<void>; on: boolean }

export function createContractSource(o: ContractSourceOptions): ContractSource {
  const { db } = o;
  const now = o.now ?? Date.now;
  const pollMs = o.pollMs ?? 150;
  let via = o.via ?? "database";
  let schedules = o.schedules;
  let live = o.live;
  let snap: Snapshot = { ...EMPTY_SNAPSHOT, via };
  let content = "";
  let lastMark = -1;
  let lastRefresh = 0;
  let lastMove = 0;
  let lastHostCheck = -Infinity;
  const gone = new Set<string>();
  /** Owners whose liveness the last host check looked at. */
  const checked = new Set<string>();
  const subs = new Set<(s: Snapshot) => void>();
  const transcripts = new Set<TranscriptSub>();
  const steps = new Set<StepsSub>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  let quiet = BUSY_POLLS;
  let running = false;
  let again: boolean | undefined;

  const report = (err: unknown) => {
    if (!closed) o.onError?.(err);
  };
  const pumpTranscript = (s: TranscriptSub): Promise<void> => (s.chain = s.chain.then(async () => {
    while (s.on) {
      const rows = await readTranscriptDb(db, s.sessionId, s.merge.lastId);
      if (!s.on || rows.length === 0) return;
      s.merge.fromStore(rows);
      if (rows.length < 2000) return;
    }
  }).catch(report));
  const pumpSteps = (s: StepsSub): Promise<void> => (s.chain = s.chain.then(async () => {
    const list = await readStepsDb(db, s.runId);
    const key = JSON.stringify(list);
    if (!s.on || key === s.last) return;
    s.last = key;
    s.fn(list);
  }).catch(report));

  /** One look; returns whether transcripts moved. `force` reads everything even if they did not. */
  const look = async (force: boolean): Promise<boolean> => {
    const mark = await db.dashboard.lastEventId();
    const t = now();
    const moved = mark !== lastMark;
    const active = isActive();
    const refreshDue = active && t - lastRefresh >= ACTIVE_REFRESH_MS;
    if (moved) lastMove = t;
    if (!force && !moved && !refreshDue) return false;
    lastMark = mark;
    // Hosts are checked every HOST_CHECK_MS, and at once for an owner not checked yet (a new session or run).
    const due = t - lastHostCheck >= HOST_CHECK_MS;
    const hostCheck = (owners: string[]) => {
      if (!due && owners.every((x) => checked.has(x))) return false;
      for (const x of owners) checked.add(x);
      return true;
    };
    if (due) {
      lastHostCheck = t;
      checked.clear();
    }
    let next: Omit<Snapshot, "via" | "version">;
    // The snapshot says "via serve" only together with the schedules read for it: a setServe while this look reads
    // is shown by the look it asks for (a "via serve" without the schedules tab made a key 5 pressed then do nothing).
    let v = snap.via;
    if (force || refreshDue) {
      lastRefresh = t;
      v = via;
      const [sessions, queues, runs, tasks, sched] = await Promise.all([
        readSessionsDb(db, t, hostCheck, gone), readQueuesDb(db, o.queues, t), readRunsDb(db, hostCheck), readTasksDb(db),
        schedules ? schedules(db, t) : undefined,
      ]);
      next = { sessions, queues, runs, tasks, ...(sched ? { schedules: sched } : {}) };
      await Promise.all([...[...transcripts].map(pumpTranscript), ...[...steps].map(pumpSteps)]);
    } else {
      // Transcripts grew: the sessions' latest lines and usage with them; the rest waits for a notification or refresh.
      const [sessions] = await Promise.all([readSessionsDb(db, t, () => false, gone), ...[...transcripts].map(pumpTranscript)]);
      next = { sessions, queues: snap.queues, runs: snap.runs, tasks: snap.tasks, ...(snap.schedules ? { schedules: snap.schedules } : {}) };
    }
    if (closed) return moved;
    const text = JSON.stringify([v, next]);
    if (text !== content) {
      content = text;
      snap = { via: v, version: snap.version + 1, ...next };
      for (const fn of subs) fn(snap);
    }
    return moved;
  };
  /** Something runs: a session in a turn, a task being worked on, a run executing. */
  const isActive = () => snap.sessions.some((s) => s.closedAt === null && (s.state === "working" || s.state === "starting"))
    || snap.tasks.some((t) => t.status === "running") || snap.runs.some((r) => r.status === "running");

  const arm = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (closed) return;
    const ms = quiet < BUSY_POLLS ? BUSY_POLL_MS : !isActive() ? undefined : now() - lastMove < RECENT_MS ? pollMs : Math.max(pollMs, SLOW_POLL_MS);
    if (ms !== undefined) timer = setTimeout(() => void run(false), ms);
  };
  /** Looks (one at a time: a request meanwhile makes one more look after it), then arms the next look. */
  const run = async (force: boolean): Promise<void> => {
    if (closed) return;
    if (running) {
      again = (again ?? false) || force;
      return;
    }
    running = true;
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    try {
      for (let f: boolean | undefined = force; f !== undefined && !closed; f = again, again = undefined) {
        try {
          quiet = (await look(f)) ? 0 : quiet + 1;
        } catch (err) {
          report(err);
        }
      }
    } finally {
      running = false;
      arm();
    }
  };
  // A notification with a key (a session changed state, a task was enqueued or finished, …) may start a stream of
  // transcript rows: look fast for a while. "*" (the first call, a reconnect, the safety poll) just reads everything.
  const unsubscribe = TOPICS.map((topic) => db.subscribe(topic, (key) => {
    if (key !== "*") quiet = 0;
    void run(true);
  }));

  return {
    get via() {
      return via;
    },
    setServe(v, sched, feed) {
      via = v;
      schedules = sched;
      live = feed;
      void run(true);
    },
    snapshot: () => snap,
    subscribe(fn) {
      subs.add(fn);
      return () => subs.delete(fn);
    },
    transcript(sessionId, fn) {
      const s: TranscriptSub = { sessionId, chain: Promise.resolve(), on: true, merge: new TranscriptMerge(sessionId, (rows) => s.on && fn(rows)) };
      transcripts.add(s);
      // The stream first, then the backlog: a row buffered in between comes from one of them, never from neither.
      s.stopLive = live?.(sessionId, (row) => s.merge.fromStream(row));
      // A long transcript opens at its newest BACKLOG rows: reading and folding all of it would stall the screen.
      s.chain = (async () => {
        const total = await db.events.countEvents(sessionId);
        if (total <= BACKLOG) return;
        const firstShown = await db.events.eventIdAt(sessionId, total - BACKLOG);
        if (firstShown !== undefined && s.on) s.merge.skipTo(total - BACKLOG, firstShown - 1);
      })().catch(report);
      void pumpTranscript(s);
      return () => {
        s.on = false;
        transcripts.delete(s);
        s.stopLive?.();
      };
    },
    runSteps(runId, fn) {
      const s: StepsSub = { runId, last: "", fn, chain: Promise.resolve(), on: true };
      steps.add(s);
      void pumpSteps(s);
      return () => {
        s.on = false;
        steps.delete(s);
      };
    },
    poke: () => void run(true),
    close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      for (const u of unsubscribe) u();
      for (const t of transcripts) {
        t.on = false;
        t.stopLive?.();
      }
      for (const s of steps) s.on = false;
      subs.clear();
      transcripts.clear();
      steps.clear();
    },
  };
}
