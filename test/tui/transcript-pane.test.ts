// The transcript pane (#14): following shows the newest lines (laying out only the items they come from), a page up
// while following scrolls back through the whole transcript, moving past the last item follows again.

import { describe, expect, test } from "bun:test";
import type { TranscriptRow } from "../../src/tui/source/model.ts";
import { plainText } from "../../src/tui/theme.ts";
import { TranscriptPane } from "../../src/tui/transcript-pane.ts";

function pane(turns: number): TranscriptPane {
  const p = new TranscriptPane();
  const rows: TranscriptRow[] = [];
  let id = 0;
  for (let t = 1; t <= turns; t++) {
    rows.push({ id: ++id, sessionId: "s", turn: t, at: 0, event: { type: "prompt", text: `question ${t}` } });
    rows.push({ id: ++id, sessionId: "s", turn: t, at: 0, event: { type: "text", text: `answer ${t}` } });
  }
  p.apply(rows);
  return p;
}

describe("transcript pane (#14)", () => {
  test("following shows the last lines of a long transcript", () => {
    const p = pane(5000);
    const shown = plainText(p.render(60, 4));
    expect(shown.split("\n")).toHaveLength(4);
    expect(shown).toContain("question 5000");
    expect(shown).toContain("answer 5000");
    expect(shown).toContain("answer 4999");
  });

  test("page up while following scrolls back a page; moving past the last item follows again", () => {
    const p = pane(50);
    p.render(60, 10);
    p.page(-1);
    const up = plainText(p.render(60, 10));
    expect(up).not.toContain("answer 50");
    expect(p.follow).toBe(false);
    p.moveCursor(Number.MAX_SAFE_INTEGER);
    expect(plainText(p.render(60, 10))).toContain("answer 50");
    expect(p.follow).toBe(true);
  });

  test("the cursor walks items from the end and stays on screen", () => {
    const p = pane(50);
    p.render(60, 6);
    for (let i = 0; i < 20; i++) p.moveCursor(-1);
    const shown = plainText(p.render(60, 6));
    expect(shown).toContain("▶");
    expect(shown).toContain("40");
  });
});
