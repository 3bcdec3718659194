// The claim tools over the MCP SDK's own client (#11), against a real SessionManager of Scripted agents in a project
// folder with files: aegis_claim grants and denies by the overlap rules (paths normalized, globs expanded), a denied
// claim leaves nothing, aegis_release works for the holder only, the holder is always the authenticated session,
// claims end with their session (closed, or its process dead), and aegis_list_sessions and aegis_meta show them.

import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { hostname } from "node:os";
import { OPERATOR } from "../../src/mcp/identity.ts";
import { planePrompt } from "../../src/mcp/plane.ts";
import { runTool } from "../../src/mcp/tool-result.ts";
import { claimTool, releaseTool } from "../../src/mcp/tools/claims.ts";
import { tryClaim } from "../../src/store/claims.ts";
import { procStart } from "../../src/store/owners.ts";
import { insertSession } from "../../src/store/sessions.ts";
import { tempDir, type TempDir } from "../fixtures/helpers/temp-dir.ts";
import { makeRepo } from "../git/helpers.ts";
import { testConfig } from "../session/fixtures.ts";
import { call, callJson, planeHarness, type PlaneHarness } from "./helpers.ts";

let h: PlaneHarness | undefined;
let dir: TempDir | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
  dir?.remove();
  dir = undefined;
});

/** A project folder holding `files`, and a plane whose sessions alpha, bravo and carol are live. */
async function project(files: string[] = []) {
  dir = tempDir("claims");
  for (const f of files) {
    mkdirSync(dirname(dir.join(f)), { recursive: true });
    writeFileSync(dir.join(f), "x\n");
  }
  h = planeHarness(testConfig({ a: { reply: (p) => `ok ${p}` } }, {}, dir.path));
  for (const handle of ["alpha", "bravo", "carol"]) await h.sessions.spawn("a", { handle });
  const [alpha, bravo, carol] = await Promise.all(["alpha", "bravo", "carol"].map((x) => h!.clientAs(x)));
  return { h, root: dir.path, alpha: alpha!, bravo: bravo!, carol: carol! };
}

