// The UI's data source over the store contract (#15: `aegis ui` and `aegis chat` on PostgreSQL), on both backends:
// it draws what another connection (another aegis process) commits — sessions, queues with counts and budgets, runs
// with their running step and parked question, tasks — reads transcripts incrementally without dropping or repeating
// a row, wakes on the database's notifications with the safety poll off, and asks nothing while nothing runs.

import { afterEach, expect, test } from "bun:test";
import type { Db } from "../../src/store/api.ts";
import type { ScheduleView } from "../../src/schedule/status.ts";
import { createContractSource } from "../../src/tui/source/contract-source.ts";
import type { DataSource, TranscriptRow } from "../../src/tui/source/model.ts";
import { workerSessionId } from "../../src/store/tasks.ts";
import { testConfig } from "../session/fixtures.ts";
import { describeDb } from "../helpers/backends.ts";
import { waitFor } from "../fixtures/helpers/wait.ts";

const open: DataSource[] = [];
afterEach(() => {
  for (const o of open.splice(0)) o.close();
});

const config = testConfig({ w: { reply: () => "ok" } }, { review: { agent: "w", budgets: [{ usd: 1, window: "1h" }] } });
const totals = (costUsd: number) => ({ turns: 1, input: 100, output: 20, cacheRead: 0, cacheWrite: 0, costUsd });

/** `db` with a count of the reads made through it. */
function counted(db: Db): { db: Db; reads: () => number } {
  let reads = 0;
  const wrap = <T extends object>(repo: T): T => new Proxy(repo, {
    get(target, name) {
      const v = Reflect.get(target, name) as unknown;
      return typeof v === "function" ? (...a: unknown[]) => (reads++, (v as (...x: unknown[]) => unknown).apply(target, a)) : v;
    },
  });
  const out = Object.create(db) as Db;
  for (const f of ["dashboard", "sessions", "events", "runs", "waits", "owners", "tasks", "schedules"] as const) Object.defineProperty(out, f, { value: wrap(db[f]) });
  return { db: out, reads: () => reads };
}

