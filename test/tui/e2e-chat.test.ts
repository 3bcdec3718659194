// `aegis chat` end to end, the compiled binary in a tmux pane (#14): a message typed and sent with Enter gets the
// Scripted agent's reply on screen; Esc interrupts a turn that would never end; /quit and Ctrl-C leave with exit 0
// and a clean pane; two chats and a dashboard run side by side on one project; a misspelt agent is refused.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TMUX_MISSING, type Tmux } from "../fixtures/helpers/tmux.ts";
import { aegisBinary, makeProject, openInTmux, selectRow } from "./e2e-helpers.ts";

let project: string;
const panes: Tmux[] = [];
async function chat(args: string[] = []): Promise<Tmux> {
  const t = await openInTmux(["chat", ...args], project);
  panes.push(t);
  return t;
}
/** The handle in the transcript box's title: `╭─ echo · noble-babbage ─`. */
async function handleOf(t: Tmux): Promise<string> {
  const screen = await t.waitForText(/─ \w+ · [a-z]+-[a-z]+ ─/);
  return /─ \w+ · ([a-z]+-[a-z]+) ─/.exec(screen)![1]!;
}

beforeAll(async () => {
  if (TMUX_MISSING) return;
  await aegisBinary();
  project = makeProject();
}, 180_000);
afterEach(async () => {
  for (const t of panes.splice(0)) await t.close();
});
afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

describe.skipIf(Boolean(TMUX_MISSING))("aegis chat in tmux (#14)", () => {
  test("Enter sends the typed message to the default agent and its reply streams in; /quit leaves with 0 (#14)", async () => {
    const t = await chat();
    await t.waitForText(/aegis chat · echo \(scripted\) · [a-z]+-[a-z]+ · (starting|ready) · 0 in \/ 0 out/);
    await t.waitForText("say something");
    await t.type("hello there");
    await t.send(["Enter"]);
    await t.waitForText("reply 1: hello there");
    let screen = await t.waitForText(/turn 1: \d+ in \/ \d+ out/);
    // Streamed live and then read back from the database: each row is shown once.
    const times = (text: string) => screen.split(text).length - 1;
    expect(times("you › hello there")).toBe(1);
    expect(times("reply 1: hello there")).toBe(1);
    await t.type("and again");
    await t.send(["Enter"]);
    screen = await t.waitForText("reply 2: and again");
    expect(screen.indexOf("reply 1: hello there")).toBeLessThan(screen.indexOf("reply 2: and again"));
    await t.type("/quit");
    await t.send(["Enter"]);
    expect(await t.exitCode()).toBe(0);
    expect(await t.capture()).toBe("");
    expect(t.stderr()).toBe("");
  }, 60_000);

  test("Esc interrupts a turn that would never end, the chat goes on, and Ctrl-C leaves with 0 (#14)", async () => {
    const t = await chat(["hang"]);
    await t.waitForText("say something");
    await t.type("wait for me");
    await t.send(["Enter"]);
    await t.waitForText(/· working ·/);
    await t.send(["Escape"]);
    const screen = await t.waitForText("interrupted");
    expect(screen).toMatch(/turn 1: .*cancelled/);
    expect(screen).toContain("interrupt sent");
    // The session takes the next message after an interrupted turn.
    await t.type("once more");
    await t.send(["Enter"]);
    await t.waitForText("you › once more");
    await t.waitForText(/· working ·/);
    await t.send(["C-c"]);
    expect(await t.exitCode()).toBe(0);
    expect(await t.capture()).toBe("");
  }, 60_000);

  test("two chats and a dashboard run side by side on one project; the dashboard messages a chat's session; each chat's session ends with it (#14)", async () => {
    const a = await chat();
    const b = await chat(["echo"]);
    const [ha, hb] = [await handleOf(a), await handleOf(b)];
    expect(ha).not.toBe(hb);
    await a.type("from a");
    await b.type("from b");
    await a.send(["Enter"]);
    await b.send(["Enter"]);
    expect(await a.waitForText("reply 1: from a")).not.toContain("from b");
    expect(await b.waitForText("reply 1: from b")).not.toContain("from a");

    const ui = await openInTmux(["ui"], project);
    panes.push(ui);
    const screen = await ui.waitForText(hb);
    expect(screen).toMatch(new RegExp(`${ha}\\s+echo\\s+\\w+\\s.*reply 1: from a`));
    expect(screen).toMatch(new RegExp(`${hb}\\s+echo\\s+\\w+\\s.*reply 1: from b`));

    // A message from the dashboard reaches chat b's session through its inbox (b's process hosts it).
    await ui.waitForText("q quit");
    await selectRow(ui, hb);
    await ui.send(["m"]);
    await ui.waitForText(`message to ${hb}`);
    await ui.type("from the dashboard");
    await ui.send(["Enter"]);
    await ui.waitForText(new RegExp(`(sent to|queued for) ${hb}`));
    expect(await b.waitForText("reply 2: from the dashboard")).toContain("you › from the dashboard");

    await a.send(["C-c"]);
    expect(await a.exitCode()).toBe(0);
    await ui.waitForText(new RegExp(`${ha}\\s+echo\\s+closed`));
    expect(await b.capture()).toContain("reply 1: from b"); // the other chat is untouched
    await b.type("/quit");
    await b.send(["Enter"]);
    expect(await b.exitCode()).toBe(0);
    await ui.send(["q"]);
    expect(await ui.exitCode()).toBe(0);
  }, 90_000);

  test("a misspelt agent is refused before the screen opens: exit 2, the known agents named (#14)", async () => {
    const t = await chat(["ehco"]);
    expect(await t.exitCode()).toBe(2);
    expect(t.stderr()).toContain('unknown agent "ehco"');
    expect(t.stderr()).toContain("echo, hang");
    expect(await t.capture()).toBe("");
  }, 30_000);

  test("an agent whose CLI is missing: the screen closes, then exit 2 with the install hint (#14)", async () => {
    const missing = mkdtempSync(join(tmpdir(), "aegis-tui-missing-"));
    try {
      writeFileSync(join(missing, ".aegis.ts"), `import { defineConfig, ClaudeCode } from "aegis";
export default defineConfig({ agents: { impl: { provider: new ClaudeCode({ model: "opus", bin: "/nonexistent/claude" }) } } });
`);
      const t = await openInTmux(["chat", "impl"], missing);
      panes.push(t);
      expect(await t.exitCode()).toBe(2);
      expect(t.stderr()).toContain("Claude Code CLI not found or not executable at /nonexistent/claude");
      expect(t.stderr()).toContain("hint: install Claude Code");
      expect(await t.capture()).toBe("");
      expect((await t.modes()).alternateScreen).toBe(false);
    } finally {
      rmSync(missing, { recursive: true, force: true });
    }
  }, 30_000);
});
