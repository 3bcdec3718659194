// Two `aegis work` processes drain one database concurrently: every task runs exactly once (zero double dispatch,
// checked against the workers' own journal), and both take part — each idle worker notices the tasks a third process
// enqueues by the database's change watch alone (every poll is set to an hour), and the two run tasks at the same
// time; and when one of them is SIGKILLed, the other takes over its queue slot. On both store backends (#15): the
// children share a SQLite state folder, or a PostgreSQL database through AEGIS_DATABASE_URL.

import { expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { tempDir } from "../fixtures/helpers/temp-dir.ts";
import { waitFor, within } from "../fixtures/helpers/wait.ts";
import { describeRuntimes, type RuntimeBackend } from "../helpers/runtimes.ts";
import { firstStart } from "./fixtures/crash-harness.ts";
import { aegisChild, enqueueAll, peekState, writeProject } from "./fixtures/project.ts";

// The first PostgreSQL test of the file starts the throwaway cluster: seconds on a loaded machine.
setDefaultTimeout(30_000);

const TASKS = 2000;
const HOUR = "3600000";

/** Where the children's state is: the fresh database's folder (SQLite) or its URL (PostgreSQL). */
async function freshState(b: RuntimeBackend): Promise<string> {
  const location = await b.fresh();
  return b.name === "sqlite" ? dirname(location) : location;
}

describeRuntimes("two aegis work processes on one database", (b) => {
  test("two aegis processes on one database over 2,000 tasks: zero double dispatch, both woken by the change watch and working at once (#15)", async () => {
    using dir = tempDir("two-proc");
    const project = writeProject(dir.path, { delayMs: 4, maxParallel: 8 });
    const state = await freshState(b);
    const journal = dir.join("journal.log");
    // No poll may find the work: the queue watch ticks and the store's safety poll are an hour apart.
    const env = { ...project.env(state, journal), AEGIS_TEST_STORE_POLL_MS: HOUR };
    const children = [0, 1].map(() => aegisChild(project, ["work", "--concurrency", "4", "--poll-ms", HOUR], env));
    // Read-only on SQLite: a write from here would wake the workers' watch by itself.
    const peek = peekState(state, { readonly: true });
    try {
      // Both are up and idle (they hold their leases) before there is any work: each must be woken to take some.
      await waitFor(async () => await peek.num("SELECT count(*) AS n FROM owners WHERE lease_expires_at IS NOT NULL") >= 2, { timeoutMs: 20_000, what: "both workers up" });
      await enqueueAll(project, state, Array.from({ length: TASKS }, (_, i) => `t${i}`));
      await waitFor(async () => await peek.num("SELECT count(*) AS n FROM tasks WHERE status = 'done'") === TASKS, { timeoutMs: 90_000, what: "every task done" });
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

    const byStatus = await peek.all<{ status: string; n: number | string }>("SELECT status, count(*) AS n FROM tasks GROUP BY status");
    expect(byStatus.map((r) => ({ status: r.status, n: Number(r.n) }))).toEqual([{ status: "done", n: TASKS }]);
    expect(await peek.num("SELECT count(DISTINCT owner) AS n FROM tasks")).toBe(2);
    await peek.close();
  }, 120_000);

  test("(#4) one aegis work SIGKILLed mid-task: a surviving --until-idle worker runs the next task and exits 0", async () => {
    using dir = tempDir("two-proc-kill");
    const project = writeProject(dir.path, { delayMs: 0, maxParallel: 1 });
    const state = await freshState(b);
    const [held, next] = await enqueueAll(project, state, ["HOLD", "after"]);
    const env = project.env(state, dir.join("journal.log"));
    const a = aegisChild(project, ["work", "--poll-ms", "50"], env);
    let survivor: ReturnType<typeof aegisChild> | undefined;
    // Read-only on SQLite: a write from here would wake the survivor's watch by itself.
    const peek = peekState(state, { readonly: true });
    try {
      await within(firstStart(a.stderr), 20_000, "the first worker's task to start");
      survivor = aegisChild(project, ["work", "--until-idle", "--poll-ms", "50"], env);
      // Kill A only once the survivor runs (both registered as owners), so that its watch, not its start-up, must notice.
      await waitFor(async () => await peek.num("SELECT count(*) AS n FROM owners") >= 2, { timeoutMs: 20_000, what: "both workers up" });
      a.kill("SIGKILL");
      await a.exited;
      const [code, stderr] = await within(Promise.all([survivor.exited, new Response(survivor.stderr).text()]), 20_000, "the survivor to exit");
      expect({ code, stderr }).toMatchObject({ code: 0 });
      const status = async (id: string) => (await peek.all(`SELECT status, error FROM tasks WHERE id = '${id}'`))[0];
      expect(await status(held!)).toEqual({ status: "failed", error: expect.stringMatching(new RegExp(`^interrupted: aegis stopped while this task ran \\(worker own_\\w+, pid ${a.pid} on .+: its process died\\)$`)) });
      expect(await status(next!)).toEqual({ status: "done", error: null });
    } finally {
      a.kill("SIGKILL");
      survivor?.kill("SIGKILL");
      await peek.close();
    }
  }, 60_000);
});
