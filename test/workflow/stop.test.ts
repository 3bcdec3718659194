// Stopping a run from outside the workflow: --max-cost, --timeout, Ctrl-C (the caller's signal) and `aegis cancel`
// from another process. Each stops cleanly (running turn interrupted, bash tree killed, sessions closed) and leaves
// a resumable run. On both backends (#15): `aegis cancel` reaches the run through the database (a NOTIFY on PostgreSQL).
import { expect, setDefaultTimeout, test } from "bun:test";
import { cancelRun } from "../../src/workflow/run-status.ts";
import { workflow } from "../../src/workflow/registry.ts";
import { tempDir } from "../fixtures/helpers/temp-dir.ts";
import { pidAlive, waitFor, within } from "../fixtures/helpers/wait.ts";
import { describeDb } from "../helpers/backends.ts";
import { echo, rigOn } from "./helpers.ts";

// The first PostgreSQL test starts the throwaway cluster: seconds on a loaded machine.
setDefaultTimeout(30_000);

describeDb("stopping a run", (b) => {
  test("--max-cost stops the run after the step that crossed it; sessions are closed; status interrupted", async () => {
    await using r = await rigOn(b, { agents: { writer: { reply: echo("w"), usage: { costUsd: 0.4 } } } });
    let sends = 0;
    const out = await r.run(workflow("t-maxcost", async (e) => {
      const h = await e.spawn("writer");
      for (let i = 0; i < 10; i++) {
        await e.send(h, `turn ${i}`);
        sends++;
      }
      return "never";
    }), {}, { maxCostUsd: 1 });
    expect(out.status).toBe("interrupted");
    expect(out.error).toMatchObject({ code: "E_BUDGET" });
    expect(sends).toBe(3); // 0.4, 0.8, 1.2 > 1: the third turn crossed the limit
    expect(out.costUsd).toBeCloseTo(1.2);
    expect(r.rt.sessions.list()).toEqual([]);
    expect(await r.rt.db.runs.getRun(out.runId)).toMatchObject({ status: "interrupted", error_code: "E_BUDGET" });
  });

  test("--timeout interrupts a running turn and kills a running command's process tree", async () => {
    await using r = await rigOn(b, { agents: { writer: { reply: echo("w"), delayMs: 60_000 } } });
    const slowTurn = await within(r.run(workflow("t-timeout-turn", async (e) => e.send(await e.spawn("writer"), "take forever")), {}, { timeoutMs: 150 }), 15_000, "the run");
    expect(slowTurn.status).toBe("interrupted");
    expect(slowTurn.error).toMatchObject({ code: "E_TIMEOUT" });
    expect(r.rt.sessions.list()).toEqual([]);

    using dir = tempDir("stop-bash");
    const pidFile = dir.join("pid");
    const slowBash = await within(r.run(workflow("t-timeout-bash", async (e) => e.bash(`sleep 60 & echo $! > ${pidFile}; wait`)), {}, { timeoutMs: 2000 }), 15_000, "the run");
    expect(slowBash.error).toMatchObject({ code: "E_TIMEOUT" });
    const pid = Number(await Bun.file(pidFile).text());
    await waitFor(() => !pidAlive(pid), { what: `background sleep ${pid} to be killed` });
  });

  test("bash's own timeout kills the tree and raises WorkflowError; the run goes on if the workflow catches it", async () => {
    await using r = await rigOn(b);
    const out = await r.run(workflow("t-bash-timeout", async (e) => {
      const err = await e.bash("sleep 30", { timeout: 100 }).catch((x: unknown) => x);
      return [(err as Error).name, (err as { code: string }).code, (err as Error).message, (await e.bash("echo after")).stdout];
    }));
    expect(out.result).toEqual(["WorkflowError", "E_WORKFLOW", "bash timed out after 100 ms: sleep 30", "after\n"]);
  });

  test("Ctrl-C (the caller's signal) stops the run as interrupted and resumable", async () => {
    await using r = await rigOn(b, { agents: { writer: { reply: echo("w"), delayMs: 60_000 } } });
    const ac = new AbortController();
    const running = r.run(workflow("t-ctrlc", async (e) => e.send(await e.spawn("writer"), "slow")), {}, { signal: ac.signal });
    await waitFor(() => r.events.some((e) => e.type === "step_start" && e.kind === "send"), { timeoutMs: 15_000, what: "the send to start" });
    ac.abort();
    const out = await within(running, 15_000, "the run to stop");
    expect(out.status).toBe("interrupted");
    expect(out.error).toMatchObject({ code: "E_CANCELLED", hint: `resume it with: aegis resume ${out.runId}` });
  });

  test("aegis cancel from another connection stops a running run as cancelled", async () => {
    await using r = await rigOn(b, { file: true, agents: { writer: { reply: echo("w"), delayMs: 60_000 } } });
    const running = r.run(workflow("t-cancel", async (e) => e.send(await e.spawn("writer"), "slow")));
    await waitFor(() => r.events.some((e) => e.type === "step_start" && e.kind === "send"), { timeoutMs: 15_000, what: "the send to start" });
    const runId = r.events[0]!.runId;
    const other = await b.reopen(r.location); // another process's connection (closed after the test)
    const [view, out] = await Promise.all([cancelRun(other, runId, 15_000), within(running, 15_000, "the run to stop")]);
    expect(out.status).toBe("cancelled");
    expect(view.status).toBe("cancelled");
  });
});
