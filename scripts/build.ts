#!/usr/bin/env bun
// Builds the aegis executable.
//   bun scripts/build.ts                      → dist/aegis, for this machine
//   bun scripts/build.ts --target linux-arm64 → dist/aegis-linux-arm64 (any name from scripts/release/targets.ts)
//   bun scripts/build.ts --all                → dist/release/: every release asset, SHA256SUMS, RELEASE_NOTES.md
//   --out DIR puts the output in DIR instead. --allow-invalid-signature keeps a macOS build whose code signature does
//   not verify (only to re-sign it on a Mac).
// Cross builds embed the runtime of the running Bun's exact version (scripts/release/runtimes.ts, cached in
// dist/.bun-runtimes). Every asset is checked before it is kept (scripts/release/assets.ts); a release refuses a
// broken one, and skips darwin-x64 while its code signature does not verify.

import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { ROOT } from "./compile.ts";
import { buildAsset, gitCommit, readBinary, writeSums, type Built } from "./release/assets.ts";
import { fetchRuntime } from "./release/runtimes.ts";
import { assetName, findTarget, releaseTargets, TARGETS, type Target } from "./release/targets.ts";

const USAGE = `usage: bun scripts/build.ts [--all | --target <name> [--allow-invalid-signature]] [--out DIR]
targets: ${TARGETS.map((t) => t.name).join(", ")}`;

function fail(message: string, code = 1): never {
  console.error(`build: ${message}`);
  process.exit(code);
}

/** The table entry for the machine running this build (glibc or musl told apart by the running Bun's own loader). */
function hostTarget(): Target {
  const os = process.platform === "win32" ? "windows" : process.platform;
  const arch = process.arch === "arm64" ? "arm64" : process.arch;
  let musl = false;
  if (os === "linux") musl = readBinary(process.execPath).interpreter?.includes("musl") ?? false;
  const t = TARGETS.find((x) => x.os === os && x.arch === arch && Boolean(x.libc) === musl);
  if (!t) fail(`no build target for this machine (${process.platform}-${process.arch}); pass --target`);
  return t;
}

function describe(b: Built): string {
  const mb = (n: number) => (n / 1e6).toFixed(1);
  return `${relative(process.cwd(), b.file)} (${mb(b.bytes)} MB, bytecode ${mb(b.bunSection)} MB, ${b.seconds.toFixed(1)} s)`;
}

/** The GitHub repository the install script downloads from, named once in scripts/install.sh. */
function repository(): string {
  if (process.env.GITHUB_REPOSITORY) return process.env.GITHUB_REPOSITORY;
  return /^REPO="([^"]+)"/m.exec(readFileSync(join(ROOT, "scripts", "install.sh"), "utf8"))?.[1] ?? "OWNER/aegis";
}

function releaseNotes(version: string, shipped: Built[], skipped: { t: Target; why: string }[]): string {
  const repo = repository();
  const lines = [
    `aegis ${version}: one executable, no Node or Bun needed to run it.`, "",
    "Install (Linux, macOS on Apple silicon):", "",
    "```sh", `curl -fsSL https://raw.githubusercontent.com/${repo}/main/scripts/install.sh | sh`, "```", "",
    "Or download the asset for your platform, check it against SHA256SUMS (`sha256sum -c --ignore-missing SHA256SUMS`)",
    "and put it on your PATH as `aegis`.", "",
    "| asset | platform |", "|---|---|",
    ...shipped.map((b) => `| ${assetName(b.target)} | ${b.target.os} ${b.target.arch}${b.target.libc ? " (musl)" : ""} |`), "",
    ...[...new Set(shipped.map((b) => b.target.note).filter(Boolean))].map((n) => `- ${n}`),
    ...skipped.map(({ t, why }) => `- Not in this release: ${t.name}. ${why}`),
    ...shipped.filter((b) => b.warning).map((b) => `- ${b.warning}`),
    ...TARGETS.filter((t) => t.release === "unsupported").map((t) => `- ${t.note ?? `${t.name} is unsupported.`}`),
  ];
  return `${lines.join("\n")}\n`;
}

