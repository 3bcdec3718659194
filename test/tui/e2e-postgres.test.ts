// `aegis ui` and `aegis chat` on a project whose state is on PostgreSQL (#15), the compiled binary in a tmux pane:
// the dashboard lists the sessions, queue, run and task other aegis processes write to the database, a message typed
// in it reaches a session another process hosts, its interrupt stops a turn there, and it cancels a task; with a
// serve it lists the schedules and answers a parked run; the chat sends a message and shows the reply. No SQLite
// state file is written.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TMUX_MISSING, type Tmux } from "../fixtures/helpers/tmux.ts";
import { freshDatabase, pgAvailability, sharedPostgres } from "../helpers/postgres.ts";
import { aegis, aegisBinary, background, makeProject, openInTmux, selectRow, spawnedHandles, untilErr, type Background } from "./e2e-helpers.ts";

const pg = pgAvailability();
const skip = Boolean(TMUX_MISSING) || !pg.ok;
if (skip) console.warn(`tui e2e on PostgreSQL: skipped: ${TMUX_MISSING ?? (pg.ok ? "" : pg.reason)}`);

let project: string;
const cleanup: (() => Promise<void>)[] = [];
async function track<T extends Tmux | Background>(x: T): Promise<T> {
  cleanup.push(() => ("close" in x ? x.close() : x.stop()));
  return x;
}

beforeAll(async () => {
  if (skip) return;
  const [, url] = await Promise.all([aegisBinary(), sharedPostgres().then(freshDatabase)]);
  project = makeProject();
  const config = join(project, ".aegis.ts");
  writeFileSync(config, readFileSync(config, "utf8").replace(`defaultAgent: "echo",`, `defaultAgent: "echo",\n  store: { url: ${JSON.stringify(url)} },`));
}, 180_000);
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
}, 60_000);
afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

describe.skipIf(skip)("aegis ui and aegis chat on PostgreSQL (#15)", () => {
  test("the dashboard shows what other processes write, and its message, interrupt and cancel act on them (#15)", async () => {
    const run = await track(await background(["run", "watch"], project));
    const handles = spawnedHandles(await untilErr(run, /session \S+ \(hang\) spawned/));
    const enq = await aegis(["enqueue", "q", "task one", "--json"], project);
    expect(enq.code, enq.stderr).toBe(0);
    const taskId = (JSON.parse(enq.stdout) as { taskId: string }).taskId;

    const ui = await track(await openInTmux(["ui"], project));
    await ui.waitForText("q quit");
    let screen = await ui.waitForText(handles.hang!);
    expect(screen).toMatch(new RegExp(`${handles.echo}\\s+echo\\s+ready`));
    expect(screen).toMatch(new RegExp(`${handles.hang}\\s+hang\\s+working`));
    expect(screen).toContain("reply 1: look at the plan");
    await ui.send(["2"]);
    await ui.waitForText(/q\s+1\s+0\s+0/);
    await ui.send(["3"]);
    await ui.waitForText("─ runs ─");
    screen = await ui.waitForText(/watch\s+running/);
    await ui.waitForText(`send ${handles.hang} "wait for a signal"`);

    // A message to the echo session, which lives in the `aegis run` process: delivered through the database.
    await ui.send(["1"]);
    await ui.waitForText("─ sessions ─"); // the list's own title: the tab bar shows "sessions (n)" on every tab
    await selectRow(ui, handles.echo!);
    await ui.send(["m"]);
    await ui.waitForText(`message to ${handles.echo}`);
    await ui.type("from the dashboard");
    await ui.send(["Enter"]);
    await ui.waitForText("reply 2: from the dashboard");

    // Interrupt the hang session's turn in that process: the run goes on to its end.
    await selectRow(ui, handles.hang!);
    await ui.send(["i"]);
    await ui.waitForText(`interrupt sent to the process hosting ${handles.hang}`);
    await untilErr(run, /watch done|✓ watch/);
    expect(await run.p.exited).toBe(0);
    await ui.send(["3"]);
    await ui.waitForText(/watch\s+done/);

    // Cancel the pending task nobody works on.
    await ui.send(["4"]);
    await ui.waitForText("─ tasks ─");
    await ui.waitForText(new RegExp(`${taskId}\\s+q\\s+pending`));
    await selectRow(ui, taskId);
    await ui.send(["c"]);
    await ui.waitForText(`cancel task ${taskId} (pending)? y/n`);
    await ui.send(["y"]);
    await ui.waitForText(new RegExp(`${taskId}\\s+q\\s+cancelled`));
    const tasks = await aegis(["tasks", "--json"], project);
    expect((JSON.parse(tasks.stdout) as { taskId: string; status: string }[]).find((t) => t.taskId === taskId)?.status).toBe("cancelled");

    await ui.send(["q"]);
    expect(await ui.exitCode()).toBe(0);
    expect(await ui.capture()).toBe("");
    expect(existsSync(join(project, ".aegis", "state.db"))).toBe(false);
  }, 120_000);

  test("with aegis serve running: shows its schedules and answers the question a parked run asks (#15)", async () => {
    const serve = await track(await background(["serve", "--poll-ms", "100"], project));
    await untilErr(serve, "control socket");
    const started = await aegis(["run", "ship", "--detach", "--json"], project);
    expect(started.code, started.stderr).toBe(0);
    const runId = (JSON.parse(started.stdout) as { runId: string }).runId;

    const ui = await track(await openInTmux(["ui"], project));
    await ui.waitForText("q quit"); // keys typed before the UI takes the terminal would go to the shell's line discipline
    // Key 5 opens the schedules tab only once the tab bar has it (the first look, which reads them, may still be
    // under way when the header already says "via serve": a key pressed then did nothing).
    await ui.waitForText(/via serve[\s\S]*5 schedules \(1\)/);
    await ui.send(["5"]);
    await ui.waitForText("─ schedules ─");
    await ui.waitForText("new-year");
    await ui.send(["3"]);
    await ui.waitForText("─ runs ─");
    await ui.waitForText(new RegExp(`${runId}\\s+ship\\s+waiting`));
    await selectRow(ui, runId);
    await ui.send(["a"]);
    await ui.waitForText("Ship it? [yes/no]");
    await ui.type("yes");
    await ui.send(["Enter"]);
    await ui.waitForText("answered ship; aegis serve resumes the run");
    await ui.waitForText(new RegExp(`${runId}\\s+ship\\s+done`));
    const runs = await aegis(["runs", "--json"], project);
    const run = (JSON.parse(runs.stdout) as { runId: string; status: string; result?: unknown }[]).find((r) => r.runId === runId);
    expect(run).toMatchObject({ status: "done", result: "reply 1: shipping: yes" });

    await ui.send(["q"]);
    expect(await ui.exitCode()).toBe(0);
  }, 120_000);

  test("aegis chat sends the typed message and shows the reply (#15)", async () => {
    const t = await track(await openInTmux(["chat"], project));
    await t.waitForText("say something");
    await t.type("hello over postgres");
    await t.send(["Enter"]);
    const screen = await t.waitForText(/turn 1: \d+ in \/ \d+ out/);
    expect(screen).toContain("reply 1: hello over postgres");
    expect(screen.split("reply 1: hello over postgres").length - 1).toBe(1); // streamed, then read back: shown once
    await t.type("/quit");
    await t.send(["Enter"]);
    expect(await t.exitCode()).toBe(0);
    expect(await t.capture()).toBe("");
    expect(t.stderr()).toBe("");
    expect(existsSync(join(project, ".aegis", "state.db"))).toBe(false);
  }, 60_000);
});
