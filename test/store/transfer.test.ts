// The copy behind `aegis migrate` as one unit (#15): a copy that fails part-way leaves no target behind (no new
// SQLite file; no rows in PostgreSQL, so the same command can simply be run again), and the live-worker check reads
// leases by the database's clock: an unexpired lease on any host counts, an expired one does not.

import { afterAll, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { SQL } from "bun";
import { appendEvents } from "../../src/store/events.ts";
import { insertSession } from "../../src/store/sessions.ts";
import { openStore } from "../../src/store/store.ts";
import { liveOwners, transferState } from "../../src/store/transfer.ts";
import type { AegisError } from "../../src/util/errors.ts";
import { tempDir } from "../fixtures/helpers/temp-dir.ts";
import { freshDatabase, pgAvailability, sharedPostgres } from "../helpers/postgres.ts";

const pg = pgAvailability();
const dir = tempDir("aegis-transfer");
afterAll(() => dir.remove());

let sources = 0;
function sourceWith(events: number): string {
  const path = dir.join(`src-${++sources}.db`);
  const store = openStore(path);
  store.write(() => {
    insertSession(store, { id: "ses_1", handle: "a", agent: "w", provider: "scripted", owner: "own_gone", createdAt: 1 });
    for (let i = 0; i < events; i += 1_000) {
      appendEvents(store, "ses_1", Array.from({ length: Math.min(1_000, events - i) }, (_, j) => ({ turn: 1, at: i + j, event: { type: "prompt" as const, text: `e${i + j}` } })));
    }
  });
  store.close();
  return path;
}

/** Stops a copy after the first chunk of events, as Ctrl-C or a lost connection would. */
const failMidway = (p: { table: string; copied: number }) => {
  if (p.table === "events" && p.copied >= 1_000) throw new Error("stopped mid-copy");
};

test("a copy to a new SQLite file that fails part-way leaves no file behind (#15)", async () => {
  const from = sourceWith(2_500);
  const to = dir.join("out", "state.db");
  expect(await transferState({ kind: "sqlite", path: from }, { kind: "sqlite", path: to }, { onProgress: failMidway }).catch((e: Error) => e.message)).toBe("stopped mid-copy");
  expect(existsSync(to)).toBe(false);
  const files = () => readdirSync(dir.join("out")).filter((f) => f !== ".gitignore").sort(); // a state folder's own
  expect(files()).toEqual([]);
  const ok = await transferState({ kind: "sqlite", path: from }, { kind: "sqlite", path: to });
  expect(ok.counts.find((c) => c.table === "events")).toEqual({ table: "events", source: 2_500, target: 2_500 });
  expect(files()).toEqual(["state.db"]); // out of WAL mode before the rename: nothing left beside it
});

test.skipIf(!pg.ok)("a copy to PostgreSQL that fails part-way leaves the database empty, so it can be run again (#15)", async () => {
  const from = sourceWith(2_500);
  const url = await freshDatabase(await sharedPostgres());
  expect(await transferState({ kind: "sqlite", path: from }, { kind: "postgres", url }, { onProgress: failMidway }).catch((e: Error) => e.message)).toBe("stopped mid-copy");
  const sql = new SQL({ url, max: 1 });
  try {
    expect((await sql`SELECT (SELECT count(*) FROM sessions)::int4 AS s, (SELECT count(*) FROM events)::int4 AS e`)[0]).toEqual({ s: 0, e: 0 });
    const ok = await transferState({ kind: "sqlite", path: from }, { kind: "postgres", url });
    expect(ok.counts.find((c) => c.table === "events")).toEqual({ table: "events", source: 2_500, target: 2_500 });
    expect(ok.to).not.toContain(decodeURIComponent(new URL(url).password));
    // The copy ran with the target's triggers off; they are back on: a new task is counted.
    await sql`INSERT INTO tasks (id, queue, payload, enqueued_by, status, enqueued_at) VALUES ('task_new', 'q', 'p', 'test', 'pending', 1)`;
    expect((await sql`SELECT pending::int4 AS n FROM queue_counts WHERE queue = 'q'`)[0]).toEqual({ n: 1 });
  } finally {
    await sql.close();
  }
}, 30_000);

test.skipIf(!pg.ok)("live workers on PostgreSQL are those whose lease has not expired by the database clock, on any host (#15)", async () => {
  const url = await freshDatabase(await sharedPostgres());
  const from = sourceWith(1);
  await transferState({ kind: "sqlite", path: from }, { kind: "postgres", url }); // creates the schema
  const sql = new SQL({ url, max: 1 });
  try {
    const now = Date.now();
    await sql`INSERT INTO owners (id, pid, host, started_at, lease_ms, heartbeat_at, lease_expires_at) VALUES
      ('own_live', 4242, 'gpu-box-1', ${now}, 30000, ${now}, ${now + 3_600_000}),
      ('own_expired', 4243, 'gpu-box-2', ${now}, 30000, ${now - 60_000}, ${now - 30_000})`;
    const live = await liveOwners({ kind: "postgres", sql });
    expect(live.map((o) => [o.id, o.host, o.pid])).toEqual([["own_live", "gpu-box-1", 4242]]);
    expect(live[0]!.leaseLeftMs).toBeGreaterThan(3_500_000);
    const refused = await transferState({ kind: "postgres", url }, { kind: "sqlite", path: dir.join("back.db") }).catch((e: unknown) => e);
    expect(String(refused)).toContain("1 aegis process is using postgres://aegis:***@");
    expect(String(refused)).toContain("own_live (pid 4242 on gpu-box-1, lease 3600 s left)");
    expect(existsSync(dir.join("back.db"))).toBe(false);
  } finally {
    await sql.close();
  }
}, 30_000);

test("a process of another machine without a lease holds up the copy, and the hint says only that machine can clear it (#15)", async () => {
  const from = sourceWith(1);
  const store = openStore(from);
  store.sql("INSERT INTO owners (id, pid, host, started_at) VALUES ('own_run', 4242, 'laptop-of-ada', 1)").run();
  store.close();
  const refused = await transferState({ kind: "sqlite", path: from }, { kind: "sqlite", path: dir.join("laptop.db") }).catch((e: unknown) => e as AegisError);
  expect(String(refused)).toContain("own_run (pid 4242 on laptop-of-ada)");
  expect((refused as AegisError).hint).toContain("those without a lease on laptop-of-ada (aegis run, ask, chat) count while they send heartbeats (one silent for store.leaseMs no longer counts); --force copies anyway");
  expect(existsSync(dir.join("laptop.db"))).toBe(false);
});

test("a process of another machine silent for longer than store.leaseMs (its machine died or sleeps) does not hold up the copy (#15)", async () => {
  const from = sourceWith(1);
  const store = openStore(from);
  store.sql(`INSERT INTO owners (id, pid, host, started_at, heartbeat_at) VALUES ('own_run', 4242, 'laptop-of-ada', 1, ${Date.now() - 120_000})`).run();
  store.close();
  const done = await transferState({ kind: "sqlite", path: from }, { kind: "sqlite", path: dir.join("silent.db") }, { leaseMs: 60_000 });
  expect(done.live).toEqual([]);
  expect(existsSync(dir.join("silent.db"))).toBe(true);
});
