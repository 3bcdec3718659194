// Two `aegis work` processes drain one database concurrently: every task runs exactly once (zero double dispatch,
// checked against the workers' own journal), both processes take part, and tasks enqueued by a third process are
// picked up.

import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { tempDir } from "../fixtures/helpers/temp-dir.ts";
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
