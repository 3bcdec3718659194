// The screen's refusals (#14): no terminal on stdin or stdout is a usage error with where to look instead; OpenTUI's
// native library failing to load becomes an error naming the fix; colours obey NO_COLOR.

import { describe, expect, test } from "bun:test";
import { nativeLoadError, requireTerminal } from "../../src/tui/screen.ts";
import { colorsAllowed, looks } from "../../src/tui/theme.ts";

describe("screen (#14)", () => {
  test("refuses without a terminal, naming the stream and the commands that work without one", () => {
    expect(() => requireTerminal("aegis ui", { stdin: { isTTY: true }, stdout: { isTTY: false } })).toThrow(/aegis ui needs a terminal, and its stdout is not one/);
    try {
      requireTerminal("aegis chat", { stdin: { isTTY: false }, stdout: { isTTY: true } });
      throw new Error("not refused");
    } catch (err) {
      expect(err).toMatchObject({ code: "E_USAGE", message: "aegis chat needs a terminal, and its stdin is not one" });
      expect((err as { hint: string }).hint).toContain("aegis logs");
    }
    expect(() => requireTerminal("aegis ui", { stdin: { isTTY: true }, stdout: { isTTY: true } }, { TERM: "dumb" })).toThrow(/TERM=dumb/);
    expect(() => requireTerminal("aegis ui", { stdin: { isTTY: true }, stdout: { isTTY: true } }, { TERM: "xterm-256color" })).not.toThrow();
  });

  test("a library that cannot be unpacked or loaded, or is missing for the platform, gets a hint; other errors pass", () => {
    const tmp = nativeLoadError(new Error('Failed to initialize OpenTUI render library: Failed to open library "/$bunfs/root/libopentui.so": No such file'), "aegis ui");
    expect(tmp).toMatchObject({ code: "E_STATE" });
    expect(tmp?.hint).toContain("TMPDIR");
    const missing = nativeLoadError(new Error("Cannot find package '@opentui/core-linux-arm64' from '/$bunfs/root/x.js'"), "aegis chat");
    expect(missing?.message).toContain("no terminal UI library for");
    expect(missing?.hint).toContain("OTUI_ASSET_ROOT");
    expect(nativeLoadError(new Error("something else"), "aegis ui")).toBeUndefined();
  });

  test("NO_COLOR (any value) and TERM=dumb turn colours off: styles keep only bold, dim and inverse", () => {
    expect(colorsAllowed({})).toBe(true);
    expect(colorsAllowed({ NO_COLOR: "" })).toBe(false);
    expect(colorsAllowed({ TERM: "dumb" })).toBe(false);
    for (const look of Object.values(looks(false))) {
      expect(look.fg).toBeUndefined();
      expect(look.bg).toBeUndefined();
    }
    expect(looks(false).sel.attrs).toContain("inverse");
  });
});
