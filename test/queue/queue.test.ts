// The queue manager on both store backends (#15): FIFO and positions, fleet-wide maxParallel, callbacks (live and
// persisted), cancel, idempotency, budgets, failing workers, shutdown; and across processes: recovery of a dead
// process's tasks on start, and two runtimes on one database (one enqueues, the other works and is cancelled remotely).

import { expect, setDefaultTimeout, test } from "bun:test";
import { hostname } from "node:os";
import type { Runtime, RuntimeOptions } from "../../src/runtime.ts";
import { within } from "../fixtures/helpers/wait.ts";
import { describeRuntimes } from "../helpers/runtimes.ts";
import { gate, testConfig, type AgentSpec } from "../session/fixtures.ts";

// The first PostgreSQL test of the file starts the throwaway cluster: seconds on a loaded machine.
setDefaultTimeout(30_000);

const HEADER = (q: string, id: string, status: string) => new RegExp(`^> from queue:${q} · task#${id} · ${status} · \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\\n`);

describeRuntimes("QueueManager", (b) => {
  const runtime = async (agents: Record<string, AgentSpec>, queues: Record<string, unknown>, extra: Partial<RuntimeOptions> = {}): Promise<Runtime> =>
    b.runtime(await b.fresh(), { config: testConfig(agents, queues), queues: { pollMs: 0 }, ...extra });

  test("FIFO: with maxParallel 1 tasks start in enqueue order; positions count the pending tasks ahead", async () => {
    const order: string[] = [];
    let release!: () => void;
    const enqueued = new Promise<void>((r) => (release = r));
    // The first worker waits until every task is enqueued, so the positions are those of a busy queue.
    const r = await runtime({ w: { reply: async (p) => (await enqueued, order.push(p), `did ${p}`) } }, { q: { agent: "w", maxParallel: 1 } });
    await r.queues.start();
    const got = [];
    for (let i = 0; i < 10; i++) got.push(await r.queues.enqueue("q", `job ${i}`));
    release();
    expect(got.map((g) => g.position)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await r.queues.drain();
    expect(order).toEqual(Array.from({ length: 10 }, (_, i) => `job ${i}`));
    const t = (await r.queues.status(got[3]!.taskId))!;
    expect(t).toMatchObject({ status: "done", result: "did job 3", error: null, enqueuedBy: "user", queue: "q", payload: "job 3", position: 0 });
    expect(t.workerHandle).toMatch(/^[a-z]+-[a-z]+/);
  });

  test("maxParallel is never exceeded under 200 enqueues, and is reached", async () => {
    let live = 0;
    let peak = 0;
    let startedNotFinished = 0;
    let peakEvents = 0;
    // The first workers wait until every task is enqueued: the limit is reached however slow the enqueues are.
    let release!: () => void;
    const enqueued = new Promise<void>((r) => (release = r));
    const r = await runtime({
      w: { reply: async (p) => { live++; peak = Math.max(peak, live); await enqueued; await Bun.sleep(Math.random() * 2); live--; return p; } },
    }, { q: { agent: "w", maxParallel: 3 } });
    r.queues.on((e) => {
      if (e.type === "started") peakEvents = Math.max(peakEvents, ++startedNotFinished);
      if (e.type === "finished") startedNotFinished--;
    });
    await r.queues.start();
    const ids: string[] = [];
    for (let i = 0; i < 200; i++) ids.push((await r.queues.enqueue("q", `t${i}`)).taskId);
    release();
    await within(r.queues.drain(), 20_000, "drain");
    expect(peak).toBe(3);
    expect(peakEvents).toBeLessThanOrEqual(3);
    expect(await r.queues.list({ status: "done" })).toHaveLength(200);
    expect((await r.queues.status(ids[199]!))?.result).toBe("t199");
  });

  test("a callback lands in a live producer's inbox with the queue header; ok and error", async () => {
    const seen: string[] = [];
    const r = await runtime({
      boss: { reply: (p) => (seen.push(p), "noted") },
      w: { reply: (p) => (p.includes("fail") ? { text: "I broke", isError: true } : `result of ${p}`) },
    }, { q: { agent: "w", maxParallel: 2 } });
    const boss = await r.sessions.spawn("boss", { handle: "brisk-curie" });
    await r.queues.start();
    const ok = await r.queues.enqueue("q", "work", { enqueuedBy: "agent:brisk-curie", callback: true });
    await r.queues.waitFor(ok.taskId);
    await within(boss.whenIdle(), 2000, "producer turn");
    expect(seen[0]).toMatch(HEADER("q", ok.taskId, "ok"));
    expect(seen[0]!.split("\n")[1]).toBe("result of work");
    const bad = await r.queues.enqueue("q", "please fail", { enqueuedBy: "agent:brisk-curie", callback: true });
    expect(await r.queues.waitFor(bad.taskId)).toMatchObject({ status: "failed", error: "I broke" });
    await boss.whenIdle();
    expect(seen[1]).toMatch(HEADER("q", bad.taskId, "error"));
    // No callback without the flag.
    const quiet = await r.queues.enqueue("q", "quiet", { enqueuedBy: "agent:brisk-curie" });
    await r.queues.waitFor(quiet.taskId);
    expect(seen).toHaveLength(2);
  });

  test("a callback for a producer that is not live is persisted for a later session with its handle", async () => {
    const r = await runtime({ w: { reply: () => "answer" }, boss: { reply: (p) => `got ${p}` } }, { q: { agent: "w", maxParallel: 1 } });
    await r.queues.start();
    const { taskId } = await r.queues.enqueue("q", "x", { enqueuedBy: "agent:gone-away", callback: true });
    await r.queues.waitFor(taskId);
    const rows = await r.db.inbox.listInbox("gone-away");
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ sender: "queue:q", task_id: taskId, status: "ok", body: "answer", delivered_at: null });
    const s = await r.sessions.spawn("boss", { handle: "gone-away" });
    expect((await s.whenIdle())?.text).toMatch(/^got > from queue:q · task#\S+ · ok · \S+\nanswer$/);
    expect((await r.db.inbox.listInbox("gone-away"))[0]!.delivered_at).not.toBeNull();
  });

  test("cancel: a pending task is dropped (never runs) and its producer told; a running one stops", async () => {
    const g = gate();
    const ran: string[] = [];
    const r = await runtime({
      w: { reply: async (p, ctx) => { ran.push(p); if (p === "first") await new Promise((_, rej) => ctx.signal.addEventListener("abort", () => rej(new Error("aborted")))); return p; } },
    }, { q: { agent: "w", maxParallel: 1 } });
    await r.queues.start();
    const first = await r.queues.enqueue("q", "first");
    const second = await r.queues.enqueue("q", "second", { enqueuedBy: "agent:calm-boss", callback: true });
    expect(await r.queues.cancel(second.taskId)).toEqual({ taskId: second.taskId, status: "cancelled", was: "pending" });
    expect((await r.db.inbox.listInbox("calm-boss"))[0]).toMatchObject({ status: "error", body: "cancelled (never dispatched)" });
    expect(await r.queues.cancel(first.taskId)).toEqual({ taskId: first.taskId, status: "cancelled", was: "running" });
    expect(await r.queues.cancel(first.taskId)).toEqual({ taskId: first.taskId, status: "cancelled", was: "terminal" });
    expect(await r.queues.status(first.taskId)).toMatchObject({ status: "cancelled", error: "cancelled" });
    await r.queues.drain();
    expect(ran).toEqual(["first"]);
    expect(r.sessions.list()).toEqual([]);
    void g;
    await expect(r.queues.cancel("task_nope")).rejects.toMatchObject({ code: "E_NOT_FOUND" });
  });

  test("idempotency: a known key returns the existing task, per queue", async () => {
    const r = await runtime({ w: { reply: (p) => p } }, { a: { agent: "w", maxParallel: 1 }, b: { agent: "w", maxParallel: 1 } });
    const one = await r.queues.enqueue("a", "x", { idempotencyKey: "k1" });
    const again = await r.queues.enqueue("a", "something else", { idempotencyKey: "k1" });
    expect(again).toEqual({ taskId: one.taskId, position: 1, existing: true });
    expect((await r.queues.enqueue("b", "x", { idempotencyKey: "k1" })).taskId).not.toBe(one.taskId);
    expect(await r.queues.list({ queue: "a" })).toHaveLength(1);
  });

  test("unknown queue and empty payload are clear errors", async () => {
    const r = await runtime({ w: { reply: (p) => p } }, { review: { agent: "w", maxParallel: 1 } });
    await expect(r.queues.enqueue("reveiw", "x")).rejects.toMatchObject({ code: "E_NOT_FOUND", message: expect.stringContaining('did you mean "review"') });
    await expect(r.queues.enqueue("review", "  ")).rejects.toMatchObject({ code: "E_USAGE" });
  });

  test("budgets refuse an enqueue once spent, naming budget, spend and unblock time; time unblocks", async () => {
    let now = Date.parse("2026-11-25T10:00:00Z");
    const r = await runtime({ w: { reply: () => "ok", usage: { costUsd: 0.6, output: 400 } } },
      { q: { agent: "w", maxParallel: 1, budgets: [{ usd: 1, window: "1h" }, { outputTokens: 10_000, window: "1d" }] } },
      { queues: { pollMs: 0, now: () => now } });
    await r.queues.start();
    await r.queues.waitFor((await r.queues.enqueue("q", "a")).taskId);
    now += 10 * 60_000;
    await r.queues.waitFor((await r.queues.enqueue("q", "b")).taskId);
    now += 5 * 60_000;
    let err: unknown;
    try {
      await r.queues.enqueue("q", "c");
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: "E_BUDGET" });
    const msg = (err as Error).message;
    expect(msg).toContain('queue "q" is over budget: $1.00 per 1h (spent $1.20)');
    expect(msg).toContain("unblocks at 2026-11-25T11:00:00Z (in 45m)");
    expect((err as { data: Record<string, unknown> }).data).toMatchObject({ queue: "q", unblockAt: "2026-11-25T11:00:00Z" });
    expect((await r.queues.budgets("q")).map((b) => [b.kind, b.blocked, b.spent])).toEqual([["usd", true, 1.2], ["outputTokens", false, 800]]);
    now = Date.parse("2026-11-25T11:00:01Z");
    expect((await r.queues.enqueue("q", "d")).taskId).toMatch(/^task_/);
  });

  test("a failing, throwing or hanging worker fails only its own task", async () => {
    const r = await runtime({
      w: {
        reply: async (p, ctx) => {
          if (p === "error turn") return { text: "cannot", isError: true };
          if (p === "throw") throw new Error("kaboom");
          if (p === "hang") await new Promise((_, rej) => ctx.signal.addEventListener("abort", () => rej(new Error("aborted"))));
          return `ok ${p}`;
        },
      },
    }, { q: { agent: "w", maxParallel: 2 } }, { idleTimeoutMs: 60, queues: { pollMs: 0 } });
    await r.queues.start();
    const ids: string[] = [];
    for (const p of ["a", "error turn", "b", "throw", "hang", "c"]) ids.push((await r.queues.enqueue("q", p)).taskId);
    await within(r.queues.drain(), 5000, "drain");
    const tasks = await Promise.all(ids.map(async (id) => (await r.queues.status(id))!));
    expect(tasks.map((t) => t.status)).toEqual(["done", "failed", "done", "failed", "failed", "done"]);
    expect(tasks[1]!.error).toBe("cannot");
    expect(tasks[3]!.error).toContain("kaboom");
    expect(tasks[4]!.error).toContain("timed out");
    expect(tasks[5]!.result).toBe("ok c");
  });

  test("closing the runtime fails running tasks as interrupted and tells their producers", async () => {
    const location = await b.fresh();
    const r = await b.runtime(location, { config: testConfig({ w: { reply: (_p, ctx) => new Promise((_, rej) => ctx.signal.addEventListener("abort", () => rej(new Error("aborted")))) } },
      { q: { agent: "w", maxParallel: 1 } }), queues: { pollMs: 0 } });
    await r.queues.start();
    const { taskId } = await r.queues.enqueue("q", "long", { enqueuedBy: "agent:far-away", callback: true });
    await r.close();
    // The runtime's connection is closed: read what it left through another one.
    const peek = b.sql(location);
    expect(await peek.all(`SELECT status, error FROM tasks WHERE id = '${taskId}'`)).toEqual([{ status: "failed", error: "interrupted: aegis stopped while this task ran" }]);
    expect(await peek.all("SELECT status, task_id FROM inbox WHERE target = 'far-away'")).toEqual([{ status: "error", task_id: taskId }]);
  });
});

