// What the dashboard's keys do, without a terminal: the active tab and selection, the mode (list, transcript,
// typing a message or an answer, confirming a cancel, help), and the steering actions they start, with the outcome
// shown on the status line. The OpenTUI app (app.ts) feeds it keys and draws what it holds; tests drive it directly.

import { formatError } from "../../util/errors.ts";
import type { DataSource, Snapshot } from "../source/model.ts";
import type { Steering } from "../steer.ts";
import type { Style } from "../theme.ts";
import { count, selectedItem, TABS, type Selected, type Tab } from "./lists.ts";

/** The parts of a key event the dashboard reads (OpenTUI's KeyEvent has them). */
export interface Key { name: string; ctrl?: boolean; meta?: boolean; shift?: boolean; sequence?: string }

export type InputPurpose = "message" | "spawn-agent" | "spawn-prompt" | "answer";
export type Mode =
  | { kind: "list" }
  | { kind: "detail" }
  | { kind: "input"; purpose: InputPurpose; label: string; text: string; target: string; extra?: string }
  | { kind: "confirm"; question: string; run: () => Promise<string> }
  | { kind: "help" };

export interface ControllerDeps {
  source: DataSource;
  steering: Steering;
  agents: readonly string[];
  defaultAgent?: string;
  quit: () => void;
  /** Something on screen changed: redraw soon. */
  changed: () => void;
  /** Detail-pane navigation (the transcript view); returns whether the key was used. */
  detailKey?: (key: Key) => boolean;
}

export class DashboardController {
  tab: Tab = "sessions";
  mode: Mode = { kind: "list" };
  status: { text: string; style: Style } | undefined;
  private readonly sel: Record<Tab, number> = { sessions: 0, queues: 0, runs: 0, tasks: 0, schedules: 0 };
  /** The selected entry of each tab by identity (session or run id, queue or schedule name). */
  private readonly selKey: Partial<Record<Tab, string>> = {};
  /** A handle to select once it shows up (a session just spawned). */
  private selectHandle: string | undefined;

  constructor(private readonly d: ControllerDeps) {}

  get snapshot(): Snapshot {
    return this.d.source.snapshot();
  }

  get index(): number {
    return Math.min(this.sel[this.tab], Math.max(0, count(this.tab, this.snapshot) - 1));
  }

  selected(): Selected | undefined {
    return selectedItem(this.tab, this.snapshot, this.index);
  }

  /**
   * The snapshot changed: the selection stays on the same entry (a session that closes moves down the list, a new
   * run comes first), and moves to a session just spawned once it shows up.
   */
  refreshed(): void {
    if (this.selectHandle !== undefined) {
      const i = this.snapshot.sessions.findIndex((s) => s.handle === this.selectHandle);
      if (i >= 0) {
        this.tab = "sessions";
        this.sel.sessions = i;
        this.selectHandle = undefined;
      }
    }
    for (const tab of TABS) {
      const key = this.selKey[tab];
      if (key === undefined) continue;
      const i = keysOf(tab, this.snapshot).indexOf(key);
      if (i >= 0) this.sel[tab] = i;
    }
    this.remember();
  }

  /** Notes which entry is selected now, by its identity. */
  private remember(): void {
    const key = keysOf(this.tab, this.snapshot)[this.index];
    if (key !== undefined) this.selKey[this.tab] = key;
  }

  handleKey(k: Key): void {
    const m = this.mode;
    if (m.kind === "help") this.mode = { kind: "list" };
    else if (m.kind === "input") this.inputKey(m, k);
    else if (m.kind === "confirm") {
      this.mode = { kind: "list" };
      if (k.name === "y") this.act(m.run);
      else this.say("cancel not sent", "dim");
    } else if (m.kind === "detail" && (k.name === "escape" || k.name === "left" || k.name === "backspace")) this.mode = { kind: "list" };
    else if (m.kind === "detail" && this.d.detailKey?.(k)) return this.d.changed();
    else this.commandKey(k);
    this.d.changed();
  }

