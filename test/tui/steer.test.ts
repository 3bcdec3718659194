// Steering from the UI (#14): a message and an interrupt reach a session that another aegis process hosts (here a
// second runtime on its own connection, as serve or `aegis run` would be), through its inbox; a session the UI spawns
// is hosted by the UI and answers; cancel and answer reach tasks and parked runs.

import { afterEach, describe, expect, test } from "bun:test";
import { createRuntime, type Runtime } from "../../src/runtime.ts";
import { listInbox } from "../../src/store/inbox.ts";
import { findSessionByHandle } from "../../src/store/sessions.ts";
import { getTask } from "../../src/store/tasks.ts";
import { createSteering, type Steering } from "../../src/tui/steer.ts";
import { INTERRUPT_SENDER } from "../../src/session/sender.ts";
import type { TranscriptRow } from "../../src/tui/source/model.ts";
import { openDataSource } from "../../src/tui/source/open.ts";
import { testConfig } from "../session/fixtures.ts";
import { tempDir } from "../fixtures/helpers/temp-dir.ts";
import { waitFor } from "../fixtures/helpers/wait.ts";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function project(root: string) {
  const prompts: string[] = [];
  const config = testConfig({
    w: {
      reply: async (prompt, ctx) => {
        prompts.push(prompt);
        if (prompt.includes("hang")) {
          await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve(), { once: true }));
          return { text: "stopped", isError: true };
        }
        return `echo: ${prompt}`;
      },
    },
  }, { review: { agent: "w" } }, root);
  return { config, prompts };
}

function host(config: ReturnType<typeof project>["config"], root: string): Runtime {
  const rt = createRuntime({ config, cwd: root, queues: { serve: [], pollMs: 20 } });
  void rt.queues.start();
  cleanups.push(() => rt.close());
  return rt;
}

function steering(config: ReturnType<typeof project>["config"], root: string): Steering {
  const s = createSteering({ config, cwd: root, cancelWaitMs: 0 });
  cleanups.push(() => s.close());
  return s;
}

describe("steering (#14)", () => {
  test("a message typed in the UI lands in a session another process hosts, headerless like aegis ask", async () => {
    using dir = tempDir("tui-steer");
    const { config, prompts } = project(dir.path);
    const rt = host(config, dir.path);
    const s = await rt.sessions.spawn("w", { handle: "far-lamport" });
    const ui = steering(config, dir.path);
    const d = await ui.send("far-lamport", "hello from the UI");
    expect(d.disposition).toBe("queued"); // persisted for the host to collect
    await waitFor(() => prompts.includes("hello from the UI"), { what: "the host to run the turn" });
    await waitFor(() => findSessionByHandle(rt.store, s.handle)?.last_text === "echo: hello from the UI", { what: "the reply" });
  });

  test("interrupt reaches a turn running in another process through a control row, which the agent never reads", async () => {
    using dir = tempDir("tui-steer");
    const { config, prompts } = project(dir.path);
    const rt = host(config, dir.path);
    const s = await rt.sessions.spawn("w", { handle: "busy-hopper" });
    const turn = rt.sessions.send(s.handle, "hang please", "user").catch((e: unknown) => e);
    await waitFor(() => prompts.length === 1, { what: "the turn to start" });
    const ui = steering(config, dir.path);
    expect(await ui.interrupt("busy-hopper")).toBe("requested");
    await turn; // ends (as an error turn) only because the interrupt arrived
    const rows = listInbox(rt.store, "busy-hopper").filter((r) => r.sender === INTERRUPT_SENDER);
    expect(rows).toHaveLength(1);
    await waitFor(() => listInbox(rt.store, "busy-hopper").find((r) => r.sender === INTERRUPT_SENDER)?.delivered_at, { what: "the control row consumed" });
    expect(prompts).toEqual(["hang please"]);
  });

  test("interrupting a session of this process acts directly; a closed or unknown handle is an error", async () => {
    using dir = tempDir("tui-steer");
    const { config, prompts } = project(dir.path);
    const ui = steering(config, dir.path);
    const { handle } = await ui.spawn("w", "hang here");
    expect(ui.hosted()).toEqual([handle]);
    await waitFor(() => prompts.length === 1, { what: "the opening turn" });
    expect(await ui.interrupt(handle)).toBe("here");
    await expect(ui.interrupt("no-such-handle")).rejects.toMatchObject({ code: "E_NOT_FOUND" });
  });

  test("a session the UI hosts streams its rows to the UI's source as they are buffered", async () => {
    using dir = tempDir("tui-steer");
    const { config, prompts } = project(dir.path);
    const ui = steering(config, dir.path);
    const source = await openDataSource(config, { localFeed: ui.feed, pollMs: 60_000 });
    cleanups.push(() => source.close());
    const { handle, id } = await ui.spawn("w");
    const rows: TranscriptRow[] = [];
    const stop = source.transcript(id, (r) => rows.push(...r));
    cleanups.push(stop);
    await ui.send(handle, "hang until interrupted");
    // The database is not read again for a minute: a row can only come from the feed.
    const prompt = await waitFor(() => rows.find((r) => r.event.type === "prompt"), { what: "the streamed prompt" });
    expect(prompt.id).toBeLessThan(0);
    expect(prompts).toEqual(["hang until interrupted"]);
    await ui.interrupt(handle);
    await waitFor(() => rows.find((r) => r.event.type === "turn_end"), { what: "the turn's end, streamed too" });
  });

  test("cancel drops a pending task", async () => {
    using dir = tempDir("tui-steer");
    const { config } = project(dir.path);
    const rt = host(config, dir.path);
    const { taskId } = (await rt.queues.enqueue("review", "look at a.ts", { enqueuedBy: "user" }));
    rt.store.flush();
    const ui = steering(config, dir.path);
    const r = await ui.cancelTask(taskId);
    expect(r).toMatchObject({ taskId, was: "pending" });
    expect(getTask(rt.store, taskId)?.status).toBe("cancelled");
  });
});