describe("aegis_claim (#11)", () => {
  test("shared + shared is granted; exclusive over a folder denies both intents under it, naming the holder", async () => {
    const { alpha, bravo, carol } = await project();
    const a = await callJson(alpha, "aegis_claim", { paths: ["src/"], intent: "exclusive", description: "refactoring src" });
    expect(a).toMatchObject({ granted: true, paths: ["src"], overlaps: [] });
    expect(a.claimId).toMatch(/^clm_/);
    const b = await callJson(bravo, "aegis_claim", { paths: ["src/app/main.ts"], intent: "shared" });
    expect(b).toEqual({ claimId: null, granted: false, paths: ["src/app/main.ts"],
      overlaps: [{ handle: "alpha", paths: ["src"], intent: "exclusive", description: "refactoring src" }] });
    expect((await callJson(bravo, "aegis_claim", { paths: ["docs"], intent: "shared" })).granted).toBe(true);
    const c = await callJson(carol, "aegis_claim", { paths: ["docs/guide.md"], intent: "shared" });
    expect(c).toMatchObject({ granted: true, overlaps: [{ handle: "bravo", paths: ["docs"], intent: "shared" }] });
    expect((await callJson(alpha, "aegis_claim", { paths: ["docs/guide.md"], intent: "exclusive" })).granted).toBe(false);
  });

  test("a denied claim is not recorded: aegis_claims lists only granted ones", async () => {
    const { alpha, bravo } = await project();
    await callJson(alpha, "aegis_claim", { paths: ["src/a.ts"], intent: "exclusive" });
    expect((await callJson(bravo, "aegis_claim", { paths: ["src", "README.md"], intent: "exclusive" })).granted).toBe(false);
    const { claims } = await callJson(bravo, "aegis_claims");
    expect(claims).toEqual([expect.objectContaining({ handle: "alpha", intent: "exclusive", paths: ["src/a.ts"] })]);
    expect(Date.parse(claims[0].since)).toBeGreaterThan(0);
    expect((await callJson(bravo, "aegis_claim", { paths: ["README.md"], intent: "exclusive" })).granted).toBe(true);
  });

  test("paths are normalized relative to the root; a path escaping it is refused", async () => {
    const { alpha, root } = await project();
    const r = await callJson(alpha, "aegis_claim", { paths: ["./src//a.ts", `${root}/lib/`, "src/a.ts", "."], intent: "shared" });
    expect(r.paths).toEqual(["src/a.ts", "lib", "."]);
    for (const bad of ["../elsewhere", "src/../../x", "/etc/passwd"]) {
      const out = await call(alpha, "aegis_claim", { paths: [bad], intent: "shared" });
      expect(out).toMatchObject({ isError: true });
      expect(out.text).toContain(`E_USAGE: the path "${bad}" is outside the project root`);
    }
    expect((await call(alpha, "aegis_claim", { paths: [], intent: "shared" })).isError).toBe(true);
    expect((await call(alpha, "aegis_claim", { paths: ["x"], intent: "mine" })).isError).toBe(true);
  });

  test("a glob is expanded to the files it matches now (not into node_modules or .git); one matching nothing is refused", async () => {
    const { alpha, bravo } = await project(["src/a.ts", "src/deep/b.ts", "src/c.md", "node_modules/m/x.ts", ".git/x.ts", "lib/d.ts",
      "app/[id]/page.tsx", "app/d/page.tsx"]);
    const r = await callJson(alpha, "aegis_claim", { paths: ["src/**/*.ts"], intent: "exclusive" });
    expect(r).toMatchObject({ granted: true, paths: ["src/a.ts", "src/deep/b.ts"] });
    expect((await callJson(bravo, "aegis_claim", { paths: ["src/c.md"], intent: "exclusive" })).granted).toBe(true);
    expect((await callJson(bravo, "aegis_claim", { paths: ["src/deep"], intent: "shared" })).granted).toBe(false);
    expect((await callJson(bravo, "aegis_claim", { paths: ["**/*.ts"], intent: "shared" })).overlaps[0].paths).toEqual(["src/a.ts", "src/deep/b.ts"]);
    // Brackets in a real name (Next.js routes) are literal: an existing path, or one with no wildcard that matches nothing.
    const next = await callJson(bravo, "aegis_claim", { paths: ["app/[id]/page.tsx", "app/[slug]/new.tsx", "app/[id]"], intent: "shared" });
    expect(next.paths).toEqual(["app/[id]/page.tsx", "app/[slug]/new.tsx", "app/[id]"]);
    expect((await callJson(bravo, "aegis_claim", { paths: ["app/*/page.tsx"], intent: "shared" })).paths).toEqual(["app/[id]/page.tsx", "app/d/page.tsx"]);
    const none = await call(bravo, "aegis_claim", { paths: ["nowhere/*.ts"], intent: "shared" });
    expect(none.isError).toBe(true);
    expect(none.text).toContain(`E_USAGE: the glob "nowhere/*.ts" matches no file`);
  });
});

describe("identity and release (#11)", () => {
  test("only the holder releases; an unknown claim is E_NOT_FOUND; then the paths are free", async () => {
    const { alpha, bravo } = await project();
    const { claimId } = await callJson(alpha, "aegis_claim", { paths: ["src"], intent: "exclusive" });
    const stolen = await call(bravo, "aegis_release", { claimId });
    expect(stolen.isError).toBe(true);
    expect(stolen.text).toContain(`E_PERMISSION: claim ${claimId} is held by alpha, not by you (bravo)`);
    expect((await call(bravo, "aegis_release", { claimId: "clm_nope" })).text).toContain(`E_NOT_FOUND: no live claim "clm_nope"`);
    expect(await callJson(alpha, "aegis_release", { claimId })).toEqual({ claimId, released: true });
    expect((await call(alpha, "aegis_release", { claimId })).text).toContain("E_NOT_FOUND");
    expect((await callJson(bravo, "aegis_claim", { paths: ["src"], intent: "exclusive" })).granted).toBe(true);
  });

  test("the holder is the session of the secret: a handle in the arguments is ignored", async () => {
    const { alpha, bravo } = await project();
    const r = await callJson(bravo, "aegis_claim", { paths: ["src"], intent: "exclusive", handle: "alpha" });
    const { claims } = await callJson(alpha, "aegis_claims");
    expect(claims.map((c: { claimId: string; handle: string }) => [c.claimId, c.handle])).toEqual([[r.claimId, "bravo"]]);
    // alpha cannot release bravo's claim by naming bravo either.
    expect((await call(alpha, "aegis_release", { claimId: r.claimId, handle: "bravo" })).text).toContain("E_PERMISSION");
  });

  test("the operator may list claims but holds none", async () => {
    const { h } = await project();
    const ctx = { caller: OPERATOR, ports: h.ports };
    const made = await runTool(() => claimTool.run({ paths: ["src"], intent: "exclusive" }, ctx));
    expect(made.isError).toBe(true);
    expect(made.content[0]!.text).toContain("E_USAGE: the operator cannot make claims");
    expect((await runTool(() => releaseTool.run({ claimId: "clm_x" }, ctx))).isError).toBe(true);
    expect(await h.ports.listClaims()).toEqual([]);
  });
});

