// `npm run lint` (oxlint with .oxlintrc.json) keeps the rules the issue asks for (#10): a floating promise is an
// error unless marked `void`, and a swallowed error (a catch holding only a comment, a no-op rejection handler) is an
// error unless it is logged. Runs the project's config over a small file with the real linter, type-aware.
import { expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../fixtures/helpers/temp-dir.ts";

const ROOT = join(import.meta.dir, "..", "..");
const BIN = join(ROOT, "node_modules", ".bin");
const node = Bun.which("node"); // oxlint's launcher is a Node script (it also loads our JS plugin)

const SAMPLE = [
  `declare const log: { debug(text: string): void };`,
  `async function work(): Promise<number> { return 1; }`,
  `export function floating(): void { work(); }`, // line 3
  `export function voided(): void { void work(); }`,
  `export function commentOnly(): void { try { JSON.parse("x"); } catch { /* why */ } }`, // line 5
  `export function logged(): void { try { JSON.parse("x"); } catch (err) { log.debug(String(err)); } }`,
  `export function noopHandler(): void { void work().catch(() => {}); }`, // line 7
  `export function loggedHandler(): void { void work().catch((err: unknown) => log.debug(String(err))); }`,
  `export function empty(): void { try { JSON.parse("x"); } catch {} }`, // line 9
  `export async function awaited(): Promise<void> { await work(); }`,
  `export function unused(): void { const left = 1; }`, // line 11
].join("\n");

test.skipIf(!node)("(#10) the lint config flags floating promises, swallowed errors and unused code, and only those", () => {
  using dir = tempDir("aegis-lint");
  writeFileSync(dir.join("sample.ts"), `${SAMPLE}\n`);
  writeFileSync(dir.join("tsconfig.json"), JSON.stringify({
    compilerOptions: { target: "ESNext", module: "Preserve", moduleResolution: "bundler", strict: true, noEmit: true, lib: ["ESNext"] },
    include: ["*.ts"],
  }));
  const p = Bun.spawnSync([join(BIN, "oxlint"), "-c", join(ROOT, ".oxlintrc.json"), "-f", "unix", "sample.ts"], {
    cwd: dir.path,
    // Run from outside the checkout, oxlint would not find the type-aware half in ./node_modules.
    env: { ...process.env, OXLINT_TSGOLINT_PATH: join(BIN, "tsgolint") },
  });
  const out = p.stdout.toString();
  const found = [...out.matchAll(/^sample\.ts:(\d+):\d+: .*\[Error\/(.+)\]$/gm)].map((m) => `${m[1]} ${m[2]}`).sort();
  expect(found, `${out}\n${p.stderr.toString()}`).toEqual([
    "11 eslint(no-unused-vars)",
    "3 typescript(no-floating-promises)",
    "5 aegis(no-silent-catch)",
    "7 aegis(no-silent-catch)",
    "9 aegis(no-silent-catch)",
    "9 eslint(no-empty)",
  ]);
  expect(p.exitCode).toBe(1);
}, 30_000);
