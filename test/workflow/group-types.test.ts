// The public types of engine.group (#13): the bundled aegis.d.ts (what the binary embeds for `aegis init`) carries
// Group and its options, so a workflow using groups type-checks with no node_modules, the gather's combined value
// follows its reducer, and a misspelt reducer is a type error.
import { expect, test } from "bun:test";
import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ensurePublicTypes } from "../../scripts/public-types.ts";
import { tempDir } from "../fixtures/helpers/temp-dir.ts";

const TSC = join(import.meta.dir, "../../node_modules/typescript/bin/tsc");

const USE = `import { workflow, type Group, type GatherResult, type MajorityVote } from "aegis";
export default workflow("vote", async (engine) => {
  const g: Group = await engine.group("jury", ["demo", { agent: "demo", count: 2, isolation: "worktree", handle: "juror" }]);
  const receipt = await g.broadcast("ship it?", { outputFormat: "yes or no", boundaries: ["read only"], toolGuidance: "no tools" });
  const id: number = receipt.id;
  const vote: GatherResult<MajorityVote> = await g.gather({ reducer: "majorityVote", timeout: 60_000 });
  const winner: string | null = vote.combined.winner;
  await g.broadcast("again");
  const text: string = (await g.gather()).combined;
  await g.broadcast("count");
  const n: number = (await g.gather({ reducer: (byMember, order) => order.length + Object.keys(byMember).length })).combined;
  const { member, reply } = await g.race("first!", { cancelLosers: true, timeout: 1000 });
  await g.dissolve();
  return { id, winner, text, n, member, reply, members: g.members.join(), agents: g.roster.map((m) => m.handle + m.agent) };
});
`;

const BAD = `import { workflow } from "aegis";
export default workflow("bad", async (engine) => {
  const g = await engine.group("jury", ["demo"]);
  await g.broadcast("q");
  return g.gather({ reducer: "median" });
});
`;

async function tsc(cwd: string): Promise<{ code: number; out: string }> {
  const p = Bun.spawn([process.execPath, TSC, "--noEmit", "-p", "."], { cwd, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, out: out + err };
}

test("the bundled public types let a workflow use groups, and refuse an unknown reducer (#13)", async () => {
  const types = await ensurePublicTypes();
  using dir = tempDir("group-types");
  copyFileSync(types, dir.join("aegis.d.ts"));
  writeFileSync(dir.join("tsconfig.json"), JSON.stringify({
    compilerOptions: {
      target: "ESNext", module: "Preserve", moduleResolution: "bundler", lib: ["ESNext", "DOM"], types: [], strict: true, noEmit: true,
      skipLibCheck: false, paths: { aegis: ["./aegis.d.ts"] }, typeRoots: [],
    },
    files: ["aegis.d.ts", "use.ts"],
  }));
  writeFileSync(dir.join("use.ts"), USE);
  const ok = await tsc(dir.path);
  expect(ok.out).toBe("");
  expect(ok.code).toBe(0);
  writeFileSync(dir.join("use.ts"), BAD);
  const bad = await tsc(dir.path);
  expect(bad.code).not.toBe(0);
  expect(bad.out).toContain('"median"');
}, 120_000);
