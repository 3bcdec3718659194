// `aegis ui` end to end, the compiled binary in a tmux pane (#14): it lists the sessions, queues, runs and tasks that
// other aegis processes (`aegis run`, `aegis enqueue`, `aegis work`) started in the same project, and its interrupt
// and cancel keys act on a turn, a task and a run hosted by those other processes.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { TMUX_MISSING, type Tmux } from "../fixtures/helpers/tmux.ts";
import { aegis, aegisBinary, background, makeProject, openInTmux, selectRow, spawnedHandles, untilErr, type Background } from "./e2e-helpers.ts";

if (TMUX_MISSING) console.warn(`tui e2e: skipped: ${TMUX_MISSING}`);

let project: string;
const cleanup: (() => Promise<void>)[] = [];
async function track<T extends Tmux | Background>(x: T): Promise<T> {
  cleanup.push(() => ("close" in x ? x.close() : x.stop()));
  return x;
}

beforeAll(async () => {
  if (TMUX_MISSING) return;
  await aegisBinary();
  project = makeProject();
}, 180_000);
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
}, 60_000);
afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

describe.skipIf(Boolean(TMUX_MISSING))("aegis ui in tmux (#14)", () => {
  test("lists the sessions, queues, runs and tasks another process started, and interrupts a turn it hosts (#14)", async () => {
    const run = await track(await background(["run", "watch"], project));
    const handles = spawnedHandles(await untilErr(run, /session \S+ \(hang\) spawned/));
    expect(Object.keys(handles).sort()).toEqual(["echo", "hang"]);
    expect((await aegis(["enqueue", "q", "task one"], project)).code).toBe(0);

    const ui = await track(await openInTmux(["ui"], project));
    let screen = await ui.waitForText(handles.hang!);
    expect(screen).toContain(handles.echo!);
    expect(screen).toMatch(new RegExp(`${handles.echo}\\s+echo\\s+ready`));
    expect(screen).toMatch(new RegExp(`${handles.hang}\\s+hang\\s+working`));
    expect(screen).toContain("reply 1: look at the plan"); // the echo session's latest line

    await ui.send(["2"]);
    screen = await ui.waitForText(/q\s+1\s+0\s+0/); // queue q: 1 pending, 0 running, 0 done
    expect(screen).toMatch(/slow\s+0\s+0\s+0/);
    await ui.send(["3"]);
    screen = await ui.waitForText(/watch\s+running/);
    expect(screen).toContain(`send ${handles.hang} "wait for a signal"`); // the step running now
    await ui.send(["4"]);
    await ui.waitForText(/q\s+pending\s+-\s+task one/);

    // Interrupt the hang session's turn: it lives in the `aegis run` process, which collects the request and goes on.
    await ui.send(["1"]);
    await ui.waitForText(/sessions \(\d+\)/);
    await selectRow(ui, handles.hang!);
    await ui.send(["i"]);
    await ui.waitForText(`interrupt sent to the process hosting ${handles.hang}`);
    await untilErr(run, /watch done|✓ watch/);
    expect(await run.p.exited).toBe(0);
    await ui.send(["3"]);
    await ui.waitForText(/watch\s+done/);

    await ui.send(["q"]);
    expect(await ui.exitCode()).toBe(0);
    expect(await ui.capture()).toBe("");
  }, 120_000);

  test("cancels a task another process works on and a run another process executes (#14)", async () => {
    const enq = await aegis(["enqueue", "slow", "never ends", "--json"], project);
    expect(enq.code).toBe(0);
    const taskId = (JSON.parse(enq.stdout) as { taskId: string }).taskId;
    const work = await track(await background(["work", "--queue", "slow", "--poll-ms", "100"], project));
    const run = await track(await background(["run", "stall"], project));
    await untilErr(run, /session \S+ \(hang\) spawned/);

    const ui = await track(await openInTmux(["ui"], project));
    await ui.waitForText("q quit"); // keys typed before the UI takes the terminal would go to the shell's line discipline
    await ui.send(["4"]);
    await ui.waitForText(new RegExp(`${taskId}\\s+slow\\s+running`));
    await selectRow(ui, taskId);
    await ui.send(["c"]);
    await ui.waitForText(`cancel task ${taskId} (running)? y/n`);
    await ui.send(["y"]);
    await ui.waitForText(new RegExp(`${taskId}\\s+slow\\s+cancelled`));
    const tasks = await aegis(["tasks", "--json"], project);
    expect((JSON.parse(tasks.stdout) as { taskId: string; status: string }[]).find((t) => t.taskId === taskId)?.status).toBe("cancelled");

    await ui.send(["3"]);
    await ui.waitForText(/stall\s+running/);
    await selectRow(ui, "stall");
    await ui.send(["c"]);
    await ui.waitForText(/cancel run run_\S+ \(running\)\? y\/n/);
    await ui.send(["y"]);
    await ui.waitForText(/stall\s+cancelled/);
    expect(await run.p.exited).not.toBe(0);
    expect(run.err()).toContain("cancel");

    await ui.send(["C-c"]);
    expect(await ui.exitCode()).toBe(0);
    expect(await ui.capture()).toBe("");
    await work.stop();
  }, 120_000);

  test("with aegis serve running: shows its schedules, and answers the question a parked run asks (#14)", async () => {
    const serve = await track(await background(["serve", "--poll-ms", "100"], project));
    await untilErr(serve, "control socket");
    const started = await aegis(["run", "ship", "--detach", "--json"], project);
    expect(started.code, started.stderr).toBe(0);
    const runId = (JSON.parse(started.stdout) as { runId: string }).runId;

    const ui = await track(await openInTmux(["ui"], project));
    await ui.waitForText("via serve");
    await ui.send(["5"]);
    await ui.waitForText("new-year");
    await ui.send(["3"]);
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
});
