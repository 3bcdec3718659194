#!/usr/bin/env bun
// The fake project activity the terminal UI benches (bench/tui-*.ts) watch: a separate process that writes sessions,
// tasks and transcript events into a project's state database through src/store, as a host of real sessions would
// (its own owner row, one write batch per tick), with no CLI behind them. Driven over stdin/stdout, one line each:
//   start:   bun bench/lib/tui-feed.ts <state.db | postgres://…> --sessions 20 --queues a,b,c --tasks 5
//            (a PostgreSQL URL: the same rows through the store contract, as a fleet member would write them)
//            → prints `ready {"sessions":[ids…]}` once the rows are committed, then idles (no writes)
//   stdin `stream <seconds> <eventsPerSecondPerSession>`
//            → prints `streaming`, appends events to every session for that long (text deltas, now and then thinking
//              and a tool call with its result), ends each session's turn, prints `streamed {"events":{id:n},…}`
//   stdin EOF or SIGTERM → exits. It must not measure the UI; the benches do.

import type { Db } from "../../src/store/api.ts";
import { appendEvents, type PendingEvent } from "../../src/store/events.ts";
import { registerOwner } from "../../src/store/owners.ts";
import { insertSession, setSessionLastText, updateSession, type NewSessionRow, type SessionState, type SessionTotals } from "../../src/store/sessions.ts";
import { openStore } from "../../src/store/store.ts";
import { finishTask, insertTask, type NewTask } from "../../src/store/tasks.ts";
import { newId } from "../../src/util/ids.ts";

const argv = process.argv.slice(2);
const db = argv[0];
if (!db || db.startsWith("--")) throw new Error("usage: bun bench/lib/tui-feed.ts <state.db> [--sessions n] [--queues a,b] [--tasks n]");
const opt = (name: string, dflt: string) => {
  const i = argv.indexOf(`--${name}`);
  return i > 0 ? argv[i + 1]! : dflt;
};
const SESSIONS = Number(opt("sessions", "20"));
const QUEUES = opt("queues", "").split(",").filter(Boolean);
const TASKS = Number(opt("tasks", "5"));

/** The writes the feed makes, one commit per `batch`: on the SQLite file directly, or through the store contract. */
interface Ops {
  insertSession(s: NewSessionRow): void;
  appendEvents(id: string, events: PendingEvent[]): void;
  setLastText(id: string, text: string): void;
  updateSession(id: string, state: SessionState, t: SessionTotals, lastText: string): void;
  insertTask(t: NewTask, done: boolean): void;
}
interface Writer { owner: string; batch(fn: (o: Ops) => void): Promise<void>; close(): Promise<void> }

function sqliteWriter(path: string): Writer {
  const store = openStore(path);
  const ops: Ops = {
    insertSession: (s) => void insertSession(store, s),
    appendEvents: (id, events) => appendEvents(store, id, events),
    setLastText: (id, text) => setSessionLastText(store, id, text),
    updateSession: (id, state, t, lastText) => updateSession(store, id, state, t, lastText),
    insertTask(t, done) {
      insertTask(store, t);
      if (done) finishTask(store, t.id, "pending", { status: "done", result: "ok", error: null, at: t.at });
    },
  };
  return { owner: registerOwner(store), batch: async (fn) => store.write(() => fn(ops)), close: async () => store.close() };
}

async function pgWriter(url: string): Promise<Writer> {
  const { openPgDb } = await import("../../src/store/postgres/db.ts");
  const pg: Db = await openPgDb(url);
  return {
    owner: await pg.owners.registerOwner(),
    batch: (fn) => pg.tx(async (t) => {
      const pending: Promise<unknown>[] = [];
      fn({
        insertSession: (s) => void pending.push(t.sessions.insertSession(s)),
        appendEvents: (id, events) => t.events.appendEvents(id, events),
        setLastText: (id, text) => t.sessions.setSessionLastText(id, text),
        updateSession: (id, state, x, lastText) => void pending.push(t.sessions.updateSession(id, state, x, lastText)),
        insertTask(x, done) {
          pending.push(t.tasks.insertTask(x).then(() => done && t.tasks.finishTask(x.id, "pending", { status: "done", result: "ok", error: null, at: x.at })));
        },
      });
      await Promise.all(pending);
    }, { durable: true }),
    close: () => pg.close(),
  };
}

