// The platforms aegis is built for, in one table: the asset name, Bun's --target, the npm package that holds that
// platform's Bun runtime, and whether a release ships it. Everything that names a platform (the build, the release
// notes, the asset checks, scripts/install.sh's naming) follows this table.

export type Os = "linux" | "darwin" | "windows";
export type Arch = "x64" | "arm64";

/**
 * ship: in every release.
 * if-signed: built by a release, shipped only if its Mach-O code signature verifies (see macho.ts).
 * unsupported: built only on request (`--target`), never shipped.
 */
export type Release = "ship" | "if-signed" | "unsupported";

export interface Target {
  /** The asset suffix and `aegis --version --json`'s target: linux-x64, linux-arm64-musl, darwin-arm64, … */
  name: string;
  os: Os;
  arch: Arch;
  libc?: "musl";
  /** Bun's `--target`. */
  bun: string;
  /** The npm package @oven/bun-<pkg> that holds this platform's Bun runtime (npm says aarch64 where Bun says arm64). */
  pkg: string;
  release: Release;
  /** Why a target is not shipped, or what its users need; printed by the build and written to the release notes. */
  note?: string;
}

const WINDOWS_NOTE =
  "Windows is unsupported: aegis stops an agent's process tree with process-group signals and a /proc sweep, and " +
  "engine.bash needs bash; Windows has neither, so an agent's tools could outlive a run. Use WSL (the linux-x64 asset).";

export const TARGETS: readonly Target[] = [
  { name: "linux-x64", os: "linux", arch: "x64", bun: "bun-linux-x64", pkg: "linux-x64", release: "ship" },
  { name: "linux-arm64", os: "linux", arch: "arm64", bun: "bun-linux-arm64", pkg: "linux-aarch64", release: "ship" },
  {
    name: "linux-x64-musl", os: "linux", arch: "x64", libc: "musl", bun: "bun-linux-x64-musl", pkg: "linux-x64-musl",
    release: "ship", note: "musl (Alpine) builds need the C++ runtime: apk add libstdc++ libgcc",
  },
  {
    name: "linux-arm64-musl", os: "linux", arch: "arm64", libc: "musl", bun: "bun-linux-arm64-musl",
    pkg: "linux-aarch64-musl", release: "ship", note: "musl (Alpine) builds need the C++ runtime: apk add libstdc++ libgcc",
  },
  { name: "darwin-arm64", os: "darwin", arch: "arm64", bun: "bun-darwin-arm64", pkg: "darwin-aarch64", release: "ship" },
  {
    name: "darwin-x64", os: "darwin", arch: "x64", bun: "bun-darwin-x64", pkg: "darwin-x64", release: "if-signed",
    note: "Intel Macs: Bun's cross-compiled darwin-x64 output keeps a stale code signature; shipped once it verifies",
  },
  { name: "windows-x64", os: "windows", arch: "x64", bun: "bun-windows-x64", pkg: "windows-x64", release: "unsupported", note: WINDOWS_NOTE },
];

/** The file name of a target's release asset: aegis-<os>-<arch>[-musl][.exe]. */
export function assetName(t: Target): string {
  return `aegis-${t.name}${t.os === "windows" ? ".exe" : ""}`;
}

export function findTarget(name: string): Target | undefined {
  const bare = name.replace(/^bun-/, "").replace(/^aegis-/, "").replace(/\.exe$/, "");
  return TARGETS.find((t) => t.name === bare);
}

/** The targets a release builds (shipped ones plus those shipped when they pass their check). */
export function releaseTargets(): Target[] {
  return TARGETS.filter((t) => t.release !== "unsupported");
}
