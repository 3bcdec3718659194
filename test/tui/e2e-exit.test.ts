// The terminal comes back on every way out of `aegis ui` and `aegis chat` (#14): q, Ctrl-C and SIGTERM each leave
// the pane blank (the alternate screen left), the cursor shown, mouse reporting off and the tty modes as they were
// (`stty -a` before and after). Without a terminal both refuse with a hint and exit 2, writing nothing to stdout. The
// binary is one file: copied alone into an empty folder it draws the dashboard, with OpenTUI's native library
// extracted from inside it. NO_COLOR leaves the screen without colours.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TMUX_MISSING, type Tmux } from "../fixtures/helpers/tmux.ts";
import { waitForPidsGone } from "../fixtures/helpers/wait.ts";
import { aegisBinary, makeProject, openInTmux } from "./e2e-helpers.ts";

let project: string;
const panes: Tmux[] = [];
const scratch: string[] = [];
async function open(args: string[], env: Record<string, string | undefined> = {}, bin?: string): Promise<Tmux> {
  const t = await openInTmux(args, project, env, bin);
  panes.push(t);
  return t;
}
/** The terminal as the program found it: blank pane, main screen, cursor on, no mouse, same tty modes. */
async function expectRestored(t: Tmux): Promise<void> {
  expect(await t.capture()).toBe("");
  expect(await t.modes()).toEqual({ alternateScreen: false, cursorVisible: true, mouse: false });
  const { before, after } = t.stty();
  expect(before).toContain("icanon");
  expect(after).toBe(before);
}

/** The colours an SGR sequence on the screen sets: 38/48 (256 or RGB) and the 8/16 colour codes; 39/49 (default) are none. */
function colours(screen: string): string[] {
  const found: string[] = [];
  // oxlint-disable-next-line no-control-regex -- ESC is what starts an SGR sequence
  for (const m of screen.matchAll(/\x1b\[([0-9;:]*)m/g)) {
    const p = m[1]!.split(/[;:]/).map(Number);
    for (let i = 0; i < p.length; i++) {
      const n = p[i]!;
      if (n === 38 || n === 48) {
        const len = p[i + 1] === 5 ? 3 : p[i + 1] === 2 ? 5 : 1;
        found.push(p.slice(i, i + len).join(";"));
        i += len - 1;
      } else if ((n >= 30 && n <= 37) || (n >= 40 && n <= 47) || (n >= 90 && n <= 97) || (n >= 100 && n <= 107)) found.push(String(n));
    }
  }
  return found;
}

beforeAll(async () => {
  await aegisBinary();
  project = makeProject();
}, 180_000);
afterEach(async () => {
  for (const t of panes.splice(0)) await t.close();
});
afterAll(() => {
  for (const d of [project, ...scratch]) if (d) rmSync(d, { recursive: true, force: true });
});

describe.skipIf(Boolean(TMUX_MISSING))("leaving restores the terminal (#14)", () => {
  test("q leaves the dashboard with 0 and the terminal as it was", async () => {
    const t = await open(["ui"]);
    await t.waitForText("q quit");
    expect((await t.modes()).alternateScreen).toBe(true);
    await t.send(["q"]);
    expect(await t.exitCode()).toBe(0);
    await expectRestored(t);
    expect(t.stderr()).toBe("");
  }, 60_000);

  test("Ctrl-C leaves the dashboard and the chat with 0 and the terminal as it was", async () => {
    for (const args of [["ui"], ["chat"]]) {
      const t = await open(args);
      await t.waitForText(args[0] === "ui" ? "q quit" : "say something");
      await t.send(["C-c"]);
      expect(await t.exitCode()).toBe(0);
      await expectRestored(t);
    }
  }, 60_000);

  test("SIGTERM restores the terminal too, and exits 130 like every interrupted aegis command", async () => {
    for (const args of [["ui"], ["chat", "hang"]]) {
      const t = await open(args);
      await t.waitForText(args[0] === "ui" ? "q quit" : "say something");
      if (args[0] === "chat") {
        await t.type("never answered");
        await t.send(["Enter"]);
        await t.waitForText(/· working ·/); // a turn in flight when the signal comes
      }
      process.kill(await t.programPid(), "SIGTERM");
      expect(await t.exitCode()).toBe(130);
      await expectRestored(t);
    }
  }, 60_000);

  test("the terminal going away (tmux killed, an SSH connection dropped) ends the dashboard and the chat", async () => {
    for (const args of [["ui"], ["chat", "hang"]]) {
      const t = await open(args);
      await t.waitForText(args[0] === "ui" ? "q quit" : "say something");
      const pid = await t.programPid();
      await t.close(); // kills the tmux server: the pty is gone, SIGHUP
      await waitForPidsGone([pid], 10_000);
    }
  }, 60_000);

  test("NO_COLOR: the dashboard and the chat draw in the terminal's own colours only; with colours, never white text (#14)", async () => {
    for (const args of [["ui"], ["chat"]]) {
      for (const noColor of ["1", undefined]) {
        const t = await open(args, { NO_COLOR: noColor });
        await t.waitForText(args[0] === "ui" ? "q quit" : "say something");
        const screen = await t.captureEscapes();
        if (noColor) {
          expect(colours(screen)).toEqual([]);
          if (args[0] === "ui") expect(screen).toContain("\x1b[7m"); // the selected tab: inverse, no colour needed
        } else {
          expect(colours(screen).length).toBeGreaterThan(0);
          // Text and borders given no colour are in the terminal's foreground, not OpenTUI's white (unreadable on a
          // light terminal).
          expect(colours(screen).filter((c) => c === "38;5;15" || c === "38;2;255;255;255" || c === "37" || c === "97")).toEqual([]);
        }
        await t.send(["C-c"]);
        expect(await t.exitCode()).toBe(0);
      }
    }
  }, 60_000);
});

describe("without a terminal (#14)", () => {
  for (const cmd of ["ui", "chat"]) {
    test(`aegis ${cmd} refuses with exit 2, a hint to aegis runs / aegis logs, and nothing on stdout`, async () => {
      const p = Bun.spawn([await aegisBinary(), cmd], { cwd: project, stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } });
      const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
      expect(code).toBe(2);
      expect(stdout).toBe("");
      expect(stderr).toContain(`aegis ${cmd} needs a terminal`);
      expect(stderr).toContain("aegis runs");
      expect(stderr).toContain("aegis logs");
    }, 30_000);
  }
});

describe.skipIf(Boolean(TMUX_MISSING))("one file (#14)", () => {
  test("the binary copied alone into an empty folder draws the dashboard; its native library comes from inside it", async () => {
    const alone = mkdtempSync(join(tmpdir(), "aegis-alone-"));
    const tmp = mkdtempSync(join(tmpdir(), "aegis-alone-tmp-"));
    scratch.push(alone, tmp);
    copyFileSync(await aegisBinary(), join(alone, "aegis"));
    expect(readdirSync(alone)).toEqual(["aegis"]);
    const t = await open(["ui"], { TMPDIR: tmp }, join(alone, "aegis"));
    await t.waitForText("q quit");
    // Bun writes the embedded library to $TMPDIR/.bun-<uid>-<hash>.so and loads it from there.
    const maps = readFileSync(`/proc/${await t.programPid()}/maps`, "utf8");
    const lib = readdirSync(tmp).find((f) => f.endsWith(".so"));
    expect(lib).toBeDefined();
    expect(maps).toContain(join(tmp, lib!));
    expect(maps).not.toContain("node_modules");
    await t.send(["q"]);
    expect(await t.exitCode()).toBe(0);
  }, 60_000);
});
