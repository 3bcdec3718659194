// NO_COLOR's pass over each frame (#14): every cell gets OpenTUI's "terminal default" foreground and background
// (encoded as SGR 39/49), whatever colour a renderable gave it; attributes are another plane and stay.

import { describe, expect, test } from "bun:test";
import { RGBA } from "@opentui/core";
import { defaultColorsPass } from "../../src/tui/theme.ts";

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
});
