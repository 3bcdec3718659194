// Two `aegis work` processes drain one database concurrently: every task runs exactly once (zero double dispatch,
// checked against the workers' own journal), both processes take part, and tasks enqueued by a third process are
// picked up; and when one of them is SIGKILLed, the other takes over its queue slot.

import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../fixtures/helpers/temp-dir.ts";
import { waitFor, within } from "../fixtures/helpers/wait.ts";
import { firstStart } from "./fixtures/crash-harness.ts";
import { aegisChild, enqueueAll, openState, writeProject } from "./fixtures/project.ts";

const TASKS = 2000;

test("two aegis processes on one database over 2,000 tasks: zero double dispatch", async () => {
  using dir = tempDir("two-proc");
  const project = writeProject(dir.path, { delayMs: 4, maxParallel: 8 });
  const stateDir = dir.join("state");
  const journal = dir.join("journal.log");
  const payloads = Array.from({ length: TASKS }, (_, i) => `t${i}`);
  await enqueueAll(project, stateDir, payloads);
  const env = project.env(stateDir, journal);
  const children = [0, 1].map(() => aegisChild(project, ["work", "--until-idle", "--parallel", "4", "--poll-ms", "20"], env));
  const results = await Promise.all(children.map(async (c) => ({ code: await c.exited, stderr: await new Response(c.stderr).text() })));
  for (const r of results) expect(r).toMatchObject({ code: 0 });

  const runs = readFileSync(journal, "utf8").trim().split("\n").map((l) => l.split("\t") as [string, string]);
  const perPayload = new Map<string, number>();
  const perPid = new Map<string, number>();
  for (const [payload, pid] of runs) {
    perPayload.set(payload, (perPayload.get(payload) ?? 0) + 1);
    perPid.set(pid, (perPid.get(pid) ?? 0) + 1);
  }
  const doubled = [...perPayload].filter(([, n]) => n > 1);
  expect(doubled).toEqual([]);
  expect(perPayload.size).toBe(TASKS);
  expect(perPid.size).toBe(2);
  for (const n of perPid.values()) expect(n).toBeGreaterThan(TASKS / 10);

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
