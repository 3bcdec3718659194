// The claims table (#11): grant and deny by the overlap rules, a denied claim leaves no row, release by the holding
// session only, claims vanish with their session (closed, or its process dead), and two processes racing for the
// same exclusive paths never both win.

import { afterEach, describe, expect, test } from "bun:test";
import { hostname } from "node:os";
import { getClaim, listClaims, pathsOverlap, releaseClaim, releaseSessionClaims, tryClaim, type ClaimIntent } from "../../src/store/claims.ts";
import { procStart } from "../../src/store/owners.ts";
import { closeSessionRow, insertSession } from "../../src/store/sessions.ts";
import { openStore, type Store } from "../../src/store/store.ts";
import { tempDir } from "../fixtures/helpers/temp-dir.ts";
import { within } from "../fixtures/helpers/wait.ts";

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

describe("overlap rules (#11)", () => {
  test("same path, folder prefixes and the whole tree overlap; siblings and name prefixes do not", () => {
    expect(pathsOverlap("src/a.ts", "src/a.ts")).toBe(true);
    expect(pathsOverlap("src", "src/a.ts")).toBe(true);
    expect(pathsOverlap("src/deep/x.ts", "src")).toBe(true);
    expect(pathsOverlap(".", "anything/at/all")).toBe(true);
    expect(pathsOverlap("src/a.ts", "src/b.ts")).toBe(false);
    expect(pathsOverlap("src", "srcx/a.ts")).toBe(false);
    expect(pathsOverlap("src/a", "src/a.ts")).toBe(false);
  });

  test("shared + shared is granted; shared vs exclusive and exclusive vs anything overlapping are denied", () => {
    const s = store();
    for (const h of ["alpha", "bravo", "carol"]) session(s, h);
    const a = claim(s, "alpha", "shared", "src/a.ts");
    expect(a.granted).toBe(true);
    const b = claim(s, "bravo", "shared", "src");
    expect(b.granted).toBe(true);
    // The shared overlap is reported but does not deny.
    expect(b.overlaps).toEqual([expect.objectContaining({ handle: "alpha", intent: "shared", paths: ["src/a.ts"], conflicts: false })]);
    const c = claim(s, "carol", "exclusive", "src/a.ts");
    expect(c.granted).toBe(false);
    expect(c.overlaps.map((o) => [o.handle, o.paths, o.conflicts])).toEqual([["alpha", ["src/a.ts"], true], ["bravo", ["src"], true]]);
    expect(claim(s, "carol", "exclusive", "docs").granted).toBe(true);
    // Exclusive held: even a shared claim under it is denied, naming the holder's overlapping path only.
    const d = claim(s, "alpha", "shared", "docs/readme.md", "lib/x.ts");
    expect(d).toEqual({ granted: false, overlaps: [expect.objectContaining({ handle: "carol", intent: "exclusive", paths: ["docs"], conflicts: true })] });
  });

  test("a denied claim is not recorded; a session's own claims never conflict with it", () => {
    const s = store();
    session(s, "alpha");
    session(s, "bravo");
    const held = claim(s, "alpha", "exclusive", "src");
    expect(held.granted).toBe(true);
    expect(claim(s, "bravo", "exclusive", "src/x.ts", "README.md").granted).toBe(false);
    expect(listClaims(s).map((c) => c.handle)).toEqual(["alpha"]);
    // README.md alone was free, and stays free after the denial: nothing of the denied claim was kept.
    expect(claim(s, "bravo", "exclusive", "README.md").granted).toBe(true);
    expect(claim(s, "alpha", "exclusive", "src/x.ts").granted).toBe(true);
    expect(listClaims(s).map((c) => [c.handle, c.paths])).toEqual([["alpha", ["src"]], ["bravo", ["README.md"]], ["alpha", ["src/x.ts"]]]);
  });

  test("a closed session cannot claim", () => {
    const s = store();
    const id = session(s, "alpha");
    s.write(() => closeSessionRow(s, id, Date.now()));
    expect(tryClaim(s, { sessionId: id, handle: "alpha", intent: "shared", paths: ["x"], at: 1 })).toBeUndefined();
    expect(listClaims(s)).toEqual([]);
  });
});

describe("release and lifetime (#11)", () => {
  test("only the holding session releases a claim", () => {
    const s = store();
    session(s, "alpha");
    const bravo = session(s, "bravo");
    const a = claim(s, "alpha", "exclusive", "src");
    if (!a.granted) throw new Error("not granted");
    expect(releaseClaim(s, a.claim.id, bravo)).toBe(false);
    expect(getClaim(s, a.claim.id)?.handle).toBe("alpha");
    expect(releaseClaim(s, a.claim.id, "ses_alpha")).toBe(true);
    expect(getClaim(s, a.claim.id)).toBeUndefined();
    expect(claim(s, "bravo", "exclusive", "src").granted).toBe(true);
  });

  test("claims of a closed session are not live, even before they are deleted", () => {
    const s = store();
    const alpha = session(s, "alpha");
    session(s, "bravo");
    claim(s, "alpha", "exclusive", "src");
    s.write(() => closeSessionRow(s, alpha, Date.now()));
    expect(listClaims(s)).toEqual([]);
    expect(claim(s, "bravo", "exclusive", "src").granted).toBe(true);
    expect(s.write(() => releaseSessionClaims(s, alpha))).toBe(0); // the claim above pruned it already
  });

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
