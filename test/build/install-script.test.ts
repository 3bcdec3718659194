// scripts/install.sh against a local HTTP server (Bun.serve on 127.0.0.1 serving a temp folder laid out like GitHub
// releases and like a mirror): installs from latest and from a pinned tag, --prefix, curl or wget, and refuses a
// corrupted asset, a missing one and an unknown tag without installing anything. The platform detection matrix runs
// with PATH shims for uname, ldd, sysctl and getconf under dash, `bash --posix` and busybox sh (when installed).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, normalize } from "node:path";
import { ROOT } from "../../scripts/compile.ts";
import { findOnPath, run } from "./release-helpers.ts";

const SCRIPT = join(ROOT, "scripts", "install.sh");
const dir = mkdtempSync(join(tmpdir(), "aegis-install-"));
const www = join(dir, "www");
const ASSETS = ["aegis-linux-x64", "aegis-linux-arm64", "aegis-linux-x64-musl", "aegis-linux-arm64-musl", "aegis-darwin-arm64"];
let server: ReturnType<typeof Bun.serve>;
let base = "";

/** A stand-in asset: a tiny executable saying which asset and release it is (install.sh runs it to report the version). */
const fakeAsset = (name: string, release: string) => `#!/bin/sh\necho "${name} ${release}"\n`;
const sha = (s: string) => createHash("sha256").update(s).digest("hex");

function publish(folder: string, release: string, opts: { corrupt?: string; missing?: string; unlisted?: string } = {}) {
  const at = join(www, folder);
  mkdirSync(at, { recursive: true });
  const sums: string[] = [];
  for (const name of ASSETS) {
    const body = fakeAsset(name, release);
    if (name !== opts.unlisted) sums.push(`${sha(body)}  ${name}`);
    if (name !== opts.missing) writeFileSync(join(at, name), name === opts.corrupt ? body.replace("echo", "echo TAMPERED") : body);
  }
  writeFileSync(join(at, "SHA256SUMS"), `${sums.join("\n")}\n`);
}

const SHIMS = {
  uname: `#!/bin/sh\ncase "$1" in -m) echo "$SHIM_UNAME_M" ;; *) echo "$SHIM_UNAME_S" ;; esac\n`,
  ldd: `#!/bin/sh
case "$SHIM_LDD" in
  musl) printf 'musl libc (%s)\\nVersion 1.2.4\\nDynamic Program Path\\nUsage: ldd [options] [--] pathname\\n' "$SHIM_UNAME_M" >&2; exit 1 ;;
  none|"") exit 127 ;;
  *) printf '%s\\nCopyright (C) 2022 Free Software Foundation, Inc.\\n' "$SHIM_LDD" ;;
esac\n`,
  sysctl: `#!/bin/sh\nif [ -n "\${SHIM_SYSCTL:-}" ]; then echo "$SHIM_SYSCTL"; else echo "sysctl: unknown oid '$2'" >&2; exit 1; fi\n`,
  getconf: `#!/bin/sh\nif [ -n "\${SHIM_GETCONF:-}" ]; then echo "$SHIM_GETCONF"; else echo "getconf: Unrecognized variable '$1'" >&2; exit 1; fi\n`,
};
/** The only other tools install.sh may use: each toolbox is a PATH folder of symlinks to exactly these. */
const TOOLS = ["mktemp", "rm", "awk", "cp", "chmod", "mv", "mkdir", "cat", "sha256sum"];
const busybox = findOnPath("busybox");

function toolbox(name: string, extra: Record<string, string>): string {
  const at = join(dir, "path", name);
  mkdirSync(at, { recursive: true });
  for (const [file, body] of Object.entries(SHIMS)) {
    writeFileSync(join(at, file), body);
    chmodSync(join(at, file), 0o755);
  }
  for (const tool of TOOLS) symlinkSync(findOnPath(tool)!, join(at, tool));
  for (const [tool, target] of Object.entries(extra)) symlinkSync(target, join(at, tool));
  return at;
}

