// The dashboard's keys without a terminal (#14): tab and selection, typing a message to the selected session, an
// interrupt, starting a session, cancelling a task or run only after y, answering a parked question, help and quit.

import { describe, expect, test } from "bun:test";
import { DashboardController, type Key } from "../../src/tui/dashboard/controller.ts";
import { listLines, tabBar } from "../../src/tui/dashboard/lists.ts";
import { footerLines } from "../../src/tui/dashboard/panels.ts";
import { EMPTY_SNAPSHOT, type DataSource, type Snapshot } from "../../src/tui/source/model.ts";
import type { Steering } from "../../src/tui/steer.ts";
import { plainText } from "../../src/tui/theme.ts";
import { waitFor } from "../fixtures/helpers/wait.ts";

const session = (handle: string, closed = false) => ({
  id: `ses_${handle}`, handle, agent: "w", provider: "scripted", model: null, state: closed ? "closed" as const : "working" as const,
  spawnedBy: "user", owner: null, createdAt: 0, closedAt: closed ? 1 : null, hostGone: false, turns: 1, tokens: { input: 5, output: 7 }, costUsd: 0.25, lastLine: `hi from ${handle}`,
});

function snapshot(): Snapshot {
  return {
    ...EMPTY_SNAPSHOT, version: 1,
    sessions: [session("brisk-curie"), session("old-knuth", true)],
    queues: [{ name: "review", pending: 2, running: 1, done: 4, failed: 1, cancelled: 0, budgets: [{ text: "$0.40 of $1.00 / 1h", blocked: false }] }],
    runs: [{ id: "run_1", workflow: "ship", status: "waiting", createdAt: 0, costUsd: 0, question: { question: "Ship it?", key: "go", options: ["yes", "no"] } }],
    tasks: [{ id: "task_1", queue: "review", status: "running", workerHandle: "busy-hopper", workerSession: "ses_w", payload: "check a.ts", enqueuedAt: 0 }],
  };
}

function setup() {
  const calls: string[] = [];
  const hosted: string[] = [];
  let quit = false;
  const snap = snapshot();
  const source = { snapshot: () => snap, poke: () => calls.push("poke") } as unknown as DataSource;
  const steering = {
    send: async (h: string, t: string) => (calls.push(`send ${h} ${t}`), { disposition: "queued", depth: 1 }),
    interrupt: async (h: string) => (calls.push(`interrupt ${h}`), "requested"),
    spawn: async (a: string, p?: string, host?: string) => (calls.push(`spawn ${a} ${p ?? "-"}${host === "serve" ? " in serve" : ""}`), { handle: "new-one", id: "ses_new" }),
    closeSession: async (h: string) => void calls.push(`close ${h}`),
    cancelTask: async (id: string) => (calls.push(`cancelTask ${id}`), { taskId: id, was: "running", requested: true, status: "running" }),
    cancelRun: async (id: string) => (calls.push(`cancelRun ${id}`), { status: "cancelled" }),
    answer: async (id: string, v: string, k?: string) => (calls.push(`answer ${id} ${k}=${v}`), { via: "local", key: k ?? "" }),
    hosted: () => hosted,
  } as unknown as Steering;
  const ctl = new DashboardController({ source, steering, agents: ["w", "slow"], defaultAgent: "w", quit: () => (quit = true), changed: () => undefined });
  const press = (...keys: (string | Key)[]) => {
    for (const k of keys) ctl.handleKey(typeof k === "string" ? { name: k, sequence: k.length === 1 ? k : "" } : k);
  };
  const type = (text: string) => press(...Array.from(text, (c) => c).map((c) => ({ name: c === " " ? "space" : c, sequence: c })));
  return { ctl, calls, press, type, snap, hosted, quitted: () => quit };
}

