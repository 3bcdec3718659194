#!/usr/bin/env bun
// The frame rate OpenTUI itself reaches on this machine with aegis's screen settings, for bench/tui-stream.ts's
// baseline: aegis's own screen (src/tui/screen.ts, same renderer options) with one full-width text that changes
// every millisecond, so the renderer always has a new frame to draw. q quits. It must not measure anything itself:
// the bench counts the frames the pane receives.
// Usage (inside a terminal): bun bench/lib/opentui-ceiling.ts

import { openScreen } from "../../src/tui/screen.ts";

const screen = await openScreen({ command: "opentui-ceiling" });
const { TextRenderable } = screen.core;
const text = new TextRenderable(screen.renderer, { content: "ready", width: "100%", height: "100%" });
screen.renderer.root.add(text);
let n = 0;
const timer = setInterval(() => {
  n++;
  text.content = `frame source ${n}\n${"x".repeat(n % 100)}`;
}, 1);
screen.onKey((k) => {
  if (k.name === "q") screen.quit(0);
});
const code = await screen.done;
clearInterval(timer);
process.exit(code);
