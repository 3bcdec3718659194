// `aegis --version [--json]`: the plain version stays a bare line (scripts parse it); --json adds the commit and the
// target, which a release build bakes in and a run from source works out (test/build/ checks the compiled side).
import { expect, test } from "bun:test";
import { join } from "node:path";
import pkg from "../package.json" with { type: "json" };
import { versionInfo, versionText } from "../src/version.ts";

const ROOT = join(import.meta.dir, "..");

test("versionText answers --version/-v alone or with --json in either order, and nothing else (#9)", () => {
  expect(versionText(["--version"])).toBe(pkg.version);
  expect(versionText(["-v"])).toBe(pkg.version);
  for (const argv of [["--version", "--json"], ["--json", "--version"], ["-v", "--json"]]) {
    expect(JSON.parse(versionText(argv)!)).toEqual(versionInfo());
  }
  for (const argv of [[], ["--json"], ["--version", "--help"], ["run", "--version"], ["--version", "--json", "x"]]) {
    expect(versionText(argv)).toBeUndefined();
  }
});

test("from source, --version --json names the checkout's HEAD commit and the target \"source\" (#9)", async () => {
  const p = Bun.spawn([process.execPath, join(ROOT, "src", "main.ts"), "--version", "--json"], { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  expect(err).toBe("");
  expect(code).toBe(0);
  const info = JSON.parse(out);
  expect(Object.keys(info).sort()).toEqual(["commit", "target", "version"]);
  expect(info).toMatchObject({ version: pkg.version, target: "source" });
  // HEAD may move while the test runs in a shared checkout: ask git whether the commit named is a real one.
  const git = Bun.spawnSync(["git", "cat-file", "-e", `${info.commit}^{commit}`], { cwd: ROOT });
  expect(info.commit).toMatch(/^[0-9a-f]{12}$/);
  expect(git.exitCode).toBe(0);
});

test("runCli answers --version --json too (the path taken when main.ts's fast path is bypassed) (#9)", async () => {
  const script = `import { runCli } from ${JSON.stringify(join(ROOT, "src", "cli", "root.ts"))}; process.exitCode = await runCli(["--json", "--version"]);`;
  const p = Bun.spawn([process.execPath, "-e", script], { stdout: "pipe", stderr: "pipe" });
  const [out, code] = await Promise.all([new Response(p.stdout).text(), p.exited]);
  expect(code).toBe(0);
  expect(JSON.parse(out)).toMatchObject({ version: pkg.version, target: "source" });
});