const w = db.startsWith("postgres://") || db.startsWith("postgresql://") ? await pgWriter(db) : sqliteWriter(db);
const owner = w.owner;
const now = Date.now();
const ids: string[] = [];
await w.batch((o) => {
  for (let i = 0; i < SESSIONS; i++) {
    const id = newId("ses");
    ids.push(id);
    o.insertSession({ id, handle: `feed-${String(i).padStart(3, "0")}`, agent: "feed", provider: "scripted", model: "scripted", spawnedBy: "user", owner, createdAt: now + i, state: "working" });
    o.appendEvents(id, [{ turn: 1, at: now, event: { type: "prompt", text: `work item ${i}` } }]);
    o.setLastText(id, `working on item ${i}`);
  }
  for (const q of QUEUES) {
    for (let t = 0; t < TASKS; t++) {
      o.insertTask({ id: newId("task"), queue: q, payload: `${q} task ${t}`, enqueuedBy: "user", callback: false, at: now + t }, t % 2 === 1);
    }
  }
});
process.stdout.write(`ready ${JSON.stringify({ sessions: ids, owner })}\n`);

/** Streams for `seconds`: every tick (20 ms) each session gets its share of `rate` events per second. */
async function stream(seconds: number, rate: number): Promise<Record<string, number>> {
  const counts: Record<string, number> = Object.fromEntries(ids.map((id) => [id, 0]));
  const seq: Record<string, number> = Object.fromEntries(ids.map((id) => [id, 0]));
  const tickMs = 20;
  const started = performance.now();
  let emitted = 0;
  for (let tick = 0; performance.now() - started < seconds * 1000; tick++) {
    // Each session is owed rate × elapsed events by now: a late tick catches up, so the rate holds on a busy machine.
    const n = Math.floor(((performance.now() - started) / 1000) * rate) - emitted;
    emitted += n;
    const at = Date.now();
    await w.batch((o) => {
      for (const id of ids) {
        const events: PendingEvent[] = [];
        for (let k = 0; k < n; k++) {
          const s = ++seq[id]!;
          if (s % 40 === 0) events.push({ turn: 1, at, event: { type: "tool_call", id: `t${s}`, name: "Bash", kind: "execute", input: { command: `echo ${s}` } } });
          else if (s % 40 === 1 && s > 1) events.push({ turn: 1, at, event: { type: "tool_result", id: `t${s - 1}`, ok: true, text: `${s - 1}\n` } });
          else if (s % 25 === 0) events.push({ turn: 1, at, event: { type: "thinking", text: `considering step ${s}. ` } });
          else events.push({ turn: 1, at, event: { type: "text", text: `w${s} `, messageId: `m${Math.floor(s / 200)}` } });
        }
        o.appendEvents(id, events);
        counts[id]! += events.length;
        if (tick % 10 === 0) o.setLastText(id, `w${seq[id]} …`);
      }
    });
    const next = started + (tick + 1) * tickMs;
    await Bun.sleep(Math.max(0, next - performance.now()));
  }
  await w.batch((o) => {
    for (const id of ids) {
      o.appendEvents(id, [{ turn: 1, at: Date.now(), event: { type: "turn_end", stopReason: "end_turn", isError: false, durationMs: seconds * 1000, usage: { input: 10, output: counts[id]!, cacheRead: 0, cacheWrite: 0 } } }]);
      counts[id]! += 1;
      o.updateSession(id, "ready", { turns: 1, input: 10, output: counts[id]!, cacheRead: 0, cacheWrite: 0, costUsd: 0 }, `done after w${seq[id]}`);
    }
  });
  return counts;
}

const lines = (async function* () {
  let buf = "";
  for await (const chunk of Bun.stdin.stream()) {
    buf += new TextDecoder().decode(chunk);
    let i: number;
    while ((i = buf.indexOf("\n")) >= 0) {
      yield buf.slice(0, i);
      buf = buf.slice(i + 1);
    }
  }
})();

process.on("SIGTERM", () => {
  void w.close().finally(() => process.exit(0));
});
for await (const line of lines) {
  const [cmd, a, b] = line.trim().split(/\s+/);
  if (cmd !== "stream") throw new Error(`tui-feed: unknown command ${JSON.stringify(line)}`);
  process.stdout.write("streaming\n");
  const t0 = performance.now();
  const events = await stream(Number(a), Number(b));
  process.stdout.write(`streamed ${JSON.stringify({ events, seconds: (performance.now() - t0) / 1000 })}\n`);
}
await w.close();