describeRuntimes("restart and other processes", (b) => {
  test("on start, a dead process's running tasks fail as interrupted with the worker's last message; pending ones run", async () => {
    const location = await b.fresh();
    const cfg = testConfig({ w: { reply: (p) => `done ${p}` }, boss: { reply: (p) => p } }, { q: { agent: "w", maxParallel: 2 } });
    const seed = b.sql(location);
    const gone = Bun.spawnSync(["true"]).pid;
    await seed.run(`INSERT INTO owners (id, pid, host, proc_start, started_at) VALUES ('own_dead', ${gone}, '${hostname()}', NULL, 0)`);
    await seed.run("INSERT INTO sessions (id, handle, agent, provider, state, owner, created_at, last_text) VALUES ('ses_w', 'old-worker', 'w', 'scripted', 'working', 'own_dead', 0, 'half way there')");
    await seed.run(`INSERT INTO tasks (id, queue, payload, enqueued_by, callback, status, owner, worker_session, enqueued_at, started_at)
      VALUES ('task_run', 'q', 'p1', 'agent:old-boss', 1, 'running', 'own_dead', 'ses_w', 1, 2),
             ('task_pend', 'q', 'p2', 'user', 0, 'pending', NULL, NULL, 3, NULL)`);
    const r = await b.runtime(location, { config: cfg, queues: { pollMs: 0 } });
    await r.queues.start();
    expect(await r.queues.status("task_run")).toMatchObject({ status: "failed", error: `interrupted: aegis stopped while this task ran (worker own_dead, pid ${gone} on ${hostname()}: its process died)`, result: "half way there" });
    expect((await r.db.inbox.listInbox("old-boss"))[0]!.body).toContain("half way there");
    expect((await r.queues.waitFor("task_pend")).result).toBe("done p2");
    expect((await r.db.sessions.getSessionRow("ses_w"))?.state).toBe("closed");
    // Restarting again finishes nothing twice.
    await r.queues.start();
    expect(await r.db.inbox.listInbox("old-boss")).toHaveLength(1);
  });

  test("two runtimes on one database: one enqueues, the other runs each task once; a cancel reaches the owner", async () => {
    const location = await b.fresh();
    const runs = new Map<string, number>();
    const cfg = testConfig({
      w: { reply: async (p, ctx) => { runs.set(p, (runs.get(p) ?? 0) + 1); if (p === "stuck") await new Promise((_, rej) => ctx.signal.addEventListener("abort", () => rej(new Error("aborted")))); return p; } },
    }, { q: { agent: "w", maxParallel: 4 } });
    // `producer` only enqueues (like `aegis enqueue`); `worker` works the queue (like `aegis work`) and notices
    // through its subscription.
    const producer = await b.runtime(location, { config: cfg, queues: { pollMs: 10 } });
    const worker = await b.runtime(location, { config: cfg, queues: { pollMs: 10 } });
    await worker.queues.start();
    const ids: string[] = [];
    for (let i = 0; i < 100; i++) ids.push((await producer.queues.enqueue("q", `t${i}`)).taskId);
    await within(Promise.all(ids.map((id) => producer.queues.waitFor(id))), 20_000, "all tasks");
    expect(runs.size).toBe(100);
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
    expect(new Set((await producer.db.tasks.listTasks()).map((r) => r.owner))).toEqual(new Set([worker.owner]));
    // A task running in the worker, cancelled from the producer: the worker sees the request and stops its worker.
    const stuck = (await producer.queues.enqueue("q", "stuck")).taskId;
    await within((async () => { while ((await producer.queues.status(stuck))?.status !== "running") await Bun.sleep(5); })(), 10_000, "stuck task to start");
    expect(await within(producer.queues.cancel(stuck), 10_000, "remote cancel")).toEqual({ taskId: stuck, status: "cancelled", was: "running" });
    expect(worker.sessions.list()).toEqual([]);
  });
});