async function buildRelease(outDir: string): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  for (const f of readdirSync(outDir)) if (f.startsWith("aegis-") || f === "SHA256SUMS" || f === "RELEASE_NOTES.md") rmSync(join(outDir, f));
  const targets = releaseTargets();
  const [commit, runtimes] = await Promise.all([gitCommit(), Promise.all(targets.map((t) => fetchRuntime(t)))]);
  const shipped: Built[] = [];
  const skipped: { t: Target; why: string }[] = [];
  for (const [i, t] of targets.entries()) {
    const b = await buildAsset(t, outDir, { runtime: runtimes[i]!, commit });
    if (b.problems.length === 0) {
      shipped.push(b);
      console.error(`built ${describe(b)}`);
      if (b.warning) console.error(`warning: ${b.warning}`);
    } else if (t.release === "if-signed") {
      const why = `Bun's cross-compiled binary fails its check (${b.problems.join("; ")}). ${resignHint(t)}`;
      skipped.push({ t, why });
      console.error(`skipped ${assetName(t)}: ${why}`);
    } else {
      fail(`${assetName(t)} fails its checks, so no release was written:\n  ${b.problems.join("\n  ")}`);
    }
  }
  const sums = writeSums(outDir, shipped.map((b) => b.file));
  const version = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;
  writeFileSync(join(outDir, "RELEASE_NOTES.md"), releaseNotes(version, shipped, skipped));
  console.error(`wrote ${relative(process.cwd(), sums)} (${shipped.length} assets, commit ${commit})`);
}

function resignHint(t: Target): string {
  return `To ship it anyway, build it with \`bun scripts/build.ts --target ${t.name} --allow-invalid-signature\`, re-sign it ` +
    `on a Mac (codesign --force --sign - ${assetName(t)}) and upload it with its checksum; or wait for a Bun release that signs it correctly.`;
}

async function buildOne(t: Target, outDir: string, opts: { fileName?: string; keepFailed?: boolean } = {}): Promise<void> {
  const host = hostTarget();
  if (t.release === "unsupported") console.error(`warning: ${t.note ?? `${t.name} is unsupported`}`);
  mkdirSync(outDir, { recursive: true });
  const runtime = t === host ? undefined : await fetchRuntime(t);
  const keepFailed = Boolean(opts.keepFailed && t.os === "darwin");
  const b = await buildAsset(t, outDir, { commit: await gitCommit(), ...(runtime ? { runtime } : {}), ...opts, keepFailed });
  if (b.problems.length && keepFailed) {
    console.error(`warning: kept ${describe(b)} although ${b.problems.join("; ")}: re-sign it on a Mac before anyone runs it`);
    return;
  }
  if (b.problems.length) {
    const hint = t.os === "darwin" ? `\n${resignHint(t)}` : "";
    fail(`${assetName(t)} fails its checks and was not written:\n  ${b.problems.join("\n  ")}${hint}`);
  }
  console.error(`built ${describe(b)}`);
  if (b.warning) console.error(`warning: ${b.warning}`);
}

const argv = process.argv.slice(2);
if (argv.includes("--help") || argv.includes("-h")) {
  console.log(USAGE);
  process.exit(0);
}
const valueOf = (flag: string): string | undefined => {
  const eq = argv.find((a) => a.startsWith(`${flag}=`));
  if (eq) return eq.slice(flag.length + 1);
  const i = argv.indexOf(flag);
  return i === -1 ? undefined : argv[i + 1] ?? fail(`${flag} needs a value\n${USAGE}`, 2);
};
const known = new Set(["--all", "--target", "--out", "--allow-invalid-signature"]);
const stray = argv.find((a, i) => !known.has(a.split("=")[0]!) && !["--target", "--out"].includes(argv[i - 1] ?? ""));
if (stray) fail(`unknown argument ${stray}\n${USAGE}`, 2);
const out = valueOf("--out");
const targetArg = valueOf("--target");

if (argv.includes("--all")) {
  if (targetArg) fail(`--all and --target exclude each other\n${USAGE}`, 2);
  await buildRelease(resolve(out ?? join(ROOT, "dist", "release")));
} else if (targetArg) {
  const t = findTarget(targetArg) ?? fail(`unknown target ${targetArg}\n${USAGE}`, 2);
  await buildOne(t, resolve(out ?? join(ROOT, "dist")), { keepFailed: argv.includes("--allow-invalid-signature") });
} else {
  await buildOne(hostTarget(), resolve(out ?? join(ROOT, "dist")), { fileName: "aegis" });
}
