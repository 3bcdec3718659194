// Queue workers as a fleet on one SQLite file (#15): with --concurrency a second worker gets work and notices tasks
// and freed slots from the other within milliseconds (no polling: the watch's poll is off); a queue's `hosts` routes
// its tasks to labelled workers only; a worker that lost its lease takes a new one, and its claim's late finish is
// refused by the fence.

import { afterEach, expect, test } from "bun:test";
import { createRuntime, type Runtime } from "../../src/runtime.ts";
import { openStore } from "../../src/store/store.ts";
import { tempDir } from "../fixtures/helpers/temp-dir.ts";
import { within } from "../fixtures/helpers/wait.ts";
import { testConfig } from "../session/fixtures.ts";

const runtimes: Runtime[] = [];
afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((r) => r.close()));
});

test("two workers with --concurrency share a queue: the second takes work the first cannot (#15)", async () => {
  using dir = tempDir("fleet");
  const path = dir.join("state.db");
  let release!: () => void;
  const hold = new Promise<void>((r) => (release = r));
  const ranBy = new Map<string, string>();
  const cfg = (who: string) => testConfig({ w: { reply: async (p) => (ranBy.set(p, who), await hold, `ok ${p}`) } }, { q: { agent: "w", maxParallel: 4 } });
  const a = createRuntime({ config: cfg("a"), store: openStore(path), plane: false, queues: { serve: ["q"], pollMs: 0, concurrency: 2 } });
  const b = createRuntime({ config: cfg("b"), store: openStore(path), plane: false, queues: { serve: ["q"], pollMs: 0, concurrency: 2 } });
  runtimes.push(a, b);
  await a.queues.start();
  await b.queues.start();
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) ids.push((await a.queues.enqueue("q", `t${i}`)).taskId);
  await a.db.flush();
  // b hears a's commits through the WAL watch (its safety poll is 1 s, the wait below much shorter).
  await within((async () => { while (ranBy.size < 4) await Bun.sleep(2); })(), 900, "both workers to take two tasks each");
  expect([...ranBy.values()].sort()).toEqual(["a", "a", "b", "b"]);
  release();
  for (const id of ids) expect((await within(a.queues.waitFor(id), 5000, id)).status).toBe("done");
});

test("a queue with hosts runs only on workers with a matching --host-label (#15)", async () => {
  using dir = tempDir("fleet");
  const path = dir.join("state.db");
  const cfg = testConfig({ w: { reply: (p) => `ok ${p}` } }, { gpu: { agent: "w", maxParallel: 2, hosts: ["gpu"] } });
  const plain = createRuntime({ config: cfg, store: openStore(path), plane: false, queues: { serve: ["gpu"], pollMs: 0, concurrency: 4 } });
  runtimes.push(plain);
  await plain.queues.start();
  const { taskId, position } = await plain.queues.enqueue("gpu", "render");
  expect(position).toBe(1); // not taken by the unlabelled worker
  await plain.db.flush();
  const labelled = createRuntime({ config: cfg, store: openStore(path), plane: false, queues: { serve: ["gpu"], pollMs: 0, concurrency: 4, hostLabels: ["gpu"] } });
  runtimes.push(labelled);
  await labelled.queues.start();
  const t = await within(labelled.queues.waitFor(taskId), 5000, "the labelled worker");
  expect(t).toMatchObject({ status: "done", result: "ok render" });
  expect((await labelled.db.tasks.getTask(taskId))?.owner).toBe(labelled.owner);
});

test("a worker whose task was recovered after its lease expired cannot finish it; it takes a new lease (#15)", async () => {
  using dir = tempDir("fleet");
  const path = dir.join("state.db");
  let release!: () => void;
  const hold = new Promise<void>((r) => (release = r));
  const cfg = testConfig({ w: { reply: async (p) => (await hold, `ok ${p}`) } }, { q: { agent: "w", maxParallel: 2 } });
  const w = createRuntime({ config: cfg, store: openStore(path), plane: false, queues: { serve: ["q"], pollMs: 0, concurrency: 1 } });
  runtimes.push(w);
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
  expect((await within(w.queues.waitFor(next.taskId), 5000, "a task after the new lease")).status).toBe("done");
});
