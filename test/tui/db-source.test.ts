// The UI's data source over the state database (#14): it sees what other connections (other aegis processes) commit,
// reads transcripts incrementally without dropping or repeating a row, stays quiet while nothing changes, and cannot
// write to the database it watches.

import { afterEach, describe, expect, test } from "bun:test";
import { appendEvents } from "../../src/store/events.ts";
import { registerOwner } from "../../src/store/owners.ts";
import { insertRun, startStep } from "../../src/store/runs.ts";
import { insertSession, updateSession } from "../../src/store/sessions.ts";
import { openStore, type Store } from "../../src/store/store.ts";
import { insertTask } from "../../src/store/tasks.ts";
import { parkRun } from "../../src/store/waits.ts";
import { createDbSource } from "../../src/tui/source/db-source.ts";
import type { DataSource, Snapshot, TranscriptRow } from "../../src/tui/source/model.ts";
import { openReadOnlyStore } from "../../src/store/read-only.ts";
import { testConfig } from "../session/fixtures.ts";
import { tempDir, type TempDir } from "../fixtures/helpers/temp-dir.ts";
import { waitFor } from "../fixtures/helpers/wait.ts";

const open: { close(): void }[] = [];
afterEach(() => {
  for (const o of open.splice(0).reverse()) o.close();
});

function setup(dir: TempDir, pollMs = 10): { writer: Store; reader: Store; source: DataSource } {
  const path = dir.join("state.db");
  const writer = openStore(path);
  const reader = openReadOnlyStore(path);
  const config = testConfig({ w: { reply: () => "ok" } }, { review: { agent: "w", budgets: [{ usd: 1, window: "1h" }] } });
  const source = createDbSource({ store: reader, queues: config.queues, pollMs });
  open.push(writer, reader, source);
  return { writer, reader, source };
}

function session(writer: Store, id: string, handle: string): void {
  writer.write(() => insertSession(writer, { id, handle, agent: "w", provider: "scripted", createdAt: Date.now(), state: "working" }));
}

