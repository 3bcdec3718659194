// A run's queues served on use (`aegis run`, `aegis resume`, the library's run()): the process serves no queue until
// the workflow enqueues or delegates to one, a replayed enqueue (a resumed run awaiting its task) serves the queue
// too, and queues the workflow never uses keep their pending tasks for their own workers.
import { expect, test } from "bun:test";
import { Scripted } from "../../src/config/providers.ts";
import { validateConfig } from "../../src/config/validate.ts";
import { getRun } from "../../src/store/runs.ts";
import { openStore } from "../../src/store/store.ts";
import { createRunRuntime } from "../../src/workflow/queue-serving.ts";
import { workflow } from "../../src/workflow/registry.ts";
import { resumeRun, startRun } from "../../src/workflow/runner.ts";
import { echo } from "./helpers.ts";

const root = process.cwd();
const config = validateConfig({
  agents: { writer: { provider: new Scripted({ reply: echo("w") }) } },
  queues: { review: { agent: "writer", maxParallel: 1 }, other: { agent: "writer", maxParallel: 1 } },
}, `${root}/.aegis.ts`, root);

test("(#5) queues are served from their first use on, including a resumed run's replayed enqueue; unused queues are left alone", async () => {
  using store = disposable(openStore(":memory:"));
  const wf = workflow("t-serve-on-use", async (e) => e.delegate("review", "check this"));

  // Attempt 1 in a process that serves nothing and is not told of queue use: its task stays pending, so it is stopped.
  const first = createRunRuntime({ config, store: store.it, queues: { pollMs: 0 } });
  const theirs = (await first.rt.queues.enqueue("other", "not this run's task")).taskId;
  const stop = new AbortController();
  const stopped = await startRun(first.rt, wf, {}, {
    signal: stop.signal,
    onEvent: (e) => void (e.type === "step_start" && e.kind === "await" && stop.abort()),
  });
  expect(stopped.status).toBe("interrupted");
  await first.rt.close();
  const pending = (await first.rt.queues.list({ queue: "review" }));
  expect(pending.map((t) => t.status)).toEqual(["pending"]);

  // Attempt 2 serves on use: the replayed enqueue step serves "review", whose pending task then runs.
  const second = createRunRuntime({ config, store: store.it, queues: { pollMs: 0 } });
  try {
    expect(second.rt.queues.served).toEqual([]);
    const done = await resumeRun(second.rt, wf, getRun(store.it, stopped.runId)!, { serveQueue: second.serveQueue, timeoutMs: 3000 });
    expect(done).toMatchObject({ status: "done", result: "w1: check this" });
    expect(second.rt.queues.served).toEqual(["review"]);
    expect((await second.rt.queues.status(theirs))?.status).toBe("pending");
    expect(second.rt.queues.dispatcher.running.size).toBe(0);
  } finally {
    await second.rt.close();
  }
});

function disposable<T extends { close(): void }>(it: T): { it: T; [Symbol.dispose](): void } {
  return { it, [Symbol.dispose]: () => it.close() };
}
