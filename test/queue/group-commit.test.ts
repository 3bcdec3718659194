// The queue's claims commit as a group (#15): on SQLite the claims of one event-loop turn share one commit (the batch
// the store commits at the turn's end anyway), and on both backends no worker starts before its claim is committed
// (another connection already sees the task running when the worker's turn begins). PostgreSQL commits each claim
// statement on its own, so the commit count is a SQLite matter.

import { expect, setDefaultTimeout, test } from "bun:test";
import { createRuntime } from "../../src/runtime.ts";
import { openStore } from "../../src/store/store.ts";
import { tempDir } from "../fixtures/helpers/temp-dir.ts";
import { within } from "../fixtures/helpers/wait.ts";
import { describeRuntimes } from "../helpers/runtimes.ts";
import { testConfig } from "../session/fixtures.ts";

// The first PostgreSQL test of the file starts the throwaway cluster: seconds on a loaded machine.
setDefaultTimeout(30_000);

test("[sqlite] claims of one turn share a commit, and every worker starts only once its claim is committed (#15)", async () => {
  using dir = tempDir("group-commit");
  const file = dir.join("state.db");
  const store = openStore(file);
  const other = openStore(file);
  let commits = 0;
  const run = store.db.run.bind(store.db);
  store.db.run = ((sql: string, ...rest: never[]) => {
    if (sql === "COMMIT") commits++;
    return run(sql, ...rest);
  }) as typeof store.db.run;
  // What another connection sees of each task when its worker's turn begins.
  const seen = new Map<string, string | undefined>();
  const statusOf = other.db.query<{ status: string }, [string]>("SELECT status FROM tasks WHERE payload = ?");
  const r = createRuntime({
    config: testConfig({ w: { reply: (p) => (seen.set(p, statusOf.get(p)?.status), p) } }, { q: { agent: "w", maxParallel: 8 } }, dir.path),
    store, cwd: dir.path, queues: { pollMs: 0 },
  });
  try {
    await r.queues.start();
    // Warm: from here on a worker's whole turn runs without leaving the event-loop turn it starts in.
    await r.queues.enqueue("q", "warm-up");
    await r.queues.drain();
    seen.delete("warm-up");
    commits = 0;
    const n = 40;
    for (let i = 0; i < n; i++) await r.queues.enqueue("q", `task ${i}`);
    await r.queues.drain();
    expect((await r.queues.list({ status: "done" })).length).toBe(n + 1);
    expect([...seen.values()]).toEqual(Array.from({ length: n }, () => "running"));
    // One commit per claimed task would be at least n; grouped, a few per wave of maxParallel workers.
    expect(commits).toBeLessThan(n / 2);
  } finally {
    await r.close();
    other.close();
    store.close();
  }
});

describeRuntimes("claims are committed before workers start", (b) => {
  test("another connection already sees a task running when its worker's turn begins (#15)", async () => {
    const location = await b.fresh();
    const peek = b.sql(location);
    const seen = new Map<string, string | undefined>();
    const statusOf = async (p: string) => (await peek.all<{ status: string }>(`SELECT status FROM tasks WHERE payload = '${p}'`))[0]?.status;
    const r = await b.runtime(location, {
      config: testConfig({ w: { reply: async (p) => (seen.set(p, await statusOf(p)), p) } }, { q: { agent: "w", maxParallel: 8 } }),
      plane: false, queues: { pollMs: 0 },
    });
    await r.queues.start();
    const n = 40;
    for (let i = 0; i < n; i++) await r.queues.enqueue("q", `task ${i}`);
    await within(r.queues.drain(), 20_000, "drain");
    expect((await r.queues.list({ status: "done" })).length).toBe(n);
    expect([...seen.values()]).toEqual(Array.from({ length: n }, () => "running"));
  });
});