  private commandKey(k: Key): void {
    const tabs = TABS.filter((t) => t !== "schedules" || this.snapshot.schedules);
    const move = (delta: number) => {
      const n = count(this.tab, this.snapshot);
      this.sel[this.tab] = Math.max(0, Math.min(n - 1, this.index + delta));
      this.remember();
    };
    const switchTab = (t: Tab) => {
      this.tab = t;
      this.mode = { kind: "list" };
    };
    if (/^[1-5]$/.test(k.name) && tabs.includes(TABS[Number(k.name) - 1]!)) return switchTab(TABS[Number(k.name) - 1]!);
    if (k.sequence === "?") return void (this.mode = { kind: "help" });
    switch (k.name) {
      case "q": return this.askQuit();
      case "tab": case "right": return switchTab(tabs[(tabs.indexOf(this.tab) + (k.shift ? tabs.length - 1 : 1)) % tabs.length]!);
      case "left": return switchTab(tabs[(tabs.indexOf(this.tab) + tabs.length - 1) % tabs.length]!);
      case "up": case "k": return move(-1);
      case "down": case "j": return move(1);
      case "pageup": return move(-10);
      case "pagedown": return move(10);
      case "return": case "enter": return void (this.mode = { kind: "detail" });
      case "m": return this.startMessage();
      case "i": return this.interrupt();
      case "n": return this.startSpawn(k.shift || k.sequence === "N" ? "serve" : "here");
      case "d": return this.askClose();
      case "c": case "x": return this.askCancel();
      case "a": return this.startAnswer();
    }
  }

  /** The session a message or an interrupt goes to: the selected session, or the selected task's worker. */
  private targetHandle(): string | undefined {
    const s = this.selected();
    if (s?.tab === "sessions" && !s.closed && !s.hostGone) return s.handle;
    if (s?.tab === "tasks" && s.status === "running" && s.workerHandle) return s.workerHandle;
    const why = s?.tab === "sessions" ? (s.closed ? `${s.handle} is closed` : `the aegis process that hosted ${s.handle} is gone`) : "select a live session (or a running task) first";
    this.say(why, "warn");
    return undefined;
  }

  private startMessage(): void {
    const h = this.targetHandle();
    if (h) this.startInput("message", `message to ${h}`, h);
  }

  private interrupt(): void {
    const h = this.targetHandle();
    if (!h) return;
    this.act(async () => {
      const r = await this.d.steering.interrupt(h);
      return r === "here" ? `interrupted ${h}` : `interrupt sent to the process hosting ${h}`;
    });
  }

  private startSpawn(host: "here" | "serve"): void {
    if (host === "serve" && this.snapshot.via !== "serve") return this.say("no aegis serve runs for this project: n starts a session here", "warn");
    const where = host === "serve" ? " in aegis serve" : "";
    this.startInput("spawn-agent", `agent to start${where} (${this.d.agents.join(", ")})`, "", this.d.defaultAgent ?? "", host);
  }

  private askClose(): void {
    const s = this.selected();
    if (s?.tab !== "sessions" || s.closed) return this.say("select a live session to close", "warn");
    this.mode = { kind: "confirm", question: `close session ${s.handle}? its process ends. y/n`, run: async () => {
      await this.d.steering.closeSession(s.handle);
      return `closed ${s.handle}`;
    } };
  }

  /** Quits; while this UI hosts live sessions (started with n), asks first: they end with it. */
  private askQuit(): void {
    const open = new Set(this.snapshot.sessions.filter((s) => s.closedAt === null).map((s) => s.handle));
    const mine = this.d.steering.hosted().filter((h) => open.has(h));
    if (mine.length === 0) return this.d.quit();
    this.mode = { kind: "confirm", question: `quit? ${mine.join(", ")} ${mine.length === 1 ? "runs" : "run"} in this UI and will be closed. y/n`, run: async () => {
      this.d.quit();
      return "quitting";
    } };
  }

