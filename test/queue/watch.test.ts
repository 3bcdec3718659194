// The watch notices when the state database is deleted or replaced under a running aegis: drains, waits and
// `aegis work` stop with a clear E_STATE error instead of carrying on with the unlinked file while other aegis
// processes use a new one.

import { Database } from "bun:sqlite";
import { afterEach, expect, test } from "bun:test";
import { renameSync, rmSync } from "node:fs";
import { createRuntime, type Runtime } from "../../src/runtime.ts";
import { openStore } from "../../src/store/store.ts";
import { tempDir } from "../fixtures/helpers/temp-dir.ts";
import { waitFor, within } from "../fixtures/helpers/wait.ts";
import { testConfig } from "../session/fixtures.ts";
import { aegisChild, writeProject } from "./fixtures/project.ts";

const runtimes: Runtime[] = [];
afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((r) => r.close()));
});

/** A runtime on a file database whose one worker holds its task until stopped. */
function holding(path: string): Runtime {
  const cfg = testConfig({ w: { reply: (_p, ctx) => new Promise((_, rej) => ctx.signal.addEventListener("abort", () => rej(new Error("aborted")))) } },
    { q: { agent: "w", maxParallel: 1 } });
  const r = createRuntime({ config: cfg, store: openStore(path), plane: false, queues: { pollMs: 10 } });
  runtimes.push(r);
  return r;
}

test("(#4) state.db deleted while aegis works: the drain, waits and serve reject with E_STATE", async () => {
  using dir = tempDir("watch");
  const path = dir.join("state.db");
  const r = holding(path);
  const serving = r.queues.serve();
  const { taskId } = (await r.queues.enqueue("q", "hold"));
  const drained = r.queues.drain();
  const waited = r.queues.waitFor(taskId);
  rmSync(path);
  const all: Promise<unknown>[] = [drained, serving, waited, drained.then(() => r.queues.drain(), () => r.queues.drain())];
  const outcomes = await Promise.all(all.map((p) =>
    within(p, 5000, "a rejection").then(() => "resolved", (e: { code?: string; message?: string }) => `${e.code}: ${e.message}`)));
  // The last: a drain asked for afterwards fails the same way at once, rather than wait on a database nobody sees.
  expect(outcomes).toEqual(Array(4).fill(expect.stringMatching(/^E_STATE: .* was removed or replaced while aegis was running/)));
});

test("(#4) state.db replaced by another file while aegis works: E_STATE", async () => {
  using dir = tempDir("watch");
  const path = dir.join("state.db");
  const r = holding(path);
  await r.queues.start();
  (await r.queues.enqueue("q", "hold"));
  const drained = r.queues.drain();
  openStore(dir.join("other.db")).close();
  renameSync(dir.join("other.db"), path);
  await expect(within(drained, 5000, "the drain")).rejects.toEqual(expect.objectContaining({
    code: "E_STATE", message: expect.stringContaining("now names another file"),
  }));
});

test("(#4) aegis work exits 1 with the E_STATE message when its state.db is deleted", async () => {
  using dir = tempDir("watch-cli");
  const project = writeProject(dir.path, { delayMs: 0, maxParallel: 1 });
  const stateDir = dir.join("state");
  const p = aegisChild(project, ["work", "--poll-ms", "20"], project.env(stateDir, dir.join("journal.log")));
  try {
    const path = `${stateDir}/state.db`;
    // Wait for the worker to be up: it registered itself as an owner.
    await waitFor(() => {
      try {
        const db = new Database(path, { readonly: true });
        try {
          return (db.query<{ n: number }, []>("SELECT count(*) AS n FROM owners").get()?.n ?? 0) > 0;
        } finally {
          db.close();
        }
      } catch {
        return false; // not created (or not migrated) yet: keep waiting
      }
    }, { timeoutMs: 10_000, what: "aegis work to start" });
    rmSync(path);
    const [code, stderr] = await within(Promise.all([p.exited, new Response(p.stderr).text()]), 10_000, "aegis work to stop");
    expect(code).toBe(1);
    expect(stderr).toContain(`aegis: the state database ${path} was removed or replaced while aegis was running`);
    expect(stderr).not.toMatch(/^\s+at /m);
  } finally {
    p.kill("SIGKILL");
  }
}, 20_000);
