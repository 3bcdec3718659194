// Which OpenTUI native package a build embeds and which it leaves external (#14): decided from what is installed in a
// checkout's node_modules, here a fake one, so the rule is checked for every platform without cross-building.
import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nativePackage, nativePlan } from "../../scripts/opentui-native.ts";
import { TARGETS } from "../../scripts/release/targets.ts";

const root = mkdtempSync(join(tmpdir(), "aegis-opentui-native-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function install(pkg: string, version: string): void {
  mkdirSync(join(root, "node_modules", pkg), { recursive: true });
  writeFileSync(join(root, "node_modules", pkg, "package.json"), JSON.stringify({ name: pkg, version }));
}

const target = (name: string) => TARGETS.find((t) => t.name === name)!;

test("each release target maps to the package OpenTUI's loader imports there (#14)", () => {
  expect(nativePackage(target("linux-x64"))).toBe("@opentui/core-linux-x64");
  expect(nativePackage(target("linux-arm64-musl"))).toBe("@opentui/core-linux-arm64"); // glibc import unless OPENTUI_LIBC=musl
  expect(nativePackage(target("darwin-arm64"))).toBe("@opentui/core-darwin-arm64");
  expect(nativePackage(target("windows-x64"))).toBe("@opentui/core-win32-x64");
});

test("without @opentui/core installed a build needs no flag (#14)", () => {
  expect(nativePlan(target("linux-arm64"), root)).toEqual({ flags: [] });
});

test("the installed platform package is embedded; a missing or mismatched one is external with a warning naming the fix (#14)", () => {
  install("@opentui/core", "0.8.1");
  install("@opentui/core-linux-x64", "0.8.1");
  install("@opentui/core-darwin-arm64", "0.4.5");
  expect(nativePlan(target("linux-x64"), root)).toEqual({ flags: [], embedded: "@opentui/core-linux-x64" });
  expect(nativePlan(target("linux-x64-musl"), root).embedded).toBe("@opentui/core-linux-x64");

  const arm = nativePlan(target("linux-arm64"), root);
  expect(arm.flags).toEqual(["--external", "@opentui/core-linux-arm64"]);
  expect(arm.embedded).toBeUndefined();
  expect(arm.warning).toContain("@opentui/core-linux-arm64@0.8.1 (not installed)");
  expect(arm.warning).toContain("npm install --no-save --force @opentui/core-linux-arm64@0.8.1");
  expect(arm.warning).toContain("OTUI_ASSET_ROOT=<dir> with <dir>/@opentui/core-linux-arm64/libopentui.so");

  const mac = nativePlan(target("darwin-arm64"), root);
  expect(mac.flags).toEqual(["--external", "@opentui/core-darwin-arm64"]);
  expect(mac.warning).toContain("(installed at 0.4.5)");
  expect(mac.warning).toContain("libopentui.dylib");
});
