// Queue workers as a fleet on one database, SQLite file or PostgreSQL (#15): with --concurrency a second worker gets
// work and notices tasks and freed slots from the other by the change watch alone (WAL watch / NOTIFY: every poll is
// an hour apart); a queue's `hosts` routes its tasks to labelled workers only; a worker that lost its lease takes a new
// one, and its claim's late finish is refused by the fence.

import { expect, setDefaultTimeout, test } from "bun:test";
import type { LoadedConfig } from "../../src/config/validate.ts";
import { within } from "../fixtures/helpers/wait.ts";
import { describeRuntimes } from "../helpers/runtimes.ts";
import { testConfig } from "../session/fixtures.ts";

// The first PostgreSQL test of the file starts the throwaway cluster: seconds on a loaded machine.
setDefaultTimeout(30_000);

/** The store's safety poll an hour apart: a wake-up can only come from the change watch. */
const noPoll = (c: LoadedConfig): LoadedConfig => ({ ...c, store: { ...c.store, pollMs: 3_600_000 } });

describeRuntimes("queue workers as a fleet", (b) => {

  test("two workers with --concurrency share a queue: the second takes work the first cannot (#15)", async () => {
    const location = await b.fresh();
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    const ranBy = new Map<string, string>();
    const cfg = (who: string) => testConfig({ w: { reply: async (p) => (ranBy.set(p, who), await hold, `ok ${p}`) } }, { q: { agent: "w", maxParallel: 4 } });
    const wa = await b.runtime(location, { config: noPoll(cfg("a")), plane: false, queues: { serve: ["q"], pollMs: 0, concurrency: 2 } });
    const wb = await b.runtime(location, { config: noPoll(cfg("b")), plane: false, queues: { serve: ["q"], pollMs: 0, concurrency: 2 } });
    await wa.queues.start();
    await wb.queues.start();
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await wa.queues.enqueue("q", `t${i}`)).taskId);
    await wa.db.flush();
    // b hears a's commits through the change watch only (WAL watch / NOTIFY): every poll is an hour apart.
    await within((async () => { while (ranBy.size < 4) await Bun.sleep(2); })(), 10_000, "both workers to take two tasks each");
    expect([...ranBy.values()].sort()).toEqual(["a", "a", "b", "b"]);
    release();
    for (const id of ids) expect((await within(wa.queues.waitFor(id), 10_000, id)).status).toBe("done");
  });

  test("a queue with hosts runs only on workers with a matching --host-label (#15)", async () => {
    const location = await b.fresh();
    const cfg = testConfig({ w: { reply: (p) => `ok ${p}` } }, { gpu: { agent: "w", maxParallel: 2, hosts: ["gpu"] } });
    const plain = await b.runtime(location, { config: noPoll(cfg), plane: false, queues: { serve: ["gpu"], pollMs: 0, concurrency: 4 } });
    await plain.queues.start();
    const { taskId, position } = await plain.queues.enqueue("gpu", "render");
    expect(position).toBe(1); // not taken by the unlabelled worker
    await plain.db.flush();
    const labelled = await b.runtime(location, { config: noPoll(cfg), plane: false, queues: { serve: ["gpu"], pollMs: 0, concurrency: 4, hostLabels: ["gpu"] } });
    await labelled.queues.start();
    const t = await within(labelled.queues.waitFor(taskId), 10_000, "the labelled worker");
    expect(t).toMatchObject({ status: "done", result: "ok render" });
    expect((await labelled.db.tasks.getTask(taskId))?.owner).toBe(labelled.owner);
  });

  test("a worker whose task was recovered after its lease expired cannot finish it; it takes a new lease (#15)", async () => {
    const location = await b.fresh();
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    const cfg = testConfig({ w: { reply: async (p) => (await hold, `ok ${p}`) } }, { q: { agent: "w", maxParallel: 2 } });
    const w = await b.runtime(location, { config: noPoll(cfg), plane: false, queues: { serve: ["q"], pollMs: 0, concurrency: 1 } });
    await w.queues.start();
    const { taskId } = await w.queues.enqueue("q", "slow");
    const claimed = (await w.db.tasks.getTask(taskId))!;
    expect(claimed).toMatchObject({ status: "running", owner: w.owner, fence: 1 });
    // What another machine's sweep does once the lease expired: the owner row goes and the task ends.
    await w.db.tx(async (t) => {
      await t.owners.deleteOwnerRows([w.owner]);
      expect(await t.tasks.finishTask(taskId, "running", { status: "failed", result: null, error: "interrupted", at: Date.now() }, w.owner)).toBe(true);
    }, { durable: true });
    release();
    await w.queues.idle();
    expect(await w.db.tasks.getTask(taskId)).toMatchObject({ status: "failed", error: "interrupted" });
    // Its next heartbeat finds the lease lost and takes a new one under the same id.
    expect(await w.db.owners.heartbeatOwner(w.owner)).toBe(false);
    await w.db.owners.leaseOwner(w.owner, { labels: [], queues: ["q"], concurrency: 1, leaseMs: 30_000 });
    const next = await w.queues.enqueue("q", "after");
    expect((await within(w.queues.waitFor(next.taskId), 10_000, "a task after the new lease")).status).toBe("done");
  });
});