let withCurl = "";
let withWget = "";
beforeAll(() => {
  publish("releases/latest/download", "latest");
  publish("releases/download/v0.1.0", "v0.1.0");
  publish("corrupt", "latest", { corrupt: "aegis-linux-x64" });
  publish("missing", "latest", { missing: "aegis-linux-x64" });
  publish("unlisted", "latest", { unlisted: "aegis-linux-x64" });
  withCurl = toolbox("curl", { curl: findOnPath("curl")! });
  // busybox's wget applet when busybox is here (what Alpine has), else GNU wget.
  withWget = toolbox("wget", { wget: busybox ?? findOnPath("wget")! });
  server = Bun.serve({
    hostname: "127.0.0.1", port: 0,
    fetch(req) {
      const path = normalize(decodeURIComponent(new URL(req.url).pathname));
      const file = join(www, path);
      if (!file.startsWith(`${www}/`) || !existsSync(file) || statSync(file).isDirectory()) return new Response("not found", { status: 404 });
      return new Response(Bun.file(file));
    },
  });
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(async () => {
  await server?.stop(true);
  rmSync(dir, { recursive: true, force: true });
});

type Platform = { s: string; m: string; ldd?: string; sysctl?: string; getconf?: string; libc?: string };
const LINUX_X64_GLIBC: Platform = { s: "Linux", m: "x86_64", ldd: "ldd (Debian GLIBC 2.36-9+deb12u4) 2.36" };

function install(args: string[], opts: { platform?: Platform; env?: Record<string, string>; shell?: string[]; path?: string; home?: string } = {}) {
  const p = opts.platform ?? LINUX_X64_GLIBC;
  const home = opts.home ?? mkdtempSync(join(dir, "home-"));
  const env: Record<string, string> = {
    PATH: opts.path ?? withCurl, HOME: home, SHIM_UNAME_S: p.s, SHIM_UNAME_M: p.m, SHIM_LDD: p.ldd ?? "none",
    ...(p.sysctl !== undefined ? { SHIM_SYSCTL: p.sysctl } : {}), ...(p.getconf !== undefined ? { SHIM_GETCONF: p.getconf } : {}),
    ...(p.libc !== undefined ? { AEGIS_LIBC: p.libc } : {}), ...opts.env,
  };
  return run([...(opts.shell ?? [findOnPath("dash")!]), SCRIPT, ...args], { env, cwd: dir }).then((r) => ({ ...r, home }));
}

const releases = () => ({ AEGIS_RELEASES_URL: `${base}/releases` });

describe("install.sh downloads, verifies and installs (#9)", () => {
  test("the latest release goes to ~/.local/bin/aegis", async () => {
    const r = await install([], { env: releases() });
    expect(r.stderr).toContain(`downloading aegis-linux-x64 from ${base}/releases/latest/download`);
    expect(r.code).toBe(0);
    const installed = join(r.home, ".local", "bin", "aegis");
    expect(readFileSync(installed, "utf8")).toBe(fakeAsset("aegis-linux-x64", "latest"));
    expect(statSync(installed).mode & 0o111).toBe(0o111);
    expect(r.stderr).toContain(`installed aegis aegis-linux-x64 latest (aegis-linux-x64) to ${installed}`);
    expect(r.stderr).toContain("is not on your PATH");
  });

  test("a pinned tag, by --version or AEGIS_VERSION (with or without the v), under busybox sh or bash --posix", async () => {
    const shell = busybox ? [busybox, "sh"] : [findOnPath("bash")!, "--posix"];
    const byFlag = await install(["--version", "v0.1.0"], { env: releases(), shell });
    expect(byFlag.code).toBe(0);
    expect(readFileSync(join(byFlag.home, ".local", "bin", "aegis"), "utf8")).toBe(fakeAsset("aegis-linux-x64", "v0.1.0"));
    const byEnv = await install([], { env: { ...releases(), AEGIS_VERSION: "0.1.0" } });
    expect(byEnv.code).toBe(0);
    expect(readFileSync(join(byEnv.home, ".local", "bin", "aegis"), "utf8")).toBe(fakeAsset("aegis-linux-x64", "v0.1.0"));
  });

  test("--prefix DIR installs DIR/bin/aegis and leaves HOME alone; AEGIS_DOWNLOAD_BASE names a mirror folder", async () => {
    const prefix = join(dir, "opt-aegis");
    const r = await install(["--prefix", prefix], { env: { AEGIS_DOWNLOAD_BASE: `${base}/releases/download/v0.1.0/` } });
    expect(r.code).toBe(0);
    expect(readFileSync(join(prefix, "bin", "aegis"), "utf8")).toBe(fakeAsset("aegis-linux-x64", "v0.1.0"));
    expect(existsSync(join(r.home, ".local"))).toBe(false);
  });

  test("with wget instead of curl, the arm64 musl asset for an arm64 Alpine machine", async () => {
    const platform = { s: "Linux", m: "aarch64", ldd: "musl" };
    const r = await install([], { env: releases(), platform, path: withWget });
    expect(r.code).toBe(0);
    expect(readFileSync(join(r.home, ".local", "bin", "aegis"), "utf8")).toBe(fakeAsset("aegis-linux-arm64-musl", "latest"));
  });

  test("a corrupted asset is refused: checksum mismatch, exit 1, the installed aegis untouched", async () => {
    const home = mkdtempSync(join(dir, "home-"));
    const bin = join(home, ".local", "bin");
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, "aegis"), "the aegis installed before\n");
    const r = await install([], { env: { AEGIS_DOWNLOAD_BASE: `${base}/corrupt` }, home });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`checksum mismatch for aegis-linux-x64: SHA256SUMS says ${sha(fakeAsset("aegis-linux-x64", "latest"))}`);
    expect(r.stderr).toContain("nothing was installed");
    expect(readFileSync(join(bin, "aegis"), "utf8")).toBe("the aegis installed before\n");
    expect(readdirSync(bin)).toEqual(["aegis"]);
  });

  test("a missing asset (404) installs nothing and says which URL failed", async () => {
    const r = await install([], { env: { AEGIS_DOWNLOAD_BASE: `${base}/missing` } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`cannot download ${base}/missing/aegis-linux-x64; nothing was installed`);
    expect(existsSync(join(r.home, ".local"))).toBe(false);
  });

  test("an asset SHA256SUMS does not list, and an unknown tag, install nothing", async () => {
    const unlisted = await install([], { env: { AEGIS_DOWNLOAD_BASE: `${base}/unlisted` } });
    expect(unlisted.code).toBe(1);
    expect(unlisted.stderr).toContain("this release has no aegis-linux-x64 (it has: aegis-linux-arm64 aegis-linux-x64-musl");
    const tag = await install(["--version", "v9.9.9"], { env: releases() });
    expect(tag.code).toBe(1);
    expect(tag.stderr).toContain(`cannot download ${base}/releases/download/v9.9.9/SHA256SUMS (is the version right?)`);
    for (const r of [unlisted, tag]) expect(existsSync(join(r.home, ".local"))).toBe(false);
  });

  test("unknown options are usage errors (exit 2)", async () => {
    const r = await install(["--frobnicate"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown argument: --frobnicate");
  });

  test.skipIf(!findOnPath("shellcheck"))("shellcheck -s sh finds nothing", async () => {
    const r = await run(["shellcheck", "-s", "sh", SCRIPT]);
    expect(r.stdout + r.stderr).toBe("");
    expect(r.code).toBe(0);
  });
});

const MATRIX: { name: string; p: Platform; asset?: string; error?: string }[] = [
  { name: "Debian x64", p: LINUX_X64_GLIBC, asset: "aegis-linux-x64" },
  { name: "Ubuntu arm64", p: { s: "Linux", m: "aarch64", ldd: "ldd (Ubuntu GLIBC 2.35-0ubuntu3.8) 2.35" }, asset: "aegis-linux-arm64" },
  { name: "Fedora x64", p: { s: "Linux", m: "x86_64", ldd: "ldd (GNU libc) 2.39" }, asset: "aegis-linux-x64" },
  { name: "Alpine x64", p: { s: "Linux", m: "x86_64", ldd: "musl" }, asset: "aegis-linux-x64-musl" },
  { name: "Alpine arm64", p: { s: "Linux", m: "aarch64", ldd: "musl" }, asset: "aegis-linux-arm64-musl" },
  { name: "no ldd, getconf says glibc", p: { s: "Linux", m: "x86_64", getconf: "glibc 2.36" }, asset: "aegis-linux-x64" },
  { name: "AEGIS_LIBC=musl", p: { ...LINUX_X64_GLIBC, libc: "musl" }, asset: "aegis-linux-x64-musl" },
  { name: "Apple silicon", p: { s: "Darwin", m: "arm64" }, asset: "aegis-darwin-arm64" },
  { name: "Rosetta shell on Apple silicon", p: { s: "Darwin", m: "x86_64", sysctl: "1" }, asset: "aegis-darwin-arm64" },
  { name: "Intel Mac", p: { s: "Darwin", m: "x86_64", sysctl: "0" }, asset: "aegis-darwin-x64" },
  { name: "Intel Mac without the sysctl", p: { s: "Darwin", m: "x86_64" }, asset: "aegis-darwin-x64" },
  { name: "Git Bash on Windows", p: { s: "MINGW64_NT-10.0-19045", m: "x86_64" }, error: "Windows is not supported" },
  { name: "FreeBSD", p: { s: "FreeBSD", m: "amd64" }, error: "unsupported operating system: FreeBSD" },
  { name: "riscv64 Linux", p: { s: "Linux", m: "riscv64", ldd: "ldd (GNU libc) 2.39" }, error: "unsupported CPU: riscv64" },
];
const SHELLS: [string, string[]][] = [
  ["dash", [findOnPath("dash")!]],
  ["bash --posix", [findOnPath("bash")!, "--posix"]],
  ...(busybox ? [["busybox sh", [busybox, "sh"]] as [string, string[]]] : []),
];

describe("install.sh picks the asset for the platform (#9)", () => {
  for (const [shellName, shell] of SHELLS) {
    test(`${shellName}: ${MATRIX.length} platforms`, async () => {
      for (const c of MATRIX) {
        const r = await install(["--dry-run"], { platform: c.p, shell, env: releases() });
        if (c.asset) {
          expect({ platform: c.name, out: r.stdout, code: r.code }).toEqual({
            platform: c.name, out: `${c.asset} ${base}/releases/latest/download/${c.asset}\n`, code: 0,
          });
        } else {
          expect({ platform: c.name, code: r.code }).toEqual({ platform: c.name, code: 1 });
          expect(r.stderr).toContain(c.error!);
        }
      }
    });
  }
});
