// The dashboard's footer of keys fits the terminal's width (#14): at 80 and 100 columns the least important hints are
// left out whole (never cut in the middle) and "? help" (where they are all explained) ends the line; at 160 every
// hint shows.

import { describe, expect, test } from "bun:test";
import type { Mode } from "../../src/tui/dashboard/controller.ts";
import { footerLines } from "../../src/tui/dashboard/panels.ts";
import { plainText } from "../../src/tui/theme.ts";

const LIST = ["q quit", "↑↓ select", "⏎ open", "1-5/⇥ tab", "m message", "i interrupt", "n/N spawn", "d close", "c cancel", "a answer"];
const DETAIL = ["q quit", "esc back", "↑↓ item", "⏎/space fold", "PgUp/Dn scroll", "End follow", "m message", "i interrupt"];

/** The hints of the footer's key line, as "key what" strings. */
function hints(mode: Mode, width: number): { line: string; shown: string[] } {
  const line = plainText(footerLines(mode, undefined, width).slice(1)).trimEnd();
  return { line, shown: line.trim().split(/ {2}/).map((h) => h.trim()) };
}

describe("the footer fits the width (#14)", () => {
  for (const [name, mode, all] of [["list", { kind: "list" }, LIST], ["detail", { kind: "detail" }, DETAIL]] as const) {
    for (const width of [80, 100, 160]) {
      test(`${name} at ${width} columns: whole hints only, the essential ones kept, "? help" last`, () => {
        const { line, shown } = hints(mode, width);
        expect(line.length).toBeLessThanOrEqual(width);
        expect(shown.at(-1)).toBe("? help");
        for (const h of shown.slice(0, -1)) expect(all).toContain(h); // none cut short
        for (const essential of ["q quit", "m message", "i interrupt"]) expect(shown).toContain(essential);
        // Order kept: the hints shown appear in the order of the full list.
        const order = shown.slice(0, -1).map((h) => all.indexOf(h));
        expect(order).toEqual([...order].sort((a, b) => a - b));
        if (width >= 160) expect(shown.slice(0, -1)).toEqual([...all]);
      });
    }
  }

  test("at 100 columns the list footer keeps cancel, answer and spawn, which used to be cut after \"i interrupt\"", () => {
    const { shown } = hints({ kind: "list" }, 100);
    expect(shown).toEqual(expect.arrayContaining(["⏎ open", "c cancel", "a answer", "n/N spawn"]));
  });
});
