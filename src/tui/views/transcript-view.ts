// The transcript of one session on screen: a bordered box whose text is the TranscriptPane's visible lines, fed by
// the DataSource's transcript stream (backlog, then every new row). Used by the dashboard's detail pane and by
// `aegis chat`. Keys (when the owner passes them on): ↑/↓ move between items, Enter/Space folds or unfolds,
// PgUp/PgDn scroll, End follows the output again. Draws are coalesced to at most one per frame.

import type { BoxRenderable, KeyEvent, TextRenderable } from "@opentui/core";
import type { Screen } from "../screen.ts";
import type { DataSource } from "../source/model.ts";
import { toStyled, type Line } from "../theme.ts";
import { TranscriptPane } from "../transcript-pane.ts";

export interface TranscriptViewOptions {
  title?: string;
  /** Shown while the session has no rows. */
  empty?: string;
  flexGrow?: number;
}

export class TranscriptView {
  readonly root: BoxRenderable;
  private readonly text: TextRenderable;
  pane = new TranscriptPane();
  private unsubscribe: (() => void) | undefined;
  private sessionId: string | undefined;
  private scheduled: ReturnType<typeof setTimeout> | undefined;
  private empty: string;
  private outer: { width: number; height: number } | undefined;
  /** Lines drawn last, so an unchanged frame costs no text update. */
  private last: Line[] = [];

  constructor(private readonly screen: Screen, o: TranscriptViewOptions = {}) {
    const { BoxRenderable, TextRenderable } = screen.core;
    this.empty = o.empty ?? "no transcript yet";
    this.root = new BoxRenderable(screen.renderer, {
      border: true, borderStyle: "rounded", title: o.title ?? " transcript ", flexGrow: o.flexGrow ?? 1, flexDirection: "column",
    });
    this.text = new TextRenderable(screen.renderer, { content: "", flexGrow: 1, wrapMode: "none" });
    this.root.add(this.text);
  }

  /** The session whose transcript to show (undefined: none); resubscribes only when it changes. */
  show(sessionId: string | undefined, source: DataSource, opts: { title?: string; empty?: string } = {}): void {
    if (opts.title !== undefined) this.root.title = opts.title;
    if (opts.empty !== undefined) this.empty = opts.empty;
    if (sessionId === this.sessionId && this.unsubscribe) return;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.sessionId = sessionId;
    this.pane = new TranscriptPane();
    if (sessionId !== undefined) {
      this.unsubscribe = source.transcript(sessionId, (rows) => {
        this.pane.apply(rows);
        this.schedule();
      });
    }
    this.schedule();
  }

  get shownSession(): string | undefined {
    return this.sessionId;
  }

  /** Handles a navigation key; returns whether it was one. */
  key(k: KeyEvent): boolean {
    switch (k.name) {
      case "up": this.pane.moveCursor(-1); break;
      case "down": this.pane.moveCursor(1); break;
      case "return": case "enter": case "space": this.pane.toggle(); break;
      case "pageup": this.pane.page(-1); break;
      case "pagedown": this.pane.page(1); break;
      case "end": this.pane.moveCursor(Number.MAX_SAFE_INTEGER); break;
      default: return false;
    }
    this.schedule();
    return true;
  }

  /**
   * Draws now (the owner calls it after a resize). `outer` is the box's size when the owner knows it before the
   * layout pass does (it just changed the boxes around it); it is kept for later draws.
   */
  draw(outer?: { width: number; height: number }): void {
    this.scheduled = undefined;
    if (outer) this.outer = outer;
    if (this.screen.renderer.isDestroyed) return;
    const width = Math.max(10, (this.outer?.width ?? (this.root.width || this.screen.renderer.width)) - 2);
    const height = Math.max(1, (this.outer?.height ?? (this.root.height || this.screen.renderer.height)) - 2);
    const lines = this.pane.render(width, height, this.empty);
    if (sameLines(lines, this.last)) return;
    this.last = lines;
    this.text.content = toStyled(this.screen.core, lines);
  }

  schedule(): void {
    this.scheduled ??= setTimeout(() => this.draw(), 16);
  }

  destroy(): void {
    this.unsubscribe?.();
    if (this.scheduled !== undefined) clearTimeout(this.scheduled);
    this.root.destroyRecursively();
  }
}

function sameLines(a: readonly Line[], b: readonly Line[]): boolean {
  return a.length === b.length && a.every((l, i) => l === b[i]);
}
