// The claims table (#11): grant and deny by the overlap rules, a denied claim leaves no row, release by the holding
// session only, claims vanish with their session (closed, or its process dead), and two processes racing for the
// same exclusive paths never both win. The rules run on both backends through the store contract (#15).

import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { hostname } from "node:os";
import type { Db } from "../../src/store/api.ts";
import { listClaims, pathsOverlap, tryClaim, type ClaimIntent } from "../../src/store/claims.ts";
import { procStart } from "../../src/store/owners.ts";
import { insertSession } from "../../src/store/sessions.ts";
import { openStore, type Store } from "../../src/store/store.ts";
import { tempDir } from "../fixtures/helpers/temp-dir.ts";
import { within } from "../fixtures/helpers/wait.ts";
import { describeDb } from "../helpers/backends.ts";

// The first PostgreSQL test starts the throwaway cluster: seconds on a loaded machine.
setDefaultTimeout(30_000);

const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

function store(path = ":memory:"): Store {
  const s = openStore(path);
  stores.push(s);
  return s;
}

function session(s: Store, handle: string, owner?: string): string {
  const id = `ses_${handle}`;
  s.write(() => insertSession(s, { id, handle, agent: "a", provider: "scripted", createdAt: Date.now(), ...(owner ? { owner } : {}) }));
  return id;
}

function claim(s: Store, handle: string, intent: ClaimIntent, ...paths: string[]) {
  const out = tryClaim(s, { sessionId: `ses_${handle}`, handle, intent, paths, at: Date.now() });
  if (!out) throw new Error(`session ${handle} is not open`);
  return out;
}

test("(#11) overlap rules: same path, folder prefixes and the whole tree overlap; siblings and name prefixes do not", () => {
  expect(pathsOverlap("src/a.ts", "src/a.ts")).toBe(true);
  expect(pathsOverlap("src", "src/a.ts")).toBe(true);
  expect(pathsOverlap("src/deep/x.ts", "src")).toBe(true);
  expect(pathsOverlap(".", "anything/at/all")).toBe(true);
  expect(pathsOverlap("src/a.ts", "src/b.ts")).toBe(false);
  expect(pathsOverlap("src", "srcx/a.ts")).toBe(false);
  expect(pathsOverlap("src/a", "src/a.ts")).toBe(false);
});

async function dbSession(db: Db, handle: string): Promise<string> {
  const id = `ses_${handle}`;
  await db.sessions.insertSession({ id, handle, agent: "a", provider: "scripted", createdAt: Date.now() });
  return id;
}

async function dbClaim(db: Db, handle: string, intent: ClaimIntent, ...paths: string[]) {
  const out = await db.claims.tryClaim({ sessionId: `ses_${handle}`, handle, intent, paths, at: Date.now() });
  if (!out) throw new Error(`session ${handle} is not open`);
  return out;
}

describeDb("claims on the store contract (#11, #15)", (b) => {
  test("shared + shared is granted; shared vs exclusive and exclusive vs anything overlapping are denied", async () => {
    const { db } = await b.open();
    for (const h of ["alpha", "bravo", "carol"]) await dbSession(db, h);
    const a = await dbClaim(db, "alpha", "shared", "src/a.ts");
    expect(a.granted).toBe(true);
    const bb = await dbClaim(db, "bravo", "shared", "src");
    expect(bb.granted).toBe(true);
    // The shared overlap is reported but does not deny.
    expect(bb.overlaps).toEqual([expect.objectContaining({ handle: "alpha", intent: "shared", paths: ["src/a.ts"], conflicts: false })]);
    const c = await dbClaim(db, "carol", "exclusive", "src/a.ts");
    expect(c.granted).toBe(false);
    expect(c.overlaps.map((o) => [o.handle, o.paths, o.conflicts])).toEqual([["alpha", ["src/a.ts"], true], ["bravo", ["src"], true]]);
    expect((await dbClaim(db, "carol", "exclusive", "docs")).granted).toBe(true);
    // Exclusive held: even a shared claim under it is denied, naming the holder's overlapping path only.
    const d = await dbClaim(db, "alpha", "shared", "docs/readme.md", "lib/x.ts");
    expect(d).toEqual({ granted: false, overlaps: [expect.objectContaining({ handle: "carol", intent: "exclusive", paths: ["docs"], conflicts: true })] });
  });

  test("a denied claim is not recorded; a session's own claims never conflict with it", async () => {
    const { db } = await b.open();
    await dbSession(db, "alpha");
    await dbSession(db, "bravo");
    expect((await dbClaim(db, "alpha", "exclusive", "src")).granted).toBe(true);
    expect((await dbClaim(db, "bravo", "exclusive", "src/x.ts", "README.md")).granted).toBe(false);
    expect((await db.claims.listClaims()).map((c) => c.handle)).toEqual(["alpha"]);
    // README.md alone was free, and stays free after the denial: nothing of the denied claim was kept.
    expect((await dbClaim(db, "bravo", "exclusive", "README.md")).granted).toBe(true);
    expect((await dbClaim(db, "alpha", "exclusive", "src/x.ts")).granted).toBe(true);
    expect((await db.claims.listClaims()).map((c) => [c.handle, c.paths])).toEqual([["alpha", ["src"]], ["bravo", ["README.md"]], ["alpha", ["src/x.ts"]]]);
  });

  test("a closed session cannot claim", async () => {
    const { db } = await b.open();
    const id = await dbSession(db, "alpha");
    await db.sessions.closeSessionRow(id, Date.now());
    expect(await db.claims.tryClaim({ sessionId: id, handle: "alpha", intent: "shared", paths: ["x"], at: 1 })).toBeUndefined();
    expect(await db.claims.listClaims()).toEqual([]);
  });

  test("only the holding session releases a claim", async () => {
    const { db } = await b.open();
    await dbSession(db, "alpha");
    const bravo = await dbSession(db, "bravo");
    const a = await dbClaim(db, "alpha", "exclusive", "src");
    if (!a.granted) throw new Error("not granted");
    expect(await db.claims.releaseClaim(a.claim.id, bravo)).toBe(false);
    expect((await db.claims.getClaim(a.claim.id))?.handle).toBe("alpha");
    expect(await db.claims.releaseClaim(a.claim.id, "ses_alpha")).toBe(true);
    expect(await db.claims.getClaim(a.claim.id)).toBeUndefined();
    expect((await dbClaim(db, "bravo", "exclusive", "src")).granted).toBe(true);
  });

  test("claims of a closed session are not live, even before they are deleted", async () => {
    const { db } = await b.open();
    const alpha = await dbSession(db, "alpha");
    await dbSession(db, "bravo");
    await dbClaim(db, "alpha", "exclusive", "src");
    await db.sessions.closeSessionRow(alpha, Date.now());
    expect(await db.claims.listClaims()).toEqual([]);
    expect((await dbClaim(db, "bravo", "exclusive", "src")).granted).toBe(true);
    expect(await db.claims.releaseSessionClaims(alpha)).toBe(0); // the claim above pruned it already
  });
});