describeDb("the UI's data source over the store contract (#15)", (b) => {
  async function setup(pollMs = 10) {
    const { db: writer, location } = await b.open();
    const reader = counted(await b.reopen(location));
    const source = createContractSource({ db: reader.db, queues: config.queues, pollMs });
    open.push(source);
    return { writer, source, reads: reader.reads };
  }
  const session = (w: Db, id: string, handle: string, state: "working" | "ready" = "working", owner?: string) =>
    w.sessions.insertSession({ id, handle, agent: "w", provider: "scripted", createdAt: Date.now(), state, ...(owner ? { owner } : {}) });

  test("sessions, queues with counts and budget, runs with the running step and a parked question, tasks (#15)", async () => {
    const { writer, source } = await setup();
    const owner = await writer.owners.registerOwner();
    await session(writer, "ses_a", "brisk-curie");
    await writer.sessions.updateSession("ses_a", "working", totals(0.5), "halfway there");
    await writer.tx(async (t) => {
      await t.tasks.insertTask({ id: "task_1", queue: "review", payload: "check a.ts", enqueuedBy: "user", callback: false, at: Date.now() });
      await t.tasks.insertTask({ id: "task_2", queue: "review", payload: "check b.ts", enqueuedBy: "user", callback: false, at: Date.now() });
      await t.runs.insertRun({ id: "run_1", workflow: "tdd", args: {}, owner, at: Date.now() });
      t.runs.startStep({ runId: "run_1", seq: 1, kind: "send", label: "send coder", digest: "d", attempt: 1, at: Date.now() });
      await t.runs.insertRun({ id: "run_2", workflow: "ship", args: {}, owner, at: Date.now() + 1 });
      await t.runs.finishRun("run_2", { status: "interrupted", at: Date.now(), attemptMs: 1 });
      await t.waits.parkRun({ run_id: "run_2", state: "waiting", wake_at: null, event: "answer:go", question: JSON.stringify({ question: "Ship it?", key: "go", options: ["yes", "no"] }), at: Date.now() });
    }, { durable: true });
    const snap = await waitFor(() => {
      const s = source.snapshot();
      return s.sessions.length === 1 && s.runs.length === 2 && s.tasks.length === 2 && s.runs.some((r) => r.currentStep) ? s : undefined;
    }, { what: "the snapshot to show the writes" });
    expect(snap.sessions[0]).toMatchObject({ handle: "brisk-curie", state: "working", costUsd: 0.5, lastLine: "halfway there", tokens: { input: 100, output: 20 }, hostGone: false });
    expect(snap.queues).toEqual([{ name: "review", pending: 2, running: 0, done: 0, failed: 0, cancelled: 0, budgets: [{ text: "$0.00 of $1.00 / 1h", blocked: false }] }]);
    const byId = Object.fromEntries(snap.runs.map((r) => [r.id, r]));
    expect(byId.run_1).toMatchObject({ status: "running", currentStep: "send coder" });
    expect(byId.run_2).toMatchObject({ status: "waiting", question: { question: "Ship it?", key: "go" } });
    expect(snap.tasks.map((t) => `${t.id}:${t.status}:${t.payload}`)).toEqual(["task_1:pending:check a.ts", "task_2:pending:check b.ts"]);
    expect(snap.via).toBe("database");
  }, 30_000);

  test("a transcript arrives backlog first, then in order, every row once, across many commits (#15)", async () => {
    const { writer, source } = await setup();
    await session(writer, "ses_t", "calm-turing");
    const at = Date.now();
    writer.events.appendEvents("ses_t", [{ turn: 1, at, event: { type: "prompt", text: "go" } }]);
    await writer.flush();
    await waitFor(() => source.snapshot().sessions.length === 1, { what: "the working session" });
    const got: TranscriptRow[][] = [];
    source.transcript("ses_t", (rows) => got.push(rows));
    await waitFor(() => got.length === 1, { what: "the backlog" });
    expect(got[0]!.map((r) => r.event.type)).toEqual(["prompt"]);
    for (let i = 0; i < 300; i++) {
      writer.events.appendEvents("ses_t", [{ turn: 1, at, event: { type: "text", text: `${i},`, messageId: "m" } }]);
      if (i % 3 === 0) await writer.flush();
    }
    await writer.flush();
    const rows = () => got.flat();
    await waitFor(() => rows().length === 301, { what: "301 rows" });
    const texts = rows().slice(1).map((r) => (r.event.type === "text" ? r.event.text : ""));
    expect(texts.join("")).toBe(Array.from({ length: 300 }, (_, i) => `${i},`).join(""));
    expect(new Set(rows().map((r) => r.id)).size).toBe(301);
  }, 30_000);

  test("a long transcript opens at its newest 5000 rows, with a note saying how many were left out (#15)", async () => {
    const { writer, source } = await setup();
    await session(writer, "ses_long", "long-lovelace");
    const at = Date.now();
    writer.events.appendEvents("ses_long", Array.from({ length: 6000 }, (_, i) => ({ turn: 1, at, event: { type: "text" as const, text: `${i};` } })));
    await writer.flush();
    const got: TranscriptRow[] = [];
    source.transcript("ses_long", (rows) => got.push(...rows));
    await waitFor(() => got.length === 5001, { what: "the note and 5000 rows" });
    expect(got[0]?.event).toEqual({ type: "unknown", raw: { note: "… 1000 earlier rows not shown (aegis logs shows the whole transcript)" } });
    expect(got[1]?.event).toMatchObject({ text: "1000;" });
    expect(got.at(-1)?.event).toMatchObject({ text: "5999;" });
    writer.events.appendEvents("ses_long", [{ turn: 2, at, event: { type: "text", text: "next" } }]);
    await writer.flush();
    await waitFor(() => (got.at(-1)?.event as { text?: string } | undefined)?.text === "next", { what: "the next row" });
    expect(got).toHaveLength(5002);
  }, 30_000);

  test("a change another connection commits wakes it with the safety poll off, and it reads nothing while nothing runs (#15)", async () => {
    const { writer, source, reads } = await setup(5);
    await session(writer, "ses_q", "quiet-hopper", "ready");
    await waitFor(() => source.snapshot().sessions.length === 1, { what: "the session (a notification)" });
    // Nothing runs: no look between notifications, however many poll periods pass.
    await waitFor(async () => {
      const before = reads();
      let ticks = 0;
      const probe = setInterval(() => ticks++, 5);
      await waitFor(() => ticks >= 30, { what: "30 poll periods" });
      clearInterval(probe);
      return reads() === before; // the first window may still see the busy looks after the notification
    }, { what: "a window of 30 poll periods without a read", timeoutMs: 5000 });
    const version = source.snapshot().version;
    await writer.tasks.insertTask({ id: "task_w", queue: "review", payload: "wake up", enqueuedBy: "user", callback: false, at: Date.now() });
    const snap = await waitFor(() => (source.snapshot().tasks.length === 1 ? source.snapshot() : undefined), { what: "the task, by notification" });
    expect(snap.version).toBeGreaterThan(version);
    expect(snap.queues[0]).toMatchObject({ name: "review", pending: 1 });
  }, 30_000);

  test("a queue worker's session another connection starts is shown, woken by its task's claim, with the safety poll off (#15)", async () => {
    const { writer, source, reads } = await setup(5);
    await writer.tasks.insertTask({ id: "task_wk", queue: "review", payload: "work", enqueuedBy: "user", callback: false, at: Date.now() });
    await waitFor(() => source.snapshot().tasks.length === 1, { what: "the task (a notification)" });
    // Quiet again: only a notification can wake it now.
    await waitFor(async () => {
      const before = reads();
      let ticks = 0;
      const probe = setInterval(() => ticks++, 5);
      await waitFor(() => ticks >= 30, { what: "30 poll periods" });
      clearInterval(probe);
      return reads() === before;
    }, { what: "a window of 30 poll periods without a read", timeoutMs: 5000 });
    // As a worker does: the claim, then its session (on PostgreSQL the claim's commit is the one that notifies).
    expect((await writer.tasks.claimTasks("review", 2, "own_w", Date.now(), 1)).map((r) => r.id)).toEqual(["task_wk"]);
    await writer.sessions.insertSession({ id: workerSessionId("task_wk"), handle: "busy-bee", agent: "w", provider: "scripted",
      createdAt: Date.now(), state: "working", spawnedBy: "queue:review" });
    const snap = await waitFor(() => (source.snapshot().sessions.some((x) => x.handle === "busy-bee") ? source.snapshot() : undefined),
      { what: "the worker's session, by notification" });
    expect(snap.tasks[0]).toMatchObject({ status: "running" });
  }, 30_000);

  test("an open session whose hosting process is gone is marked, one whose host lives is not (#15)", async () => {
    const { writer, source } = await setup();
    const live = await writer.owners.registerOwner();
    await session(writer, "ses_l", "live-one", "ready", live);
    await session(writer, "ses_g", "gone-one", "ready", "own_killed");
    const gone = await waitFor(() => source.snapshot().sessions.find((s) => s.hostGone), { what: "the host check", timeoutMs: 8000 });
    expect(gone.handle).toBe("gone-one");
    expect(source.snapshot().sessions.find((s) => s.handle === "live-one")?.hostGone).toBe(false);
  }, 30_000);

  test("a serve found while a look reads is shown with its schedules, never as via serve without them (#15)", async () => {
    const { db: writer, location } = await b.open();
    const reader = await b.reopen(location);
    // The tasks read of the next look waits until released: the serve is found while that look is in flight.
    let held: { entered: boolean; release: () => void } | undefined;
    const dashboard = new Proxy(reader.dashboard, {
      get(target, name) {
        const fn = Reflect.get(target, name) as unknown;
        if (name !== "activeTaskBriefs" || typeof fn !== "function") return fn;
        return async (...a: unknown[]) => {
          const h = held;
          if (h && !h.entered) {
            h.entered = true;
            await new Promise<void>((r) => (h.release = r));
          }
          return (fn as (...x: unknown[]) => unknown).apply(target, a);
        };
      },
    });
    const db = Object.create(reader) as Db;
    Object.defineProperty(db, "dashboard", { value: dashboard });
    const source = createContractSource({ db, queues: config.queues, pollMs: 10 });
    open.push(source);
    const seen: { via: string; schedules: boolean }[] = [];
    source.subscribe((s) => seen.push({ via: s.via, schedules: s.schedules !== undefined }));
    await waitFor(() => source.snapshot().version > 0, { what: "the first look" });
    const h: { entered: boolean; release: () => void } = { entered: false, release: () => {} };
    held = h;
    await writer.tasks.insertTask({ id: "task_s", queue: "review", payload: "p", enqueuedBy: "user", callback: false, at: Date.now() });
    await waitFor(() => h.entered, { what: "a look reading the tasks" });
    const view = { name: "new-year", workflow: "w", cron: "0 0 1 1 *", at: null, tz: null, overlap: "skip", catchUp: "none", enabled: true, next: null, last: null } as unknown as ScheduleView;
    source.setServe("serve", async () => [view]);
    h.release();
    await waitFor(() => source.snapshot().schedules?.length === 1, { what: "the schedules" });
    expect(source.snapshot().via).toBe("serve");
    expect(seen.filter((x) => x.via === "serve" && !x.schedules)).toEqual([]);
  }, 30_000);

  test("run steps are reported when they change, though steps notify nobody (#15)", async () => {
    const { writer, source } = await setup();
    await writer.runs.insertRun({ id: "run_s", workflow: "w", args: {}, at: Date.now() });
    // A new run notifies nobody either (the safety poll, off here, would bring it): its first session does.
    await writer.sessions.insertSession({ id: "ses_r", handle: "run-worker", agent: "w", provider: "scripted", createdAt: Date.now(), spawnedBy: "workflow:w:run_s" });
    await waitFor(() => source.snapshot().runs.length === 1, { what: "the running run" });
    const calls: string[][] = [];
    source.runSteps("run_s", (steps) => calls.push(steps.map((s) => `${s.label}:${s.status}`)));
    await waitFor(() => calls.length === 1, { what: "the steps so far" });
    expect(calls).toEqual([[]]);
    writer.runs.startStep({ runId: "run_s", seq: 1, kind: "bash", label: "bash npm test", digest: "d", attempt: 1, at: Date.now() });
    await writer.flush();
    await waitFor(() => calls.length === 2, { what: "the step" });
    expect(calls[1]).toEqual(["bash npm test:running"]);
  }, 30_000);
});
