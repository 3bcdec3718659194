// Group members with `isolation: "worktree"` (#13): each works in its own git worktree on branch aegis/<handle>, so a
// broadcast asking every member to write the same file leaves the main checkout untouched until a merge, and the
// members' changes are separate diffs; a member listed without isolation shares the project checkout.
import { expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { workflow } from "../../src/workflow/registry.ts";
import { makeRepo } from "../git/helpers.ts";
import { rig } from "./helpers.ts";

test("members isolated in worktrees write the same file apart; a member without isolation works in the checkout (#13)", async () => {
  const root = makeRepo();
  await using r = rig({ root, agents: {
    writer: { reply: (_p, ctx) => (writeFileSync(join(ctx.cwd, "answer.txt"), `${ctx.handle}\n`), ctx.cwd) },
    reader: { reply: (_p, ctx) => ctx.cwd },
  } });
  const wf = workflow("t-group-worktree", async (e) => {
    const g = await e.group("apart", [{ agent: "writer", count: 2, isolation: "worktree", handle: "iso" }, { agent: "reader", handle: "plain" }]);
    await g.broadcast("Write answer.txt");
    const cwds = (await g.gather()).byMember;
    const diffs = await e.parallel(["iso-1", "iso-2"].map((h) => () => e.diff(h)));
    const mainHasFile = existsSync(join(root, "answer.txt"));
    const merged = await e.merge("iso-1");
    return { cwds, diffs: diffs.map((d) => d.files), mainHasFile, merged: merged.merged };
  });
  const out = await r.run(wf);
  expect(out.status).toBe("done");
  const res = out.result as { cwds: Record<string, string>; diffs: unknown[]; mainHasFile: boolean; merged: boolean };
  expect(res.cwds).toEqual({
    "iso-1": join(root, ".git", "aegis-worktrees", "iso-1"),
    "iso-2": join(root, ".git", "aegis-worktrees", "iso-2"),
    plain: root,
  });
  expect(res.diffs).toEqual([[{ path: "answer.txt", added: 1, removed: 0 }], [{ path: "answer.txt", added: 1, removed: 0 }]]);
  expect(res.mainHasFile).toBe(false);
  expect(res.merged).toBe(true);
  expect(readFileSync(join(root, "answer.txt"), "utf8")).toBe("iso-1\n");
});
