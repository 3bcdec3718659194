// `npm install` on a fresh clone must leave package-lock.json unchanged (#9): the lock has to describe package.json
// as npm would write it (name, bin, engines and dependencies of the root entry included).
import { afterAll, expect, test } from "bun:test";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..", "..");
const dir = mkdtempSync(join(tmpdir(), "aegis-lock-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const npm = Bun.which("npm");

test.skipIf(!npm)("(#9) npm leaves package-lock.json as it is: the lock matches package.json", async () => {
  copyFileSync(join(ROOT, "package.json"), join(dir, "package.json"));
  copyFileSync(join(ROOT, "package-lock.json"), join(dir, "package-lock.json"));
  const p = Bun.spawn([npm!, "install", "--package-lock-only", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline"], {
    cwd: dir, stdout: "pipe", stderr: "pipe",
  });
  const [code, stderr] = await Promise.all([p.exited, new Response(p.stderr).text()]);
  expect(stderr).not.toContain("npm error");
  expect(code).toBe(0);
  expect(readFileSync(join(dir, "package-lock.json"), "utf8")).toBe(readFileSync(join(ROOT, "package-lock.json"), "utf8"));
}, 60_000);

test("the lock's root entry names the package, its command and its engines as package.json does", () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8"));
  const rootEntry = lock.packages[""];
  expect(lock.name).toBe(pkg.name);
  expect(rootEntry).toMatchObject({ name: pkg.name, version: pkg.version, bin: pkg.bin, engines: pkg.engines });
  expect(rootEntry.dependencies).toEqual(pkg.dependencies);
  expect(rootEntry.devDependencies).toEqual(pkg.devDependencies);
});
