// The passes over each frame (#14): under NO_COLOR every cell gets OpenTUI's "terminal default" foreground and
// background (encoded as SGR 39/49), whatever colour a renderable gave it; with colours, only OpenTUI's own default
// white (text and borders given no colour) becomes the terminal's foreground. Attributes are another plane and stay.

import { describe, expect, test } from "bun:test";
import { RGBA } from "@opentui/core";
import { defaultColorsPass, terminalForegroundPass } from "../../src/tui/theme.ts";

describe("NO_COLOR frame pass (#14)", () => {
  test("white text, a coloured span and a selected (inverse) cell all end in the default colours", () => {
    const cells = [RGBA.fromInts(255, 255, 255), RGBA.fromHex("#5fafff"), RGBA.fromInts(0, 0, 0, 0)];
    const fg = new Uint16Array(cells.length * 4);
    const bg = new Uint16Array(cells.length * 4);
    cells.forEach((c, i) => {
      fg.set(c.buffer, i * 4);
      bg.set(RGBA.fromHex("#5fafff").buffer, i * 4);
    });
    defaultColorsPass(RGBA.defaultForeground().buffer, RGBA.defaultBackground().buffer)({ fg, bg });
    for (let i = 0; i < cells.length; i++) {
      expect(new RGBA(fg.subarray(i * 4, i * 4 + 4)).intent).toBe("default");
      expect(new RGBA(bg.subarray(i * 4, i * 4 + 4)).intent).toBe("default");
    }
  });

  test("with colours, only OpenTUI's default white becomes the terminal's foreground; palette colours stay", () => {
    const cells = [RGBA.fromInts(255, 255, 255), RGBA.fromHex("#5fafff"), RGBA.fromHex("#000000")];
    const fg = new Uint16Array(cells.length * 4);
    cells.forEach((c, i) => fg.set(c.buffer, i * 4));
    terminalForegroundPass(RGBA.fromInts(255, 255, 255, 255).buffer, RGBA.defaultForeground().buffer)({ fg, bg: new Uint16Array(fg.length) });
    const at = (i: number) => new RGBA(fg.subarray(i * 4, i * 4 + 4));
    expect(at(0).intent).toBe("default");
    expect([at(1).intent, at(1).toInts()]).toEqual(["rgb", [0x5f, 0xaf, 0xff, 255]]);
    expect([at(2).intent, at(2).toInts()]).toEqual(["rgb", [0, 0, 0, 255]]);
  });
});
