// A worker's --concurrency over several queues (#15): a queue refused a slot only because another queue's claim in
// flight held the worker's whole --concurrency, or because the worker was full, is claimed again as soon as that
// concurrency is free: when the other claim takes less than it reserved, or when a worker of another queue finishes.
// Before, it waited for the next change in the database, and every rescan replayed the same race: `aegis work
// --concurrency 2` over [tasks, long] never ran long's tasks while tasks had none. A freed slot goes to a waiting
// queue before the busy queue's next task. On both backends; every poll is an hour apart, so only the dispatcher
// itself can start the task.

import { expect, setDefaultTimeout, test } from "bun:test";
import type { LoadedConfig } from "../../src/config/validate.ts";
import { waitFor, within } from "../fixtures/helpers/wait.ts";
import { describeRuntimes } from "../helpers/runtimes.ts";
import { testConfig } from "../session/fixtures.ts";

// The first PostgreSQL test of the file starts the throwaway cluster: seconds on a loaded machine.
setDefaultTimeout(30_000);

const noPoll = (c: LoadedConfig): LoadedConfig => ({ ...c, store: { ...c.store, pollMs: 3_600_000 } });

describeRuntimes("a worker's concurrency over several queues", (b) => {

  test("a queue refused while an empty queue's claim held the worker's concurrency is claimed once that claim ends (#15)", async () => {
    const location = await b.fresh();
    const cfg = noPoll(testConfig({ w: { reply: (p) => `ok ${p}` } }, { first: { agent: "w", maxParallel: 4 }, second: { agent: "w", maxParallel: 4 } }));
    const producer = await b.runtime(location, { config: cfg, plane: false });
    const { taskId } = await producer.queues.enqueue("second", "waiting");
    await producer.db.flush();
    // Starting dispatches both queues at once: `first` (empty) claims with the only slot reserved.
    const worker = await b.runtime(location, { config: cfg, plane: false, queues: { serve: ["first", "second"], pollMs: 0, concurrency: 1 } });
    await worker.queues.start();
    expect(await within(worker.queues.waitFor(taskId), 10_000, "the task of the second queue")).toMatchObject({ status: "done", result: "ok waiting" });
  });

  test("when a worker of one queue finishes, a full worker claims another queue's pending task (#15)", async () => {
    const location = await b.fresh();
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    const cfg = noPoll(testConfig(
      { slow: { reply: async (p) => (await hold, `slow ${p}`) }, w: { reply: (p) => `ok ${p}` } },
      { first: { agent: "slow", maxParallel: 4 }, second: { agent: "w", maxParallel: 4 } },
    ));
    const worker = await b.runtime(location, { config: cfg, plane: false, queues: { serve: ["first", "second"], pollMs: 0, concurrency: 1 } });
    const started: string[] = [];
    worker.queues.on((e) => e.type === "started" && started.push(e.task.payload));
    await worker.queues.start();
    const busy = await worker.queues.enqueue("first", "busy");
    // enqueue does not promise the task runs when it returns (a claim of the other queue in flight may hold the only
    // slot; the refused queue is dispatched again right after): the worker is full once it started.
    await waitFor(() => started.includes("busy"), { timeoutMs: 10_000, what: "the first queue's task started" });
    const waiting = await worker.queues.enqueue("second", "waiting");
    expect((await worker.db.tasks.getTask(waiting.taskId))?.status).toBe("pending"); // the worker is full
    release();
    expect(await within(worker.queues.waitFor(busy.taskId), 10_000, "the first queue's task")).toMatchObject({ status: "done" });
    expect(await within(worker.queues.waitFor(waiting.taskId), 10_000, "the second queue's task")).toMatchObject({ status: "done", result: "ok waiting" });
  });

  test("a full worker gives a freed slot to a queue that was waiting before the busy queue's next task (#15)", async () => {
    const location = await b.fresh();
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    const cfg = noPoll(testConfig(
      { slow: { reply: async (p) => (await hold, `slow ${p}`) }, w: { reply: (p) => `ok ${p}` } },
      { first: { agent: "slow", maxParallel: 4 }, second: { agent: "w", maxParallel: 4 } },
    ));
    const worker = await b.runtime(location, { config: cfg, plane: false, queues: { serve: ["first", "second"], pollMs: 0, concurrency: 1 } });
    const started: string[] = [];
    worker.queues.on((e) => e.type === "started" && started.push(e.task.payload));
    await worker.queues.start();
    await worker.queues.enqueue("first", "a");
    await waitFor(() => started.includes("a"), { timeoutMs: 10_000, what: "the first task started" }); // the worker is full
    const b1 = await worker.queues.enqueue("first", "b");
    const c = await worker.queues.enqueue("second", "c");
    release();
    for (const t of [b1, c]) expect(await within(worker.queues.waitFor(t.taskId), 10_000, t.taskId)).toMatchObject({ status: "done" });
    expect(started).toEqual(["a", "c", "b"]);
  });
});
