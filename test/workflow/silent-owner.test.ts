// Silent owners (#15): every aegis process (not only queue workers) renews owners.heartbeat_at, so an `aegis run`
// SIGKILLed on another machine (which only that machine can judge by pid) shows as silent elsewhere once its heartbeat
// is older than store.leaseMs: `aegis runs` says so, `aegis workers` marks it, `aegis migrate` does not count it live.
// It is not recovered from here: its run stays `running` (only its host resumes or crashes it). On both backends;
// "another machine" is a fake AEGIS_HOST_ID; no wall-clock assertions (a long lease for "not silent yet", a short one
// waited on for "silent").

import { Database } from "bun:sqlite";
import { expect, setDefaultTimeout, test } from "bun:test";
import { workerLine } from "../../src/cli/workers.ts";
import { silentForMs } from "../../src/store/owner-silence.ts";
import { liveOwners } from "../../src/store/transfer.ts";
import { listRunViews, showRun } from "../../src/workflow/run-status.ts";
import type { Runtime } from "../../src/runtime.ts";
import { waitFor } from "../fixtures/helpers/wait.ts";
import { describeRuntimes, isPgUrl } from "../helpers/runtimes.ts";
import { testConfig } from "../session/fixtures.ts";

setDefaultTimeout(30_000);

/** Registers an owner as if a process on `host` did it (its host id is read at registration), then never beats. */
async function foreignOwner(rt: Runtime, host: string): Promise<string> {
  const before = process.env.AEGIS_HOST_ID;
  process.env.AEGIS_HOST_ID = host;
  try {
    return await rt.db.owners.registerOwner();
  } finally {
    if (before === undefined) delete process.env.AEGIS_HOST_ID;
    else process.env.AEGIS_HOST_ID = before;
  }
}

async function liveIds(location: string, leaseMs: number): Promise<string[]> {
  if (isPgUrl(location)) {
    const sql = new Bun.SQL({ url: location, max: 1 });
    try {
      return (await liveOwners({ kind: "postgres", sql }, leaseMs)).map((o) => o.id);
    } finally {
      await sql.close();
    }
  }
  const db = new Database(location);
  try {
    return (await liveOwners({ kind: "sqlite", db }, leaseMs)).map((o) => o.id);
  } finally {
    db.close();
  }
}

describeRuntimes("silent owners", (b) => {
  test("(#15) an aegis process that serves no queue renews its heartbeat every third of store.leaseMs", async () => {
    const location = await b.fresh();
    const cfg = testConfig({ w: { reply: () => "ok" } });
    const rt = await b.runtime(location, { config: { ...cfg, store: { ...cfg.store, leaseMs: 1000 } }, plane: false, queues: { serve: [] } });
    const peek = b.sql(location);
    const beatOf = () => peek.num(`SELECT heartbeat_at FROM owners WHERE id = '${rt.owner}'`);
    const first = await beatOf();
    expect(first).toBeGreaterThan(0); // recorded at registration
    expect(await peek.num(`SELECT count(*) FROM owners WHERE id = '${rt.owner}' AND lease_expires_at IS NULL`)).toBe(1); // no lease
    await waitFor(async () => (await beatOf()) > first, { timeoutMs: 10_000, what: "a second heartbeat" });
  });

  test("(#15) an aegis run killed on another machine: its run shows its host silent, workers marks it, migrate does not count it", async () => {
    const location = await b.fresh();
    const rt = await b.runtime(location, { config: testConfig({ w: { reply: () => "ok" } }), plane: false, queues: { serve: [] } });
    const far = await foreignOwner(rt, "machine-far");
    await rt.db.runs.insertRun({ id: "run_far", workflow: "wf", args: {}, owner: far, host: "machine-far", at: Date.now() });
    await rt.db.flush();

    // Under a long lease it is alive: listed running, counted live by migrate.
    const [fresh] = await listRunViews(rt.db, 10, { leaseMs: 60_000 });
    expect(fresh).toMatchObject({ runId: "run_far", status: "running", host: "machine-far" });
    expect(fresh!.silent).toBeUndefined();
    expect(await liveIds(location, 60_000)).toContain(far);

    // Silent past a short lease: still running (never crashed from here), but its host is named silent.
    const silent = await waitFor(async () => (await listRunViews(rt.db, 10, { leaseMs: 50 }))[0]!.silent, { timeoutMs: 10_000, what: "the run's owner to fall silent" });
    expect(silent.host).toBe("machine-far");
    expect(silent.forMs).toBeGreaterThan(50);
    const shown = await showRun(rt.db, "run_far", { leaseMs: 50 });
    expect(shown).toMatchObject({ status: "running", silent: { host: "machine-far" } });

    const workers = await rt.db.owners.listWorkers();
    const w = workers.find((x) => x.id === far)!;
    expect(silentForMs(w, 50)).toBeGreaterThan(50);
    expect(workerLine(w, 50)[6]).toStartWith("silent ");
    // This machine's own process is judged by its pid, never silent.
    expect(silentForMs(workers.find((x) => x.id === rt.owner)!, 50)).toBeNull();

    const live = await liveIds(location, 50);
    expect(live).not.toContain(far);
    expect(live).toContain(rt.owner);

    // When it beats again (the laptop woke up), it is alive again.
    expect(await rt.db.owners.heartbeatOwner(far)).toBe(true);
    expect((await listRunViews(rt.db, 10, { leaseMs: 60_000 }))[0]!.silent).toBeUndefined();
  });
});
