// Steering from the UI on both state backends (#15): with the project's state on SQLite or on PostgreSQL, the UI's
// data source (openDataSource) shows a session another process hosts, a message typed in the UI reaches it and its
// reply shows up, an interrupt stops its turn through a control row, a session the UI spawns answers in its
// transcript, a task is cancelled, and a parked run's question is answered.

import { afterEach, describe, expect, test } from "bun:test";
import type { LoadedConfig } from "../../src/config/validate.ts";
import { startRuntime, type Runtime } from "../../src/runtime.ts";
import { INTERRUPT_SENDER } from "../../src/session/sender.ts";
import type { TranscriptRow } from "../../src/tui/source/model.ts";
import { openDataSource, type ProjectSource } from "../../src/tui/source/open.ts";
import { createSteering } from "../../src/tui/steer.ts";
import { testConfig } from "../session/fixtures.ts";
import { tempDir } from "../fixtures/helpers/temp-dir.ts";
import { waitFor } from "../fixtures/helpers/wait.ts";
import { freshDatabase, pgAvailability, sharedPostgres } from "../helpers/postgres.ts";

const pg = pgAvailability();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

for (const backend of ["sqlite", "postgres"] as const) {
  describe.skipIf(backend === "postgres" && !pg.ok)(`steering from the UI [${backend}] (#15)`, () => {
    async function project(root: string) {
      const prompts: string[] = [];
      const base = testConfig({
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
      const config: LoadedConfig = backend === "postgres" ? { ...base, store: { ...base.store, url: await freshDatabase(await sharedPostgres()) } } : base;
      const host: Runtime = await startRuntime({ config, cwd: root, queues: { serve: [], pollMs: 20 } });
      await host.queues.start();
      cleanups.push(() => host.close());
      const ui = createSteering({ config, cwd: root, cancelWaitMs: 0 });
      cleanups.push(() => ui.close());
      const source: ProjectSource = await openDataSource(config, { pollMs: 20, localFeed: ui.feed });
      cleanups.push(() => source.close());
      return { config, prompts, host, ui, source };
    }

    test("a message reaches a session another process hosts and its reply shows; an interrupt stops its turn (#15)", async () => {
      using dir = tempDir("tui-steer-db");
      const { prompts, host, ui, source } = await project(dir.path);
      const s = await host.sessions.spawn("w", { handle: "far-lamport" });
      await waitFor(() => source.snapshot().sessions.some((v) => v.handle === "far-lamport"), { what: "the session in the UI" });
      expect((await ui.send("far-lamport", "hello from the UI")).disposition).toBe("queued");
      await waitFor(() => source.snapshot().sessions.find((v) => v.id === s.id)?.lastLine === "echo: hello from the UI", { what: "the reply in the UI" });

      const turn = host.sessions.send(s.handle, "hang please", "user").catch((e: unknown) => e);
      await waitFor(() => source.snapshot().sessions.find((v) => v.id === s.id)?.state === "working", { what: "the hanging turn in the UI" });
      expect(await ui.interrupt("far-lamport")).toBe("requested");
      await turn; // ends only because the interrupt arrived
      const control = (await host.db.inbox.listInbox("far-lamport")).filter((r) => r.sender === INTERRUPT_SENDER);
      expect(control).toHaveLength(1);
      expect(prompts).toEqual(["hello from the UI", "hang please"]);
    }, 30_000);

    test("a session the UI spawns answers in its transcript; a task is cancelled; a parked run's question is answered (#15)", async () => {
      using dir = tempDir("tui-steer-db");
      const { host, ui, source } = await project(dir.path);
      const spawned = await ui.spawn("w", "first words");
      const rows: TranscriptRow[] = [];
      source.transcript(spawned.id, (r) => rows.push(...r));
      await waitFor(() => rows.some((r) => r.event.type === "text" && r.event.text.includes("echo: first words")), { what: "the reply in the transcript" });
      expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);

      await host.db.tasks.insertTask({ id: "task_c", queue: "nobody", payload: "never run", enqueuedBy: "user", callback: false, at: Date.now() });
      await waitFor(() => source.snapshot().tasks.some((t) => t.id === "task_c"), { what: "the task in the UI" });
      expect((await ui.cancelTask("task_c")).status).toBe("cancelled");
      await waitFor(() => source.snapshot().tasks.find((t) => t.id === "task_c")?.status === "cancelled", { what: "the cancelled task in the UI" });

      await host.db.runs.insertRun({ id: "run_q", workflow: "ship", args: {}, at: Date.now() });
      await host.db.runs.finishRun("run_q", { status: "interrupted", at: Date.now(), attemptMs: 1 });
      await host.db.waits.parkRun({ run_id: "run_q", state: "waiting", wake_at: null, event: "answer:go", question: JSON.stringify({ question: "Ship it?", key: "go" }), at: Date.now() });
      source.poke();
      await waitFor(() => source.snapshot().runs.find((r) => r.id === "run_q")?.question, { what: "the question in the UI" });
      expect(await ui.answer("run_q", "yes", "go")).toMatchObject({ via: "local", key: "go" });
      expect((await host.db.waits.listSignals("run_q")).map((g) => [g.event, JSON.parse(g.payload ?? "null")])).toEqual([["answer:go", "yes"]]);
    }, 30_000);
  });
}