describe("lifetime and visibility (#11)", () => {
  test("a session's claims vanish when it closes", async () => {
    const { h, alpha, bravo } = await project();
    await callJson(alpha, "aegis_claim", { paths: ["src"], intent: "exclusive" });
    await callJson(alpha, "aegis_claim", { paths: ["docs"], intent: "shared" });
    await h.sessions.close("alpha");
    // Deleted on close, not merely hidden behind the closed session row.
    expect(h.store.db.query<{ n: number }, []>("SELECT count(*) AS n FROM claims").get()?.n).toBe(0);
    expect((await callJson(bravo, "aegis_claims")).claims).toEqual([]);
    expect((await callJson(bravo, "aegis_claim", { paths: ["src", "docs"], intent: "exclusive" })).granted).toBe(true);
  });

  test("the claims of a session in another aegis process vanish when that process dies", async () => {
    const { h, bravo } = await project();
    const sibling = Bun.spawn(["sleep", "600"], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
    try {
      h.store.db.query("INSERT INTO owners (id, pid, host, proc_start, started_at) VALUES ('own_sibling', ?, ?, ?, 0)").run(sibling.pid, hostname(), procStart(sibling.pid) ?? null);
      h.store.write(() => insertSession(h.store, { id: "ses_remote", handle: "remote", agent: "a", provider: "scripted", owner: "own_sibling", createdAt: Date.now() }));
      expect(tryClaim(h.store, { sessionId: "ses_remote", handle: "remote", intent: "exclusive", paths: ["src"], at: Date.now() })?.granted).toBe(true);
      expect((await callJson(bravo, "aegis_claim", { paths: ["src/a.ts"], intent: "shared" })).overlaps[0].handle).toBe("remote");
      sibling.kill("SIGKILL");
      await sibling.exited;
      expect((await callJson(bravo, "aegis_claims")).claims).toEqual([]);
      expect((await callJson(bravo, "aegis_claim", { paths: ["src/a.ts"], intent: "exclusive" })).granted).toBe(true);
    } finally {
      sibling.kill("SIGKILL");
    }
  });

  test("aegis_list_sessions shows each session's claims; aegis_meta names a peer's", async () => {
    const { alpha, bravo } = await project();
    const { claimId } = await callJson(alpha, "aegis_claim", { paths: ["src", "docs/a.md"], intent: "exclusive" });
    const { sessions } = await callJson(bravo, "aegis_list_sessions");
    const by = Object.fromEntries(sessions.map((s: { handle: string; claims: unknown }) => [s.handle, s.claims]));
    expect(by).toEqual({ alpha: [{ claimId, intent: "exclusive", paths: ["src", "docs/a.md"] }], bravo: [], carol: [] });
    expect((await call(bravo, "aegis_meta")).text).toContain("alpha: agent a, ready, inbox 0, claims src docs/a.md (exclusive)");
  });

  test("the primer tells a session in the shared tree to claim, and one in its own worktree that it need not", async () => {
    expect(planePrompt("alpha")).toContain("before changing files, claim them with aegis_claim");
    expect(planePrompt("alpha", { isolated: true })).not.toContain("aegis_claim");
    const root = makeRepo();
    try {
      h = planeHarness(testConfig({ a: { reply: (p) => p } }, {}, root), { cwd: root });
      await h.sessions.spawn("a", { handle: "shared-one" });
      await h.sessions.spawn("a", { handle: "isolated-one", isolation: "worktree" });
      expect(h.attachments.get("shared-one")?.systemPrompt).toContain("claim them with aegis_claim");
      expect(h.attachments.get("isolated-one")?.systemPrompt).toContain("You work in a git worktree of your own");
      expect(h.attachments.get("isolated-one")?.systemPrompt).not.toContain("aegis_claim");
    } finally {
      await h?.close();
      h = undefined;
      rmSync(root, { recursive: true, force: true });
    }
  });
});
