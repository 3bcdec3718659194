// Two `aegis work` processes drain one database concurrently: every task runs exactly once (zero double dispatch,
// checked against the workers' own journal), and both take part — each idle worker notices the tasks a third process
// enqueues by the database's change watch alone (every poll is set to an hour), and the two run tasks at the same
// time; and when one of them is SIGKILLed, the other takes over its queue slot.

import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../fixtures/helpers/temp-dir.ts";
import { waitFor, within } from "../fixtures/helpers/wait.ts";
import { firstStart } from "./fixtures/crash-harness.ts";
import { aegisChild, enqueueAll, openState, writeProject } from "./fixtures/project.ts";

const TASKS = 2000;
const HOUR = "3600000";

test("two aegis processes on one database over 2,000 tasks: zero double dispatch, both woken by the change watch and working at once (#15)", async () => {
  using dir = tempDir("two-proc");
  const project = writeProject(dir.path, { delayMs: 4, maxParallel: 8 });
  const stateDir = dir.join("state");
  const journal = dir.join("journal.log");
  await enqueueAll(project, stateDir, []);
  // No poll may find the work: the queue watch ticks and the store's safety poll are an hour apart.
  const env = { ...project.env(stateDir, journal), AEGIS_TEST_STORE_POLL_MS: HOUR };
  const children = [0, 1].map(() => aegisChild(project, ["work", "--concurrency", "4", "--poll-ms", HOUR], env));
  try {
    // Both are up and idle (they hold their leases) before there is any work: each must be woken to take some.
    const peek = new Database(join(stateDir, "state.db"), { readonly: true });
    const count = (sql: string) => peek.query<{ n: number }, []>(sql).get()?.n ?? 0;
    await waitFor(() => count("SELECT count(*) AS n FROM owners WHERE lease_expires_at IS NOT NULL") >= 2, { timeoutMs: 20_000, what: "both workers up" });
    await enqueueAll(project, stateDir, Array.from({ length: TASKS }, (_, i) => `t${i}`));
    await waitFor(() => count("SELECT count(*) AS n FROM tasks WHERE status = 'done'") === TASKS, { timeoutMs: 90_000, what: "every task done" });
    peek.close();
  } finally {
    for (const c of children) c.kill("SIGTERM");
  }
  for (const c of children) expect(await c.exited).toBe(130); // stopped by SIGTERM, nothing left running

  const lines = readFileSync(journal, "utf8").trim().split("\n").map((l) => l.split("\t") as ["start" | "end", string, string]);
  const starts = new Map<string, number>();
  const perPid = new Map<string, number>();
  // Whether the two processes had tasks running at the same moment (the journal is appended in order by both).
  const runningNow = new Map<string, number>();
  let together = false;
  for (const [kind, payload, pid] of lines) {
    if (kind === "start") {
      starts.set(payload, (starts.get(payload) ?? 0) + 1);
      perPid.set(pid, (perPid.get(pid) ?? 0) + 1);
    }
    runningNow.set(pid, (runningNow.get(pid) ?? 0) + (kind === "start" ? 1 : -1));
    if (runningNow.size === 2 && [...runningNow.values()].every((n) => n > 0)) together = true;
  }
  expect([...starts].filter(([, n]) => n > 1)).toEqual([]);
  expect(starts.size).toBe(TASKS);
  expect(perPid.size).toBe(2);
  expect(together).toBe(true);

  const store = openState(stateDir);
  const byStatus = store.db.query<{ status: string; n: number }, []>("SELECT status, count(*) AS n FROM tasks GROUP BY status").all();
  expect(byStatus).toEqual([{ status: "done", n: TASKS }]);
  const owners = store.db.query<{ n: number }, []>("SELECT count(DISTINCT owner) AS n FROM tasks").get()?.n;
  expect(owners).toBe(2);
  store.close();
}, 120_000);

test("(#4) one aegis work SIGKILLed mid-task: a surviving --until-idle worker runs the next task and exits 0", async () => {
  using dir = tempDir("two-proc-kill");
  const project = writeProject(dir.path, { delayMs: 0, maxParallel: 1 });
  const stateDir = dir.join("state");
  const [held, next] = await enqueueAll(project, stateDir, ["HOLD", "after"]);
  const env = project.env(stateDir, dir.join("journal.log"));
  const a = aegisChild(project, ["work", "--poll-ms", "50"], env);
  let b: ReturnType<typeof aegisChild> | undefined;
  try {
    await within(firstStart(a.stderr), 10_000, "the first worker's task to start");
    b = aegisChild(project, ["work", "--until-idle", "--poll-ms", "50"], env);
    // Kill A only once B runs (both registered as owners), so that B's watch, not its start-up, must notice.
    // A read-only connection: a write from here would wake B's watch by itself.
    const peek = new Database(join(stateDir, "state.db"), { readonly: true });
    await waitFor(() => (peek.query<{ n: number }, []>("SELECT count(*) AS n FROM owners").get()?.n ?? 0) >= 2, { timeoutMs: 10_000, what: "both workers up" });
    peek.close();
    a.kill("SIGKILL");
    await a.exited;
    const [code, stderr] = await within(Promise.all([b.exited, new Response(b.stderr).text()]), 10_000, "the survivor to exit");
    expect({ code, stderr }).toMatchObject({ code: 0 });
    const store = openState(stateDir);
    const status = (id: string) => store.db.query<{ status: string; error: string | null }, [string]>("SELECT status, error FROM tasks WHERE id = ?").get(id);
    expect(status(held!)).toEqual({ status: "failed", error: "interrupted: aegis stopped while this task ran" });
    expect(status(next!)).toEqual({ status: "done", error: null });
    store.close();
  } finally {
    a.kill("SIGKILL");
    b?.kill("SIGKILL");
  }
}, 30_000);
