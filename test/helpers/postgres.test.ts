// The throwaway PostgreSQL helper (#15): it starts a private cluster on 127.0.0.1, Bun.sql connects with the password
// URL, the claim query and LISTEN/NOTIFY the fleet relies on work, and stop() leaves no postgres process behind.

import { afterAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { pgAvailability, sharedPostgres, startPostgres, type TestPostgres } from "./postgres.ts";

const pg = pgAvailability();
if (!pg.ok) console.warn(`skipping PostgreSQL tests: ${pg.reason}`);

/** Resolves with the first value `poll` returns that is not undefined, or rejects after `ms`. */
async function waitFor<T>(what: string, poll: () => T | undefined, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = poll();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(5);
  }
}

describe.skipIf(!pg.ok)("throwaway PostgreSQL (#15)", () => {
  let own: TestPostgres | undefined;
  afterAll(async () => {
    await own?.stop();
  });

  test("a private cluster on 127.0.0.1 answers Bun.sql over the password URL (#15)", async () => {
    const { url } = await sharedPostgres();
    expect(url).toMatch(/^postgres:\/\/aegis:[^@]+@127\.0\.0\.1:\d+\/aegis$/);
    const db = new Bun.SQL({ url, max: 1 });
    try {
      const [row] = await db`SELECT current_user AS u, current_database() AS d, inet_server_addr()::text AS addr`;
      expect(row).toEqual({ u: "aegis", d: "aegis", addr: "127.0.0.1/32" });
    } finally {
      await db.close();
    }
  });

  test("concurrent SKIP LOCKED claims never hand one row to two claimers (#15)", async () => {
    const { url } = await sharedPostgres();
    const db = new Bun.SQL({ url, max: 4 });
    try {
      await db`CREATE TABLE helper_claims (id bigserial PRIMARY KEY, status text NOT NULL DEFAULT 'pending', claimed_by text)`;
      await db`INSERT INTO helper_claims (status) SELECT 'pending' FROM generate_series(1, 400)`;
      const claimer = async (name: string) => {
        const got: number[] = [];
        for (;;) {
          const rows = await db`UPDATE helper_claims SET status = 'claimed', claimed_by = ${name}
            WHERE id = (SELECT id FROM helper_claims WHERE status = 'pending' ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1)
            RETURNING id`;
          if (rows.length === 0) return got;
          got.push(Number(rows[0].id));
        }
      };
      const lists = await Promise.all(["a", "b", "c", "d"].map(claimer));
      const all = lists.flat();
      expect(all.length).toBe(400);
      expect(new Set(all).size).toBe(400);
      const [left] = await db`SELECT count(*)::int AS n FROM helper_claims WHERE status = 'pending'`;
      expect(left.n).toBe(0);
    } finally {
      await db.unsafe("DROP TABLE IF EXISTS helper_claims");
      await db.close();
    }
  });

  test("a NOTIFY from one connection reaches a LISTEN on another; a rolled-back one does not (#15)", async () => {
    const { url } = await sharedPostgres();
    const listener = new Bun.SQL({ url, max: 1 });
    const notifier = new Bun.SQL({ url, max: 1 });
    const got: string[] = [];
    try {
      const sub = await listener.listen("helper_wake", (payload) => got.push(payload));
      await notifier.begin(async (tx) => {
        await tx`SELECT pg_notify('helper_wake', 'rolled-back')`;
        throw new Error("roll back");
      }).catch((err: Error) => expect(err.message).toBe("roll back"));
      await notifier`SELECT pg_notify('helper_wake', 'hello')`;
      await waitFor("the notification", () => (got.includes("hello") ? true : undefined));
      expect(got).toEqual(["hello"]);
      await sub.unlisten();
    } finally {
      await listener.close();
      await notifier.close();
    }
  });

  test("stop() shuts the cluster down, leaves no postgres process and removes its folder (#15)", async () => {
    own = await startPostgres();
    const db = new Bun.SQL({ url: own.url, max: 1 });
    expect((await db`SELECT 1 AS one`)[0].one).toBe(1);
    await db.close();
    const { pid } = own;
    const children = Bun.spawnSync(["sh", "-c", `pgrep -P ${pid} | wc -l`]).stdout.toString().trim();
    expect(Number(children)).toBeGreaterThan(0); // the postmaster's own backends (checkpointer, walwriter, …)
    await own.stop();
    expect(alive(pid)).toBe(false);
    const orphans = Bun.spawnSync(["sh", "-c", `pgrep -P ${pid} | wc -l`]).stdout.toString().trim();
    expect(Number(orphans)).toBe(0);
    expect(existsSync(`/proc/${pid}`)).toBe(false);
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
