// The npm package (#9): `npm pack`, then install the tarball under the alias "aegis" into an empty project set up by
// `aegis init --script`, and `bun aegis.ts` runs a workflow there. npm fetches the package's dependencies from its
// cache or the registry (nothing else); the package's own files come from the tarball.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { VERSION } from "../../src/version.ts";

const ROOT = join(import.meta.dir, "..", "..");
const dir = mkdtempSync(join(tmpdir(), "aegis-pack-"));
const npm = Bun.which("npm");
let tarball = "";

async function exec(cmd: string[], cwd: string, env: Record<string, string> = {}) {
  const p = Bun.spawn(cmd, {
    cwd, stdout: "pipe", stderr: "pipe",
    // bun (this test's runtime) and npm/node on PATH; nothing of the repo's node_modules.
    env: { ...process.env, PATH: `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`, NO_COLOR: "1", ...env },
  });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout, stderr };
}

beforeAll(async () => {
  if (!npm) return;
  const r = await exec([npm, "pack", "--pack-destination", dir, "--silent"], ROOT, { PATH: `${join(ROOT, "node_modules", ".bin")}:${process.env.PATH}` });
  if (r.code !== 0) throw new Error(`npm pack failed: ${r.stderr}`);
  tarball = join(dir, readdirSync(dir).find((f) => f.endsWith(".tgz"))!);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test.skipIf(!npm)("(#9) the package is aegis-harness with the aegis command, its types, and no tests or state", async () => {
  expect(tarball.endsWith(`aegis-harness-${VERSION}.tgz`)).toBe(true);
  const list = (await exec(["tar", "-tzf", tarball], dir)).stdout.trim().split("\n");
  for (const f of ["package/package.json", "package/bin/aegis.js", "package/src/index.ts", "package/src/main.ts", "package/dist/types/aegis.d.ts", "package/README.md"]) {
    expect(list).toContain(f);
  }
  expect(list.filter((f) => /^package\/(test|bench|node_modules|\.ci|\.live|\.github)\/|\.test\.ts$|\/\.aegis\/|\.tgz$|\.db$/.test(f))).toEqual([]);
  expect(list.filter((f) => f.startsWith("package/dist/"))).toEqual(["package/dist/types/aegis.d.ts"]);
});

test.skipIf(!npm)("(#14) every relative import of a packaged script is packaged too", async () => {
  const list = new Set((await exec(["tar", "-tzf", tarball], dir)).stdout.trim().split("\n"));
  const scripts = [...list].filter((f) => /^package\/scripts\/.*\.ts$/.test(f));
  expect(scripts).toContain("package/scripts/compile.ts");
  for (const f of scripts) {
    const text = readFileSync(join(ROOT, f.slice("package/".length)), "utf8");
    for (const m of text.matchAll(/from "(\.{1,2}\/[^"]+\.ts)"/g)) {
      const target = join(dirname(f), m[1]!);
      if (target.startsWith("package/src/")) continue; // src/ is packaged whole
      expect(list.has(target), `${f} imports ${m[1]}, which the package lacks`).toBe(true);
    }
  }
});

test.skipIf(!npm)("(#9) installed as \"aegis\" (npm:aegis-harness), `bun aegis.ts` runs a workflow, tsc checks it, and the aegis command works", async () => {
  const project = join(dir, "project");
  mkdirSync(project);
  const init = await exec([process.execPath, join(ROOT, "src", "main.ts"), "init", "--script"], project);
  expect(init.code).toBe(0);
  const install = await exec([npm!, "install", `aegis@file:${tarball}`, "--prefer-offline", "--no-audit", "--no-fund"], project);
  expect(install.stderr).not.toContain("npm error");
  expect(install.code).toBe(0);
  expect(JSON.parse(readFileSync(join(project, "node_modules", "aegis", "package.json"), "utf8")).name).toBe("aegis-harness");

  const run = await exec([process.execPath, "aegis.ts"], project);
  expect(run.stderr).toContain("aegis: greet run_");
  expect(run.stdout).toContain("Say hello to Ada.");
  expect(run.code).toBe(0);
  expect(existsSync(join(project, ".aegis", "state.db"))).toBe(true);

  // Types come from the package (its "types" export): no bun-types or zod types are needed in the project.
  const tsc = await exec([process.execPath, join(ROOT, "node_modules", "typescript", "bin", "tsc"), "--noEmit", "-p", "."], project);
  expect(tsc.stdout).toBe("");
  expect(tsc.code).toBe(0);

  // The node launcher of the npm package, under its bin name.
  const version = await exec(["node", join(project, "node_modules", ".bin", "aegis"), "--version"], project, { AEGIS_BUN: process.execPath });
  expect(version.stdout.trim()).toBe(VERSION);
  const validate = await exec(["node", join(project, "node_modules", ".bin", "aegis"), "config", "validate"], project, { AEGIS_BUN: process.execPath });
  expect(validate.stdout).toContain("1 agent");
  expect(validate.code).toBe(0);
}, 180_000);

test.skipIf(!existsSync(join(ROOT, ".git")))("(#9) `npm pack` run in the checkout leaves git status clean: its tarball is ignored", async () => {
  const r = await exec(["git", "check-ignore", "-q", `aegis-harness-${VERSION}.tgz`], ROOT);
  expect(r.code).toBe(0);
});
