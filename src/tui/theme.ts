// What the UI draws, as plain data: a line is a list of spans, each with a style name. Views build lines (and can be
// tested without a terminal); `toStyled` turns them into OpenTUI styled text at the edge, choosing colours here only.
// NO_COLOR (or TERM=dumb) keeps every span in the terminal's own colours: emphasis is then bold, dim and inverse only.

import type { OpenTui } from "./screen.ts";

export type Style = "plain" | "dim" | "bold" | "accent" | "ok" | "warn" | "err" | "sel" | "key" | "title";

export interface Span {
  text: string;
  style?: Style;
}

export type Line = Span[];

export const span = (text: string, style: Style = "plain"): Span => ({ text, style });

/** Whether colours may be used (NO_COLOR is honoured whatever its value, as no-color.org says). */
export function colorsAllowed(env: Record<string, string | undefined> = process.env): boolean {
  return env.NO_COLOR === undefined && env.TERM !== "dumb";
}

interface Look {
  fg?: string;
  bg?: string;
  attrs: ("bold" | "dim" | "inverse" | "underline")[];
}

const COLOR: Record<Style, Look> = {
  plain: { attrs: [] },
  dim: { fg: "#8a8a8a", attrs: [] },
  bold: { attrs: ["bold"] },
  accent: { fg: "#5fafff", attrs: [] },
  ok: { fg: "#5fd75f", attrs: [] },
  warn: { fg: "#ffaf00", attrs: [] },
  err: { fg: "#ff5f5f", attrs: ["bold"] },
  sel: { fg: "#000000", bg: "#5fafff", attrs: [] },
  key: { fg: "#ffd75f", attrs: ["bold"] },
  title: { fg: "#5fafff", attrs: ["bold"] },
};

const MONO: Record<Style, Look> = {
  plain: { attrs: [] },
  dim: { attrs: ["dim"] },
  bold: { attrs: ["bold"] },
  accent: { attrs: [] },
  ok: { attrs: [] },
  warn: { attrs: ["bold"] },
  err: { attrs: ["bold"] },
  sel: { attrs: ["inverse"] },
  key: { attrs: ["bold"] },
  title: { attrs: ["bold"] },
};

export function looks(colors = colorsAllowed()): Record<Style, Look> {
  return colors ? COLOR : MONO;
}

/** A cell plane as OpenTUI's post-process sees it: four 16-bit values per cell (RGBA, each with a byte of meta). */
export interface CellPlanes {
  fg: Uint16Array;
  bg: Uint16Array;
}

/**
 * Under NO_COLOR: every cell in the terminal's own foreground and background (SGR 39/49), attributes kept. OpenTUI
 * paints an explicit white (38;2;255;255;255) wherever no colour is given (text, borders, the input, the cleared
 * screen), white on white on a light terminal; this pass, run on each frame before it is encoded, rewrites the
 * colours of every cell to OpenTUI's "terminal default" colours. `fg`/`bg` are the 4 values of those two colours.
 */
export function defaultColorsPass(fg: Uint16Array, bg: Uint16Array): (planes: CellPlanes) => void {
  const [f0, f1, f2, f3] = fg as unknown as [number, number, number, number];
  const [b0, b1, b2, b3] = bg as unknown as [number, number, number, number];
  return ({ fg: f, bg: b }) => {
    for (let i = 0; i + 3 < f.length; i += 4) {
      f[i] = f0; f[i + 1] = f1; f[i + 2] = f2; f[i + 3] = f3;
    }
    for (let i = 0; i + 3 < b.length; i += 4) {
      b[i] = b0; b[i + 1] = b1; b[i + 2] = b2; b[i + 3] = b3;
    }
  };
}

/**
 * With colours: cells OpenTUI paints in its own default white (text and borders we give no colour) get the
 * terminal's foreground instead, so a light terminal shows them (white on white otherwise). The palette above never
 * uses pure white, so only those cells match `white` (OpenTUI's RGB white, 4 values).
 */
export function terminalForegroundPass(white: Uint16Array, fg: Uint16Array): (planes: CellPlanes) => void {
  const [w0, w1, w2, w3] = white as unknown as [number, number, number, number];
  const [f0, f1, f2, f3] = fg as unknown as [number, number, number, number];
  return ({ fg: f }) => {
    for (let i = 0; i + 3 < f.length; i += 4) {
      if (f[i] === w0 && f[i + 1] === w1 && f[i + 2] === w2 && f[i + 3] === w3) {
        f[i] = f0; f[i + 1] = f1; f[i + 2] = f2; f[i + 3] = f3;
      }
    }
  };
}

/** Plain text of lines (tests, and the width arithmetic). */
export function plainText(lines: readonly Line[]): string {
  return lines.map((l) => l.map((s) => s.text).join("")).join("\n");
}

/** Cuts a string to `width` columns (one column per UTF-16 unit is close enough for our ASCII-heavy text), with "…". */
export function fit(text: string, width: number): string {
  const flat = text.replace(/\s*\n\s*/g, " ⏎ ");
  if (width <= 0) return "";
  return flat.length <= width ? flat : `${flat.slice(0, Math.max(0, width - 1))}…`;
}

export function pad(text: string, width: number): string {
  const t = fit(text, width);
  return t.length >= width ? t : t + " ".repeat(width - t.length);
}

/** Lines → OpenTUI styled text (one text node per frame region). Colours are parsed once per style. */
export function toStyled(core: OpenTui, lines: readonly Line[], colors = colorsAllowed()): InstanceType<OpenTui["StyledText"]> {
  const styles = chunkStyles(core, colors);
  const chunks: import("@opentui/core").TextChunk[] = [];
  lines.forEach((line, i) => {
    for (const s of line) if (s.text) chunks.push({ __isChunk: true, text: s.text, ...styles[s.style ?? "plain"] });
    if (i < lines.length - 1) chunks.push({ __isChunk: true, text: "\n" });
  });
  return new core.StyledText(chunks);
}

type ChunkStyle = Pick<import("@opentui/core").TextChunk, "fg" | "bg" | "attributes">;
const styleCache = new Map<boolean, Record<Style, ChunkStyle>>();

function chunkStyles(core: OpenTui, colors: boolean): Record<Style, ChunkStyle> {
  let cached = styleCache.get(colors);
  if (cached) return cached;
  cached = {} as Record<Style, ChunkStyle>;
  for (const [name, l] of Object.entries(looks(colors)) as [Style, Look][]) {
    const attributes = core.createTextAttributes({
      bold: l.attrs.includes("bold"), dim: l.attrs.includes("dim"), inverse: l.attrs.includes("inverse"), underline: l.attrs.includes("underline"),
    });
    cached[name] = { ...(l.fg ? { fg: core.parseColor(l.fg) } : {}), ...(l.bg ? { bg: core.parseColor(l.bg) } : {}), attributes };
  }
  styleCache.set(colors, cached);
  return cached;
}
