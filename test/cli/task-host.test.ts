// Which machine ran a task (#15): `aegis tasks` / `aegis task` read it from the worker session's host (AEGIS_HOST_ID,
// else the host name); the text listing grows a HOST column only once another machine's worker appears, `--json`
// always has `host`. On both backends; "another machine" is a runtime started under a fake AEGIS_HOST_ID.

import { expect, setDefaultTimeout, test } from "bun:test";
import { hostColumn } from "../../src/cli/host-column.ts";
import { taskDetail, taskLine } from "../../src/cli/tasks.ts";
import { toTask } from "../../src/queue/task.ts";
import { hostName } from "../../src/store/owners.ts";
import { within } from "../fixtures/helpers/wait.ts";
import { describeRuntimes, type RuntimeBackend } from "../helpers/runtimes.ts";
import { testConfig } from "../session/fixtures.ts";

setDefaultTimeout(30_000);

const config = testConfig({ w: { reply: (p) => `done ${p}` } }, { q: { agent: "w", maxParallel: 1 } });

/** Enqueues `payload` and drains it in a runtime of its own, as the machine `host` (undefined: this one). */
async function runAs(b: RuntimeBackend, location: string, payload: string, host?: string): Promise<string> {
  const before = process.env.AEGIS_HOST_ID;
  if (host !== undefined) process.env.AEGIS_HOST_ID = host;
  try {
    const rt = await b.runtime(location, { config, plane: false, queues: { pollMs: 10 } });
    const { taskId } = await rt.queues.enqueue("q", payload, { enqueuedBy: "user" });
    await within(rt.queues.drain(), 10_000, `the drain of ${payload}`);
    await rt.close(); // stops serving: the next task goes to the next runtime
    return taskId;
  } finally {
    if (before === undefined) delete process.env.AEGIS_HOST_ID;
    else process.env.AEGIS_HOST_ID = before;
  }
}

describeRuntimes("task host", (b) => {
  test("(#15) aegis tasks shows a HOST column once another machine ran a task; aegis task names the host", async () => {
    const location = await b.fresh();
    const here = await runAs(b, location, "one");
    const rt = await b.runtime(location, { config, plane: false, queues: { serve: [] } });
    const mine = (await rt.db.tasks.listTasks({})).map(toTask);
    expect(mine.map((t) => [t.taskId, t.status, t.host])).toEqual([[here, "done", hostName()]]);
    expect(hostColumn(mine.map((t) => t.host))).toBe(0); // one machine: the listing stays as it was
    expect(taskLine(mine[0]!)).toStartWith(`${here}  q  done`);

    const far = await runAs(b, location, "two", "machine-far");
    const all = (await rt.db.tasks.listTasks({})).map(toTask);
    expect(all.map((t) => t.host)).toEqual([hostName(), "machine-far"]);
    const width = hostColumn(all.map((t) => t.host));
    expect(width).toBeGreaterThan(0);
    expect(taskLine(all[1]!, width)).toStartWith(`${far}  ${"machine-far".padEnd(width)}  q  done`);
    const detail = taskDetail(toTask((await rt.db.tasks.getTask(far))!));
    expect(detail).toContain("host:       machine-far");
  });
});
