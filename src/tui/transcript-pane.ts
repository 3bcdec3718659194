// The transcript pane's state, without a terminal: which items are expanded, where the cursor is, how far it is
// scrolled, and whether it follows new output (it does until the user moves up, and again once back at the end).
// `render(width, height)` gives the visible lines. The OpenTUI view (views/transcript-view.ts) and `aegis chat` draw it.

import { FOLDABLE, layoutTail, layoutTranscript, TranscriptModel, type LayoutCache } from "./transcript-model.ts";
import type { TranscriptRow } from "./source/model.ts";
import { span, type Line } from "./theme.ts";

export class TranscriptPane {
  readonly model = new TranscriptModel();
  private readonly expanded = new Set<number>();
  private readonly cache: LayoutCache = new Map();
  /** The key of the item under the cursor; undefined = no cursor (following the end). */
  cursor: number | undefined;
  /** First visible line when not following. */
  private top = 0;
  follow = true;
  /** A scroll asked for while following, applied by the next render (which lays out the whole transcript). */
  private pendingScroll = 0;
  private lastHeight = 10;
  private lastTotal = 0;

  apply(rows: readonly TranscriptRow[]): void {
    this.model.apply(rows);
  }

  /** Moves the cursor to the previous (-1) or next (+1) item; moving past the last one follows the end again. */
  moveCursor(delta: number): void {
    const items = this.model.items;
    if (items.length === 0) return;
    let i = this.cursor === undefined ? items.length : items.findIndex((it) => it.key === this.cursor);
    i = Math.max(0, i + delta);
    if (i >= items.length) {
      this.cursor = undefined;
      this.follow = true;
      return;
    }
    this.cursor = items[i]!.key;
    this.follow = false;
  }

  /** Expands or collapses the item under the cursor (thinking, tool calls); with no cursor, the last foldable one. */
  toggle(): void {
    const key = this.cursor ?? [...this.model.items].reverse().find((it) => FOLDABLE.has(it.kind))?.key;
    if (key === undefined) return;
    if (this.expanded.has(key)) this.expanded.delete(key);
    else this.expanded.add(key);
  }

  scrollBy(lines: number): void {
    // Following, only the tail was laid out: the next render lays out everything and applies the scroll.
    if (this.follow) {
      if (lines < 0) this.pendingScroll += lines;
      return;
    }
    const maxTop = Math.max(0, this.lastTotal - this.lastHeight);
    this.top = Math.min(maxTop, Math.max(0, this.top + lines));
    this.follow = this.top >= maxTop;
    if (this.follow) this.cursor = undefined;
  }

  page(dir: 1 | -1): void {
    this.scrollBy(dir * Math.max(1, this.lastHeight - 2));
  }

  render(width: number, height: number, empty = "no transcript yet"): Line[] {
    this.lastHeight = height;
    const opts = { width, expanded: this.expanded };
    if (this.follow && this.cursor === undefined && this.pendingScroll === 0) {
      const tail = layoutTail(this.model.items, opts, height, this.cache);
      return tail.length ? tail : [[span(empty, "dim")]];
    }
    const { lines, owners } = layoutTranscript(this.model.items, { width, expanded: this.expanded, ...(this.cursor !== undefined ? { cursor: this.cursor } : {}) }, this.cache);
    this.lastTotal = lines.length;
    if (lines.length === 0) return [[span(empty, "dim")]];
    const maxTop = Math.max(0, lines.length - height);
    if (this.pendingScroll !== 0) {
      this.top = Math.max(0, maxTop + this.pendingScroll);
      this.pendingScroll = 0;
      this.follow = this.top >= maxTop;
    } else if (this.follow) this.top = maxTop;
    else if (this.cursor !== undefined) {
      // Keep the cursor's item on screen.
      const first = owners.indexOf(this.cursor);
      const last = owners.lastIndexOf(this.cursor);
      if (first >= 0 && first < this.top) this.top = first;
      else if (last >= this.top + height) this.top = Math.min(first, last - height + 1);
    }
    this.top = Math.min(Math.max(0, this.top), maxTop);
    return lines.slice(this.top, this.top + height);
  }
}
