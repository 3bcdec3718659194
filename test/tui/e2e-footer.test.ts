// The dashboard's footer of keys on the real binary at 80, 100 and 160 columns (#14): it ends with "? help" and
// shows no hint cut short; at 100 columns it used to stop after "i interrupt" (no spawn, cancel, answer or help).
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { TMUX_MISSING, Tmux } from "../fixtures/helpers/tmux.ts";
import { aegisBinary, makeProject } from "./e2e-helpers.ts";

let project: string;
const panes: Tmux[] = [];

beforeAll(async () => {
  await aegisBinary();
  project = makeProject();
}, 180_000);
afterEach(async () => {
  for (const t of panes.splice(0)) await t.close();
});
afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

describe.skipIf(Boolean(TMUX_MISSING))("the footer fits the terminal (#14)", () => {
  for (const width of [80, 100, 160]) {
    test(`at ${width} columns the key line ends with "? help", every hint whole`, async () => {
      const t = new Tmux();
      panes.push(t);
      await t.start([await aegisBinary(), "ui"], { cwd: project, env: { NO_COLOR: "1" }, width, height: 24 });
      const screen = await t.waitForText("? help");
      const keys = screen.split("\n").at(-1)!;
      expect(keys.trimEnd().endsWith("? help")).toBe(true);
      expect(keys).toContain("q quit");
      expect(keys).toContain("i interrupt");
      expect(keys).not.toContain("…");
      if (width >= 100) expect(keys).toContain("c cancel");
      if (width >= 160) expect(keys).toContain("d close");
      await t.send(["q"]);
      expect(await t.exitCode()).toBe(0);
    }, 60_000);
  }
});
