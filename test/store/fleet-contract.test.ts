// The fleet contract on both backends (#15): fleet-wide maxParallel, no task claimed or finished twice under racing
// claimers, fencing after a lost lease, recovery once, the worker list, and wake-ups from another process's commit
// (a new task, a freed slot) with the safety poll switched off, so only the cross-process signal can deliver them.

import { expect, test } from "bun:test";
import { join } from "node:path";
import type { FleetStore, Lease } from "../../src/store/contract.ts";
import { describeBackends } from "../helpers/backends.ts";

const FIXTURE = join(import.meta.dir, "../fixtures/fleet-enqueue.ts");
const NO_POLL = { safetyPollMs: 3_600_000 };
const worker = (queues: string[], leaseMs = 60_000) => ({ host: "host-a", pid: process.pid, labels: [], queues, concurrency: 4, leaseMs });
const task = (id: string, queue = "q") => ({ id, queue, payload: `do ${id}`, enqueuedBy: "test", callback: false, at: Date.now() });
const done = (at = Date.now()) => ({ status: "done" as const, result: "ok", error: null, at });

/** Resolves with the first key `topic` is signalled with, or rejects after `ms`. */
function nextSignal(store: FleetStore, topic: "tasks" | "workers", ms = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${topic} signal within ${ms} ms`));
    }, ms);
    const off = store.subscribe(topic, (key) => {
      clearTimeout(timer);
      off();
      resolve(key);
    });
  });
}

async function runFixture(args: string[]): Promise<number> {
  const p = Bun.spawn([process.execPath, FIXTURE, ...args], { stdout: "ignore", stderr: "inherit" });
  return await p.exited;
}

describeBackends("fleet contract (#15)", (b) => {
  test("racing claimers in separate connections never exceed maxParallel nor get one task twice (#15)", async () => {
    const { store, location } = await b.open(NO_POLL);
    const others = [store, await b.reopen(location, NO_POLL), await b.reopen(location, NO_POLL)];
    for (let i = 0; i < 120; i++) await store.enqueue(task(`task_${String(i).padStart(3, "0")}`));
    const seen: string[] = [];
    let peak = 0;
    const loop = async (s: FleetStore) => {
      const lease = await s.register(worker(["q"]));
      for (;;) {
        const got = await s.claim({ queue: "q", maxParallel: 5, limit: 2, lease, host: "host-a" });
        if (got.length === 0) {
          if ((await s.counts("q")).pending === 0) return;
          await Bun.sleep(1); // every slot is taken by the other claimers: let them finish
          continue;
        }
        peak = Math.max(peak, (await s.counts("q")).running);
        for (const t of got) {
          seen.push(t.id);
          expect(await s.finish(t.id, t.fence, lease, done())).toBe(true);
        }
      }
    };
    await Promise.all(others.flatMap((s) => [loop(s), loop(s)]));
    expect(seen.length).toBe(120);
    expect(new Set(seen).size).toBe(120);
    expect(peak).toBeLessThanOrEqual(5);
    expect(await store.counts("q")).toEqual({ pending: 0, running: 0 });
  });

  test("a worker whose lease expired cannot finish its task, and recovery ends the task once (#15)", async () => {
    const { store, location } = await b.open(NO_POLL);
    const other = await b.reopen(location, NO_POLL);
    await store.enqueue(task("task_a"));
    const stale = await store.register(worker(["q"], 200)); // it never heartbeats: a paused or partitioned worker
    const [claimed] = await store.claim({ queue: "q", maxParallel: 1, limit: 1, lease: stale, host: "host-a" });
    expect(claimed!.fence).toBe(1);
    const survivor = await other.register(worker(["q"]));
    let recovered = await other.recover("interrupted: its worker's lease expired");
    for (const deadline = Date.now() + 10_000; recovered.length === 0 && Date.now() < deadline; await Bun.sleep(10)) {
      recovered = await other.recover("interrupted: its worker's lease expired"); // until the lease runs out
    }
    expect(recovered.map((r) => [r.workerId, r.tasks.map((t) => t.id)])).toEqual([[stale.workerId, ["task_a"]]]);
    expect(await other.recover("again")).toEqual([]); // once, whoever asks next
    expect(await store.heartbeat(stale)).toBe(false);
    expect(await store.finish("task_a", claimed!.fence, stale, done())).toBe(false);
    const row = await other.getTask("task_a");
    expect([row!.status, row!.error]).toEqual(["failed", "interrupted: its worker's lease expired"]);
    expect(await other.heartbeat(survivor)).toBe(true);
    expect(await store.claim({ queue: "q", maxParallel: 1, limit: 1, lease: stale, host: "host-a" })).toEqual([]);
  });

  test("aegis workers' view: each live worker with its running tasks (#15)", async () => {
    const { store } = await b.open(NO_POLL);
    const a = await store.register({ ...worker(["q", "r"]), labels: ["gpu"] });
    const lease: Lease = a;
    await store.enqueue(task("task_w1"));
    await store.claim({ queue: "q", maxParallel: 4, limit: 4, lease, host: "host-a" });
    const [w] = await store.workers();
    expect(w).toMatchObject({ id: a.workerId, host: "host-a", pid: process.pid, labels: ["gpu"], queues: ["q", "r"], running: ["task_w1"] });
    expect(w!.leaseExpiresAt).toBeGreaterThan(w!.heartbeatAt);
  });

  test("a sleeping worker is woken by a task another process enqueues, not by polling (#15)", async () => {
    const { store, location } = await b.open(NO_POLL);
    const lease = await store.register(worker(["q"]));
    expect(await store.claim({ queue: "q", maxParallel: 2, limit: 2, lease, host: "host-a" })).toEqual([]);
    const woken = nextSignal(store, "tasks");
    expect(await runFixture([b.name, location, "q", "task_remote"])).toBe(0);
    expect(["q", "*"]).toContain(await woken);
    const got = await store.claim({ queue: "q", maxParallel: 2, limit: 2, lease, host: "host-a" });
    expect(got.map((t) => t.id)).toEqual(["task_remote"]);
  });

  test("an idle worker notices a slot another process freed and takes the next task (#15)", async () => {
    const { store, location } = await b.open(NO_POLL);
    const first = await store.register(worker(["q"]));
    await store.enqueue(task("task_1"));
    await store.enqueue(task("task_2"));
    const [t1] = await store.claim({ queue: "q", maxParallel: 1, limit: 4, lease: first, host: "host-a" });
    const idle = await b.reopen(location, NO_POLL);
    const second = await idle.register(worker(["q"]));
    expect(await idle.claim({ queue: "q", maxParallel: 1, limit: 4, lease: second, host: "host-a" })).toEqual([]); // the one slot is taken
    const woken = nextSignal(idle, "tasks");
    expect(await runFixture([b.name, location, "finish", first.workerId, t1!.id, String(t1!.fence)])).toBe(0);
    await woken;
    const got = await idle.claim({ queue: "q", maxParallel: 1, limit: 4, lease: second, host: "host-a" });
    expect(got.map((t) => t.id)).toEqual(["task_2"]);
  });
});
