// Merging a transcript read from the database with the rows a serve streams (#14): each row once, in order, whichever
// source brings it first; a streamed row after a gap waits for the database to fill the gap.

import { describe, expect, test } from "bun:test";
import type { TranscriptRow } from "../../src/tui/source/model.ts";
import { TranscriptMerge, type StreamedRow } from "../../src/tui/source/transcript-merge.ts";

const text = (t: string) => ({ type: "text" as const, text: t });
const stored = (id: number, t: string): TranscriptRow => ({ id, sessionId: "ses_1", turn: 1, at: 0, event: text(t) });
const streamed = (ordinal: number, t: string): StreamedRow => ({ ordinal, turn: 1, at: 0, event: text(t) });

function merge() {
  const got: TranscriptRow[] = [];
  const m = new TranscriptMerge("ses_1", (rows) => got.push(...rows));
  const texts = () => got.map((r) => (r.event.type === "text" ? r.event.text : "?"));
  return { m, got, texts };
}

describe("transcript merge (#14)", () => {
  test("streamed rows come first; their stored copies are skipped, later stored rows still come", () => {
    const { m, got, texts } = merge();
    m.fromStore([stored(10, "a")]);
    m.fromStream(streamed(1, "b"));
    m.fromStream(streamed(2, "c"));
    m.fromStore([stored(14, "b"), stored(15, "c"), stored(17, "d")]);
    expect(texts()).toEqual(["a", "b", "c", "d"]);
    expect(got.map((r) => r.id)).toEqual([10, -2, -3, 17]);
    expect(m.lastId).toBe(17);
  });

  test("a streamed row after a gap (the watch began mid-turn) waits until the database fills the gap", () => {
    const { m, texts } = merge();
    m.fromStream(streamed(2, "c"));
    m.fromStream(streamed(3, "d"));
    expect(texts()).toEqual([]);
    m.fromStore([stored(1, "a"), stored(2, "b")]);
    expect(texts()).toEqual(["a", "b", "c", "d"]);
    m.fromStore([stored(3, "c"), stored(4, "d"), stored(5, "e")]);
    expect(texts()).toEqual(["a", "b", "c", "d", "e"]);
  });

  test("a row repeated by the stream or arriving late from it is dropped", () => {
    const { m, texts } = merge();
    m.fromStream(streamed(0, "a"));
    m.fromStream(streamed(0, "a"));
    m.fromStore([stored(1, "a"), stored(2, "b")]);
    m.fromStream(streamed(1, "b"));
    expect(texts()).toEqual(["a", "b"]);
  });
});