describe("a holder's process dying (#11)", () => {
  test("claims of a session whose process died vanish; a live sibling's stay", async () => {
    using dir = tempDir("claims");
    const s = store(dir.join("state.db"));
    const sibling = Bun.spawn(["sleep", "600"], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
    try {
      s.db.query("INSERT INTO owners (id, pid, host, proc_start, started_at) VALUES ('own_sibling', ?, ?, ?, 0)").run(sibling.pid, hostname(), procStart(sibling.pid) ?? null);
      session(s, "remote", "own_sibling");
      session(s, "local");
      expect(claim(s, "remote", "exclusive", "src").granted).toBe(true);
      expect(claim(s, "local", "exclusive", "src/a.ts").granted).toBe(false);
      sibling.kill("SIGKILL");
      await sibling.exited;
      expect(listClaims(s)).toEqual([]);
      expect(claim(s, "local", "exclusive", "src/a.ts").granted).toBe(true);
      expect(listClaims(s).map((c) => c.handle)).toEqual(["local"]);
    } finally {
      sibling.kill("SIGKILL");
    }
  });
});

test("(#11) two processes racing for the same exclusive paths: exactly one wins each", async () => {
  using dir = tempDir("claims-race");
  const path = dir.join("state.db");
  store(path); // migrated once, before the racers open it
  const paths = Array.from({ length: 200 }, (_, i) => `src/file-${i}.ts`);
  // Opposite orders: whichever starts first, the two meet somewhere in the list and contend for the same paths there.
  const orders = { alpha: paths, bravo: paths.toReversed() };
  const racers = (["alpha", "bravo"] as const).map((handle) => Bun.spawn(
    [process.execPath, `${import.meta.dir}/fixtures/claim-racer.ts`, path, handle, ...orders[handle]],
    { stdin: "pipe", stdout: "pipe", stderr: "inherit" },
  ));
  try {
    const readers = racers.map((r) => lines(r.stdout));
    for (const next of readers) expect(await within(next(), 10_000, "a racer to start")).toBe("ready");
    for (const r of racers) {
      await r.stdin.write("go\n");
      await r.stdin.flush();
    }
    const [a, b] = await Promise.all(readers.map(async (next) => JSON.parse(await within(next(), 20_000, "a racer's claims")) as (string | null)[]));
    const won = (mine: (string | null)[], order: string[]) => new Set(order.filter((_, i) => mine[i] !== null));
    const [wonA, wonB] = [won(a!, orders.alpha), won(b!, orders.bravo)];
    for (const p of paths) expect([wonA.has(p), wonB.has(p)].filter(Boolean).length).toBe(1);
    const live = listClaims(store(path));
    expect(live.length).toBe(paths.length);
    expect(new Set(live.flatMap((c) => c.paths))).toEqual(new Set(paths));
  } finally {
    for (const r of racers) {
      await r.stdin.end();
      r.kill("SIGKILL");
      await r.exited;
    }
  }
}, 30_000);

/** A line reader over a process's stdout: each call resolves the next line. */
function lines(stream: ReadableStream<Uint8Array>): () => Promise<string> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let buf = "";
  return async () => {
    for (;;) {
      const nl = buf.indexOf("\n");
      if (nl >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        return line;
      }
      const { value, done } = await reader.read();
      if (done) throw new Error("the racer's stdout ended");
      buf += decoder.decode(value, { stream: true });
    }
  };
}
