// Which of OpenTUI's native-library packages (@opentui/core-<os>-<arch>[-musl], each one libopentui) a compiled aegis
// embeds, and which it must leave external. `aegis ui` and `aegis chat` need that library; everything else runs
// without it. It must not fetch anything or touch node_modules: it only reads what is installed and names the flags.
//
// Why (shared/reference/opentui.md): OpenTUI's loader imports the package for the running platform. `bun build` folds
// process.platform/arch to the target's, so it must resolve that one package (the musl ones, which the bundler must
// resolve too, are external in compile.ts's COMPILE_FLAGS: none exists at the version core pins). npm installs only
// the host's optional package, and at 0.8.1 npm has only linux-x64's. A build whose package is installed embeds it;
// otherwise the package is left external and the build warns: that asset's `aegis ui` then needs OTUI_ASSET_ROOT (a
// folder holding @opentui/core-<os>-<arch>/libopentui.so), while every other command works. A musl asset embeds the
// glibc library (the loader takes the musl package only under OPENTUI_LIBC=musl): its `aegis ui` needs a glibc
// compatibility layer (Alpine: gcompat), untested.

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** The platform a build is for, as the release target table names it. */
export interface NativeTarget {
  name: string;
  os: "linux" | "darwin" | "windows";
  arch: "x64" | "arm64";
  libc?: "musl";
}

export interface NativePlan {
  /** `--external` flags for `bun build`. */
  flags: string[];
  /** The package whose library is embedded, or undefined when none is. */
  embedded?: string;
  /** Why this build's `aegis ui` will not find its library, with the fix; undefined when it will. */
  warning?: string;
}

/** The package OpenTUI's loader imports on `t` (a musl build runs the glibc import unless OPENTUI_LIBC=musl). */
export function nativePackage(t: NativeTarget): string {
  return `@opentui/core-${t.os === "windows" ? "win32" : t.os}-${t.arch}`;
}

function installedVersion(root: string, pkg: string): string | undefined {
  const file = join(root, "node_modules", pkg, "package.json");
  if (!existsSync(file)) return undefined;
  return (JSON.parse(readFileSync(file, "utf8")) as { version?: string }).version;
}

/** The platform this process runs on (the target of a build without `--target`). */
export function hostNativeTarget(): NativeTarget {
  const os = process.platform === "win32" ? "windows" : process.platform === "darwin" ? "darwin" : "linux";
  const arch = process.arch === "arm64" ? "arm64" : "x64";
  return { name: `${os}-${arch}`, os, arch };
}

/** The `bun build` flags and outcome for compiling aegis (checked out at `root`) for `t`. */
export function nativePlan(t: NativeTarget, root: string): NativePlan {
  const core = installedVersion(root, "@opentui/core");
  if (core === undefined) return { flags: [] }; // aegis without the TUI dependency: nothing imports these packages
  const pkg = nativePackage(t);
  const have = installedVersion(root, pkg);
  if (have === core) return { flags: [], embedded: pkg };
  const flags = ["--external", pkg];
  const found = have === undefined ? "not installed" : `installed at ${have}`;
  return {
    flags,
    warning: `${t.name}: aegis ui and aegis chat need ${pkg}@${core} (${found}), so this asset carries no terminal UI ` +
      `library. Install it before building (npm install --no-save --force ${pkg}@${core}), or give users the library at run ` +
      `time: OTUI_ASSET_ROOT=<dir> with <dir>/${pkg}/${t.os === "darwin" ? "libopentui.dylib" : t.os === "windows" ? "opentui.dll" : "libopentui.so"}.`,
  };
}