  private askCancel(): void {
    const s = this.selected();
    if (s?.tab === "tasks") {
      this.mode = { kind: "confirm", question: `cancel task ${s.id} (${s.status})? y/n`, run: async () => {
        const r = await this.d.steering.cancelTask(s.id);
        return r.requested ? `${s.id}: cancel requested` : r.was === "terminal" ? `${s.id} had already ended: ${r.status}` : `${s.id} cancelled`;
      } };
    } else if (s?.tab === "runs") {
      this.mode = { kind: "confirm", question: `cancel run ${s.id} (${s.status})? y/n`, run: async () => `${s.id}: ${(await this.d.steering.cancelRun(s.id)).status}` };
    } else this.say("select a task or a run to cancel", "warn");
  }

  private startAnswer(): void {
    const s = this.selected();
    if (s?.tab !== "runs" || !s.question) return this.say("select a run that asks a question (status waiting)", "warn");
    const opts = s.question.options?.length ? ` [${s.question.options.join("/")}]` : "";
    this.startInput("answer", `${s.question.question}${opts}`, s.id, "", s.question.key);
  }

  private startInput(purpose: InputPurpose, label: string, target: string, text = "", extra?: string): void {
    this.mode = { kind: "input", purpose, label, target, text, ...(extra !== undefined ? { extra } : {}) };
  }

  private inputKey(m: Extract<Mode, { kind: "input" }>, k: Key): void {
    if (k.name === "escape") {
      this.mode = { kind: "list" };
      return;
    }
    if (k.name === "backspace") m.text = m.text.slice(0, -1);
    else if (k.name === "return" || k.name === "enter") this.submit(m);
    else if (k.sequence && !k.ctrl && !k.meta && printable(k.sequence)) m.text += k.sequence;
  }

  private submit(m: Extract<Mode, { kind: "input" }>): void {
    const text = m.text.trim();
    this.mode = { kind: "list" };
    switch (m.purpose) {
      case "message":
        if (!text) return;
        return this.act(async () => {
          const d = await this.d.steering.send(m.target, text);
          return d.disposition === "landed" ? `sent to ${m.target}` : `queued for ${m.target} (its next turn)`;
        });
      case "spawn-agent": {
        const agent = text || this.d.defaultAgent || "";
        if (!this.d.agents.includes(agent)) return this.say(`no agent "${agent}": pick one of ${this.d.agents.join(", ")}`, "err");
        return this.startInput("spawn-prompt", `first message to the new ${agent} session (empty: none)`, agent, "", m.extra);
      }
      case "spawn-prompt": {
        const host = m.extra === "serve" ? "serve" : "here";
        return this.act(async () => {
          const s = await this.d.steering.spawn(m.target, text || undefined, host);
          this.selectHandle = s.handle;
          return host === "serve"
            ? `started ${s.handle} (${m.target}) in aegis serve: it runs on after this UI quits; d closes it`
            : `started ${s.handle} (${m.target}), hosted by this UI: it closes when the UI quits (or with d)`;
        });
      }
      case "answer":
        if (!text) return;
        return this.act(async () => {
          const r = await this.d.steering.answer(m.target, text, m.extra);
          return r.via === "serve" ? `answered ${r.key}; aegis serve resumes the run` : `answered ${r.key}; continue it with: aegis resume ${m.target}`;
        });
    }
  }

  /** Runs a steering action; its outcome (or error) goes to the status line. */
  act(fn: () => Promise<string>): void {
    this.say("…", "dim");
    void fn().then(
      (text) => this.say(text, "ok"),
      (err: unknown) => this.say(formatError(err).replace(/\n\s*/g, " · "), "err"),
    ).finally(() => {
      this.d.source.poke();
      this.refreshed();
      this.d.changed();
    });
  }

  private say(text: string, style: Style): void {
    this.status = { text, style };
  }
}

function keysOf(tab: Tab, s: Snapshot): string[] {
  switch (tab) {
    case "sessions": return s.sessions.map((v) => v.id);
    case "queues": return s.queues.map((v) => v.name);
    case "runs": return s.runs.map((v) => v.id);
    case "tasks": return s.tasks.map((v) => v.id);
    case "schedules": return (s.schedules ?? []).map((v) => v.name);
  }
}

/** True when `s` holds no control character (a key that types text, not an escape sequence or Enter). */
function printable(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return false;
  }
  return true;
}