describe("database source (#14)", () => {
  test("sessions, queues with counts and budget, runs with the running step and a parked question appear", async () => {
    using dir = tempDir("tui-src");
    const { writer, source } = setup(dir);
    const owner = registerOwner(writer);
    session(writer, "ses_a", "brisk-curie");
    writer.write(() => updateSession(writer, "ses_a", "working", { turns: 1, input: 100, output: 20, cacheRead: 0, cacheWrite: 0, costUsd: 0.5 }, "halfway there"));
    writer.write(() => {
      insertTask(writer, { id: "task_1", queue: "review", payload: "check a.ts", enqueuedBy: "user", callback: false, at: Date.now() });
      insertTask(writer, { id: "task_2", queue: "review", payload: "check b.ts", enqueuedBy: "user", callback: false, at: Date.now() });
      insertRun(writer, { id: "run_1", workflow: "tdd", args: {}, owner, at: Date.now() });
      startStep(writer, { runId: "run_1", seq: 1, kind: "send", label: "send coder", digest: "d", attempt: 1, at: Date.now() });
      insertRun(writer, { id: "run_2", workflow: "ship", args: {}, owner, at: Date.now() + 1 });
      writer.sql("UPDATE runs SET status = 'interrupted' WHERE id = 'run_2'").run();
      parkRun(writer, { run_id: "run_2", state: "waiting", wake_at: null, event: "answer:go", question: JSON.stringify({ question: "Ship it?", key: "go", options: ["yes", "no"] }), at: Date.now() });
    });
    const snap = await waitFor(() => {
      const s = source.snapshot();
      return s.sessions.length === 1 && s.runs.length === 2 && s.tasks.length === 2 ? s : undefined;
    }, { what: "the snapshot to show the writes" });
    expect(snap.sessions[0]).toMatchObject({ handle: "brisk-curie", state: "working", costUsd: 0.5, lastLine: "halfway there", tokens: { input: 100, output: 20 } });
    expect(snap.queues).toEqual([{ name: "review", pending: 2, running: 0, done: 0, failed: 0, cancelled: 0, budgets: [{ text: "$0.00 of $1.00 / 1h", blocked: false }] }]);
    const byId = Object.fromEntries(snap.runs.map((r) => [r.id, r]));
    expect(byId.run_1).toMatchObject({ status: "running", currentStep: "send coder" });
    expect(byId.run_2).toMatchObject({ status: "waiting", question: { question: "Ship it?", key: "go" } });
    expect(snap.via).toBe("database");
    expect(snap.schedules).toBeUndefined();
  });

  test("a transcript arrives backlog first, then in order, every row once, across many commits", async () => {
    using dir = tempDir("tui-src");
    const { writer, source } = setup(dir);
    session(writer, "ses_t", "calm-turing");
    const at = Date.now();
    writer.write(() => appendEvents(writer, "ses_t", [{ turn: 1, at, event: { type: "prompt", text: "go" } }]));
    const got: TranscriptRow[] = [];
    source.transcript("ses_t", (rows) => got.push(...rows));
    expect(got.map((r) => r.event.type)).toEqual(["prompt"]);
    for (let i = 0; i < 300; i++) {
      writer.write(() => appendEvents(writer, "ses_t", [{ turn: 1, at, event: { type: "text", text: `${i},`, messageId: "m" } }]));
    }
    await waitFor(() => got.length === 301, { what: "301 rows" });
    const texts = got.slice(1).map((r) => (r.event.type === "text" ? r.event.text : ""));
    expect(texts.join("")).toBe(Array.from({ length: 300 }, (_, i) => `${i},`).join(""));
    expect(new Set(got.map((r) => r.id)).size).toBe(301);
  });

  test("a long transcript opens at its newest 5000 rows, with a note saying how many were left out", async () => {
    using dir = tempDir("tui-src");
    const { writer, source } = setup(dir);
    session(writer, "ses_long", "long-lovelace");
    const at = Date.now();
    writer.write(() => appendEvents(writer, "ses_long", Array.from({ length: 6000 }, (_, i) => ({ turn: 1, at, event: { type: "text" as const, text: `${i};` } }))));
    const got: TranscriptRow[] = [];
    source.transcript("ses_long", (rows) => got.push(...rows));
    expect(got[0]?.event).toEqual({ type: "unknown", raw: { note: "… 1000 earlier rows not shown (aegis logs shows the whole transcript)" } });
    const texts = got.slice(1).map((r) => (r.event.type === "text" ? r.event.text : ""));
    expect(texts).toHaveLength(5000);
    expect(texts[0]).toBe("1000;");
    expect(texts.at(-1)).toBe("5999;");
    writer.write(() => appendEvents(writer, "ses_long", [{ turn: 2, at, event: { type: "text", text: "next" } }]));
    await waitFor(() => got.at(-1)?.event.type === "text" && (got.at(-1)!.event as { text: string }).text === "next", { what: "the next row" });
    expect(got).toHaveLength(5002);
  });

  test("nothing is re-read or announced while no other connection commits", async () => {
    using dir = tempDir("tui-src");
    const { writer, source } = setup(dir, 5);
    const seen: Snapshot[] = [];
    source.subscribe((s) => seen.push(s));
    session(writer, "ses_q", "quiet-hopper");
    await waitFor(() => seen.length >= 1, { what: "the first change" });
    const version = source.snapshot().version;
    const n = seen.length;
    // Let the poller run for many of its periods with nothing committed, then compare.
    let ticks = 0;
    const probe = setInterval(() => ticks++, 5);
    await waitFor(() => ticks >= 20, { what: "20 poll periods" });
    clearInterval(probe);
    expect(seen.length).toBe(n);
    expect(source.snapshot().version).toBe(version);
  });

  test("an open session whose hosting process is gone is marked, one whose host lives is not", async () => {
    using dir = tempDir("tui-src");
    const { writer, source } = setup(dir);
    const live = registerOwner(writer);
    writer.write(() => {
      insertSession(writer, { id: "ses_l", handle: "live-one", agent: "w", provider: "scripted", owner: live, createdAt: Date.now() });
      insertSession(writer, { id: "ses_g", handle: "gone-one", agent: "w", provider: "scripted", owner: "own_killed", createdAt: Date.now() });
    });
    source.poke();
    await waitFor(() => source.snapshot().sessions.length === 2, { what: "both sessions" });
    const gone = await waitFor(() => source.snapshot().sessions.find((s) => s.hostGone), { what: "the host check", timeoutMs: 8000 });
    expect(gone.handle).toBe("gone-one");
    expect(source.snapshot().sessions.find((s) => s.handle === "live-one")?.hostGone).toBe(false);
  });

  test("the read connection refuses writes", () => {
    using dir = tempDir("tui-src");
    const { reader } = setup(dir);
    expect(() => reader.db.run("INSERT INTO owners (id, pid, host, started_at) VALUES ('x', 1, 'h', 0)")).toThrow(/readonly/i);
    expect(() => reader.write(() => 1)).toThrow(/read-only/);
  });

  test("run steps are reported when they change", async () => {
    using dir = tempDir("tui-src");
    const { writer, source } = setup(dir);
    writer.write(() => insertRun(writer, { id: "run_s", workflow: "w", args: {}, at: Date.now() }));
    const calls: string[][] = [];
    source.runSteps("run_s", (steps) => calls.push(steps.map((s) => `${s.label}:${s.status}`)));
    expect(calls).toEqual([[]]);
    writer.write(() => startStep(writer, { runId: "run_s", seq: 1, kind: "bash", label: "bash npm test", digest: "d", attempt: 1, at: Date.now() }));
    await waitFor(() => calls.length === 2, { what: "the step" });
    expect(calls[1]).toEqual(["bash npm test:running"]);
  });
});
