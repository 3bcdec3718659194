import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ScriptedOptions } from "../../src/config/providers.ts";
import { listSteps } from "../../src/store/runs.ts";
import { workflow } from "../../src/workflow/registry.ts";
import { makeRepo, sh } from "../git/helpers.ts";
import { rig } from "./helpers.ts";

/** Appends "<handle>: <prompt>" to notes.txt in its cwd; replies with the file. */
const noter: ScriptedOptions = {
  reply: (prompt, ctx) => {
    const file = join(ctx.cwd, "notes.txt");
    writeFileSync(file, `${existsSync(file) ? readFileSync(file, "utf8") : ""}${ctx.handle}: ${prompt.split("\n").pop()}\n`);
    return readFileSync(file, "utf8");
  },
};

describe("engine worktree verbs (#11)", () => {
  test("parallel agents in worktrees; merge lands one, the other conflicts and leaves main clean; commit/diff/worktree (#11)", async () => {
    const root = makeRepo();
    await using r = rig({ root, agents: { ed: noter } });
    const wf = workflow("fanout", async (e) => {
      const [a, b] = await e.parallel([
        () => e.spawn("ed", { handle: "fan-a", isolation: "worktree" }),
        () => e.spawn("ed", { handle: "fan-b", isolation: "worktree" }),
      ]);
      const replies = await e.parallel([() => e.send(a!, "from a"), () => e.send(b!, "from b")]);
      const mainBefore = readFileSync(join(root, "README.md"), "utf8") + String(existsSync(join(root, "notes.txt")));
      const wa = await e.worktree(a!);
      const diff = await e.diff(a!);
      const committed = await e.commit(a!, "a's notes");
      const again = await e.commit(a!);
      const ma = await e.merge(a!, { strategy: "squash", message: "land a" });
      const mb = await e.merge(b!);
      return { replies, mainBefore, wa, diff: diff.files, committed, again, ma, mb };
    });
    const out = await r.run(wf);
    expect(out.status).toBe("done");
    const res = out.result as Record<string, any>;
    expect(res.replies).toEqual(["fan-a: from a\n", "fan-b: from b\n"]);
    expect(res.mainBefore).toBe("hello\nfalse");
    expect(res.wa).toMatchObject({ path: join(root, ".git", "aegis-worktrees", "fan-a"), branch: "aegis/fan-a" });
    expect(res.diff).toEqual([{ path: "notes.txt", added: 1, removed: 0 }]);
    expect(res.committed.committed).toBe(true);
    expect(res.again).toEqual({ committed: false, commit: res.committed.commit });
    expect(res.ma.merged).toBe(true);
    expect(sh(root, "log", "-1", "--format=%s", "main")).toBe("land a");
    expect(res.mb).toEqual({ merged: false, conflicts: [{ path: "notes.txt" }] });
    expect(readFileSync(join(root, "notes.txt"), "utf8")).toBe("fan-a: from a\n");
    expect(sh(root, "status", "--porcelain")).toBe("");
    const kinds = listSteps(r.rt.store, out.runId).map((s) => s.kind);
    expect(kinds).toEqual(expect.arrayContaining(["worktree", "diff", "commit", "merge"]));
  });

  test("merge defaults to the branch the run started on, even if the checkout moved since (#11)", async () => {
    const root = makeRepo();
    await using r = rig({ root, agents: { ed: noter } });
    const wf = workflow("default-into", async (e) => {
      const a = await e.spawn("ed", { handle: "into-a", isolation: "worktree" });
      await e.send(a, "hi");
      sh(root, "checkout", "-q", "-b", "elsewhere");
      return e.merge(a);
    });
    const out = await r.run(wf);
    expect(out.status).toBe("done");
    expect(sh(root, "show", "main:notes.txt")).toBe("into-a: hi");
    expect(existsSync(join(root, "notes.txt"))).toBe(false); // "elsewhere" is checked out and did not move
  });

  test("a session without a worktree: worktree() fails with E_NOT_FOUND and a hint (#11)", async () => {
    const root = makeRepo();
    await using r = rig({ root, agents: { ed: noter } });
    const out = await r.run(workflow("nowt", async (e) => e.worktree(await e.spawn("ed"))));
    expect(out.status).toBe("failed");
    expect(out.error).toMatchObject({ code: "E_NOT_FOUND" });
  });

  test("spawn refuses a misspelt isolation or keep instead of running in the shared checkout (#11)", async () => {
    const root = makeRepo();
    await using r = rig({ root, agents: { ed: noter } });
    const bad = await r.run(workflow("badiso", async (e) => e.spawn("ed", { isolation: "worktre" as never })));
    expect(bad.status).toBe("failed");
    expect(bad.error).toMatchObject({ message: expect.stringContaining('isolation must be one of worktree, none; got "worktre"') });
    const badKeep = await r.run(workflow("badkeep", async (e) => e.spawn("ed", { isolation: "worktree", keep: "sometimes" as never })));
    expect(badKeep.status).toBe("failed");
    expect(badKeep.error).toMatchObject({ message: expect.stringContaining('keep must be one of changed, always, never; got "sometimes"') });
    expect(sh(root, "status", "--porcelain")).toBe("");
  });
});

describe("engine.merge strategies and a dirty target (#11)", () => {
  test("rebase lands both agents' work linearly; a merge into a checkout dirty in its paths fails the step, nothing changed (#11)", async () => {
    const root = makeRepo();
    await using r = rig({ root, agents: { ed: noter } });
    const wf = workflow("linear", async (e) => {
      const [a, b, c] = await e.parallel(["lin-a", "lin-b", "lin-c"].map((handle) => () => e.spawn("ed", { handle, isolation: "worktree" })));
      for (const h of [a!, b!, c!]) {
        const { path } = await e.worktree(h);
        writeFileSync(join(path, `${h}.txt`), `${h}\n`);
        await e.commit(h, `${h} work`);
      }
      const ra = await e.merge(a!, { strategy: "rebase" });
      const rb = await e.merge(b!, { strategy: "rebase" });
      writeFileSync(join(root, "lin-c.txt"), "the user's own draft\n");
      const rc = await e.merge(c!).catch((err: unknown) => ({ refused: (err as { code: string }).code }));
      return { ra: ra.merged, rb: rb.merged, rc };
    });
    const out = await r.run(wf);
    expect(out.status).toBe("done");
    expect(out.result).toEqual({ ra: true, rb: true, rc: { refused: "E_STATE" } });
    expect(sh(root, "log", "--format=%s", "main")).toBe("lin-b work\nlin-a work\ninit");
    expect(readFileSync(join(root, "lin-c.txt"), "utf8")).toBe("the user's own draft\n");
  });
});