describe("dashboard keys (#14)", () => {
  test("m, text, Enter sends the message to the selected session; the status line says where it went", async () => {
    const { ctl, calls, press, type } = setup();
    press("m");
    expect(ctl.mode).toMatchObject({ kind: "input", purpose: "message", target: "brisk-curie" });
    type("please add tests");
    press("backspace", "return");
    await waitFor(() => calls.includes("send brisk-curie please add test"), { what: "the send" });
    await waitFor(() => ctl.status?.text === "queued for brisk-curie (its next turn)", { what: "the status" });
  });

  test("Escape abandons a message; a closed session cannot be messaged or interrupted", () => {
    const { ctl, calls, press, type } = setup();
    press("m");
    type("never mind");
    press("escape");
    expect(ctl.mode.kind).toBe("list");
    press("down", "i");
    expect(ctl.status).toMatchObject({ text: "old-knuth is closed", style: "warn" });
    expect(calls).toEqual([]);
  });

  test("i interrupts the selected session; on the tasks tab, the running task's worker", async () => {
    const { calls, press } = setup();
    press("i");
    press("4", "i");
    await waitFor(() => calls.includes("interrupt busy-hopper"), { what: "the interrupts" });
    expect(calls.filter((c) => c.startsWith("interrupt"))).toEqual(["interrupt brisk-curie", "interrupt busy-hopper"]);
  });

  test("c asks first: n keeps the task, y cancels it; on runs it cancels the run", async () => {
    const { ctl, calls, press } = setup();
    press("4", "c");
    expect(ctl.mode).toMatchObject({ kind: "confirm" });
    press("n");
    expect(calls).toEqual([]);
    press("c", "y");
    await waitFor(() => calls.includes("cancelTask task_1"), { what: "the cancel" });
    press("3", "c", "y");
    await waitFor(() => calls.includes("cancelRun run_1"), { what: "the run cancel" });
  });

  test("a answers the selected run's question under its key", async () => {
    const { ctl, calls, press, type } = setup();
    press("3", "a");
    expect(ctl.mode).toMatchObject({ kind: "input", purpose: "answer", label: "Ship it? [yes/no]" });
    type("yes");
    press("return");
    await waitFor(() => calls.includes("answer run_1 go=yes"), { what: "the answer" });
  });

  test("n starts a session of the default agent, or the one typed; an unknown agent is refused", async () => {
    const { ctl, calls, press, type } = setup();
    press("n", "return");
    expect(ctl.mode).toMatchObject({ kind: "input", purpose: "spawn-prompt", target: "w" });
    type("go");
    press("return");
    await waitFor(() => calls.includes("spawn w go"), { what: "the spawn" });
    press("n", "backspace");
    type("nobody");
    press("return");
    expect(ctl.status?.style).toBe("err");
    expect(ctl.status?.text).toContain('no agent "nobody"');
  });

  test("? shows help until any key; q quits", () => {
    const { ctl, press, quitted } = setup();
    press({ name: "/", shift: true, sequence: "?" });
    expect(ctl.mode.kind).toBe("help");
    press("x");
    expect(ctl.mode.kind).toBe("list");
    press("q");
    expect(quitted()).toBe(true);
  });

  test("the lists show each tab's columns, the selected row, and the queue's budget use", () => {
    const { ctl, press, snap } = setup();
    expect(plainText([tabBar(ctl.tab, snap)])).toContain("1 sessions (2)");
    const sessions = plainText(listLines("sessions", snap, 0, 100, 10));
    expect(sessions).toContain("▶ brisk-curie");
    expect(sessions).toContain("5/7");
    expect(sessions).toContain("hi from brisk-curie");
    expect(plainText(listLines("queues", snap, 0, 120, 10))).toMatch(/review\s+2\s+1\s+4\s+1\s+0\s+\$0\.40 of \$1\.00 \/ 1h/);
    expect(plainText(listLines("runs", snap, 0, 120, 10))).toContain("asks: Ship it?");
    press("m");
    expect(plainText(footerLines(ctl.mode, ctl.status, 80))).toContain("message to brisk-curie: █");
  });
});

describe("sessions in serve, and closing (#14)", () => {
  test("N starts the session in aegis serve when one runs, and says there is none otherwise", async () => {
    const { ctl, calls, press, snap } = setup();
    press({ name: "n", shift: true, sequence: "N" });
    expect(ctl.status).toMatchObject({ style: "warn" });
    expect(ctl.mode.kind).toBe("list");
    snap.via = "serve";
    press({ name: "n", shift: true, sequence: "N" }, "return", "return");
    await waitFor(() => calls.includes("spawn w - in serve"), { what: "the spawn in serve" });
    await waitFor(() => ctl.status?.text.includes("in aegis serve"), { what: "the status" });
  });

  test("d closes the selected session after y", async () => {
    const { calls, press } = setup();
    press("d", "y");
    await waitFor(() => calls.includes("close brisk-curie"), { what: "the close" });
  });
});

describe("quitting (#14)", () => {
  test("q asks first while this UI hosts a live session, which quitting closes; n keeps the UI", async () => {
    const { ctl, press, hosted, quitted } = setup();
    hosted.push("brisk-curie");
    press("q");
    expect(ctl.mode).toMatchObject({ kind: "confirm", question: "quit? brisk-curie runs in this UI and will be closed. y/n" });
    press("n");
    expect(quitted()).toBe(false);
    press("q", "y");
    await waitFor(() => quitted(), { what: "the quit" });
  });

  test("a session this UI started that has closed since does not hold q up", () => {
    const { press, hosted, quitted } = setup();
    hosted.push("old-knuth");
    press("q");
    expect(quitted()).toBe(true);
  });
});

describe("dashboard selection (#14)", () => {
  test("the selection follows its entry when the list reorders (a session closing moves down)", () => {
    const { ctl, press, snap } = setup();
    press("down");
    expect(ctl.selected()).toMatchObject({ handle: "old-knuth" });
    snap.sessions.unshift({ ...snap.sessions[0]!, id: "ses_newer", handle: "newer-one" });
    ctl.refreshed();
    expect(ctl.selected()).toMatchObject({ handle: "old-knuth" });
  });
});
