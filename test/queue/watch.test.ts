// The watch notices when the state database is deleted or replaced under a running aegis: drains, waits and
// `aegis work` stop with a clear E_STATE error instead of carrying on with the unlinked file while other aegis
// processes use a new one. The file checks are SQLite's; the PostgreSQL twin: a database dropped under a running
// aegis ends its drains, waits and serve the same way instead of retrying forever (#15).

import { Database } from "bun:sqlite";
import { afterEach, describe, expect, test } from "bun:test";
import { renameSync, rmSync } from "node:fs";
import { createRuntime, startRuntime, type Runtime } from "../../src/runtime.ts";
import { openStore } from "../../src/store/store.ts";
import { tempDir } from "../fixtures/helpers/temp-dir.ts";
import { waitFor, within } from "../fixtures/helpers/wait.ts";
import { freshDatabase, pgAvailability, sharedPostgres } from "../helpers/postgres.ts";
import { testConfig } from "../session/fixtures.ts";
import { aegisChild, writeProject } from "./fixtures/project.ts";

const pg = pgAvailability();

const runtimes: Runtime[] = [];
afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((r) => r.close()));
});

const holdingConfig = () => testConfig({ w: { reply: (_p, ctx) => new Promise((_, rej) => ctx.signal.addEventListener("abort", () => rej(new Error("aborted")))) } },
  { q: { agent: "w", maxParallel: 1 } });

/** A runtime on a file database whose one worker holds its task until stopped. */
function holding(path: string): Runtime {
  const r = createRuntime({ config: holdingConfig(), store: openStore(path), plane: false, queues: { pollMs: 10 } });
  runtimes.push(r);
  return r;
}

/** How `p` ends: "resolved", or the rejection's "code: message" (observed from now on, so it is never unhandled). */
const outcome = (p: Promise<unknown>): Promise<string> =>
  within(p, 10_000, "a rejection").then(() => "resolved", (e: { code?: string; message?: string }) => `${e.code}: ${e.message}`);

/**
 * The outcomes of a drain, a wait for `taskId`, and a drain asked for once the first one has ended (it must fail the
 * same way at once, rather than wait on a database nobody sees).
 */
function waitsOn(r: Runtime, taskId: string): Promise<string>[] {
  const drained = r.queues.drain();
  return [outcome(drained), outcome(r.queues.waitFor(taskId)), outcome(drained.then(() => r.queues.drain(), () => r.queues.drain()))];
}

describe("[sqlite] the state file deleted or replaced under a running aegis", () => {
  test("(#4) state.db deleted while aegis works: the drain, waits and serve reject with E_STATE", async () => {
    using dir = tempDir("watch");
    const path = dir.join("state.db");
    const r = holding(path);
    const serving = outcome(r.queues.serve());
    const { taskId } = (await r.queues.enqueue("q", "hold"));
    const waits = waitsOn(r, taskId);
    rmSync(path);
    expect(await Promise.all<string>([serving, ...waits])).toEqual(Array(4).fill(expect.stringMatching(/^E_STATE: .* was removed or replaced while aegis was running/)));
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
});

describe.skipIf(!pg.ok)("[postgres] the state database dropped under a running aegis", () => {
  test("the drain, waits and serve reject with E_STATE naming the database, its password hidden (#15)", async () => {
    const cluster = await sharedPostgres();
    const url = await freshDatabase(cluster);
    // A sweep every 5 ticks of 10 ms: the first query after the drop finds the database gone.
    const cfg = holdingConfig();
    const r = await startRuntime({ config: { ...cfg, store: { ...cfg.store, url, pool: 1 } }, plane: false, queues: { pollMs: 10 } });
    const serving = outcome(r.queues.serve());
    const { taskId } = await r.queues.enqueue("q", "hold");
    const waits = waitsOn(r, taskId);
    // One connection runs this runtime's queries in order: once this read is answered, so is the wait's first one
    // (a query in flight when the database is dropped fails with its own error, not E_STATE).
    await r.queues.status(taskId);
    const admin = new Bun.SQL({ url: cluster.url, max: 1 });
    try {
      await admin.unsafe(`DROP DATABASE ${new URL(url).pathname.slice(1)} WITH (FORCE)`);
    } finally {
      await admin.close();
    }
    const dropped = /^E_STATE: the state database postgres:\/\/aegis:\*\*\*@127\.0\.0\.1:\d+\/\w+ was dropped while aegis was running/;
    expect(await Promise.all<string>([serving, ...waits])).toEqual(Array(4).fill(expect.stringMatching(dropped)));
    // Closing cannot write the interruption anywhere: it fails (the test only needs it to end).
    await within(r.close().then(() => "closed", (e: Error) => e.message), 10_000, "the runtime to close");
  }, 30_000);

  test("aegis work exits 1 with the E_STATE message when its database is dropped (#15)", async () => {
    using dir = tempDir("watch-cli-pg");
    const project = writeProject(dir.path, { delayMs: 0, maxParallel: 1 });
    const cluster = await sharedPostgres();
    const url = await freshDatabase(cluster);
    const p = aegisChild(project, ["work", "--poll-ms", "20"], project.env(url, dir.join("journal.log")));
    try {
      const peek = new Bun.SQL({ url, max: 1 });
      try {
        // Up once it registered itself as an owner (the first start migrates the database).
        await waitFor(async () => {
          try {
            return Number((await peek.unsafe("SELECT count(*) AS n FROM owners"))[0].n) > 0;
          } catch {
            return false; // not migrated yet: keep waiting
          }
        }, { timeoutMs: 20_000, what: "aegis work to start" });
      } finally {
        await peek.close();
      }
      const admin = new Bun.SQL({ url: cluster.url, max: 1 });
      try {
        await admin.unsafe(`DROP DATABASE ${new URL(url).pathname.slice(1)} WITH (FORCE)`);
      } finally {
        await admin.close();
      }
      const [code, stderr] = await within(Promise.all([p.exited, new Response(p.stderr).text()]), 20_000, "aegis work to stop");
      expect(code).toBe(1);
      expect(stderr).toMatch(/aegis: the state database postgres:\/\/aegis:\*\*\*@127\.0\.0\.1:\d+\/\w+ was dropped while aegis was running/);
      expect(stderr).not.toContain(new URL(url).password);
      expect(stderr).not.toMatch(/^\s+at /m);
    } finally {
      p.kill("SIGKILL");
    }
  }, 40_000);
});
