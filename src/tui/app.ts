// `aegis ui`: the dashboard on screen. It lays out the header, the tab bar, the list, the detail pane (a session's or
// a task worker's transcript, a run's steps, a queue's tasks) and the footer; feeds keys to the controller; redraws
// when the data source or a key changed something (coalesced, at most one draw per frame). All data comes from the
// DataSource, all actions go through Steering; this file only draws.

import { basename } from "node:path";
import type { BoxRenderable, TextRenderable } from "@opentui/core";
import type { LoadedConfig } from "../config/validate.ts";
import { formatError } from "../util/errors.ts";
import { formatUsd } from "../util/format.ts";
import { DashboardController } from "./dashboard/controller.ts";
import { count, listLines, tabBar, type Tab } from "./dashboard/lists.ts";
import { footerLines, helpLines, runLines, scheduleLines } from "./dashboard/panels.ts";
import { openScreen, requireTerminal, type Screen } from "./screen.ts";
import type { StepView } from "./source/model.ts";
import { openDataSource, type ProjectSource } from "./source/open.ts";
import { createSteering } from "./steer.ts";
import { fit, span, toStyled, type Line } from "./theme.ts";
import { TranscriptView } from "./views/transcript-view.ts";

export interface DashboardOptions {
  config: LoadedConfig;
  cwd: string;
  /** Data source poll interval (ms). */
  pollMs?: number;
}

/** Runs the dashboard until the user quits; resolves with the exit code (0, or 129/130 on a signal, 1 on a crash). */
export async function runDashboard(o: DashboardOptions): Promise<number> {
  requireTerminal("aegis ui");
  const steering = createSteering({ config: o.config, cwd: o.cwd });
  // A failed look (the database went away) shows in the status line; looking goes on.
  let onError: (err: unknown) => void = () => undefined;
  const source = await openDataSource(o.config, {
    localFeed: steering.feed, onError: (err) => onError(err), ...(o.pollMs !== undefined ? { pollMs: o.pollMs } : {}),
  });
  try {
    const screen = await openScreen({ command: "aegis ui" });
    let ui: DashboardUi;
    try {
      ui = new DashboardUi(screen, source, o.config, steering);
      onError = (err) => ui.fail(err);
    } catch (err) {
      // The terminal first, then the error (printed by the CLI root) on a normal screen.
      screen.quit(1);
      await screen.done;
      throw err;
    }
    const code = await screen.done;
    ui.stop();
    return code;
  } finally {
    source.close();
    await steering.close();
  }
}

class DashboardUi {
  private readonly header: TextRenderable;
  private readonly tabs: TextRenderable;
  private readonly listBox: BoxRenderable;
  private readonly list: TextRenderable;
  private readonly transcript: TranscriptView;
  private readonly infoBox: BoxRenderable;
  private readonly info: TextRenderable;
  private readonly footer: TextRenderable;
  private readonly ctl: DashboardController;
  private readonly timers: ReturnType<typeof setInterval>[] = [];
  private readonly stops: (() => void)[] = [];
  private scheduled: ReturnType<typeof setTimeout> | undefined;
  private steps: { runId: string; list: StepView[]; stop: () => void } | undefined;
  private lastTexts = new Map<TextRenderable, Line[]>();

  constructor(private readonly screen: Screen, private readonly source: ProjectSource, private readonly config: LoadedConfig, steering: ReturnType<typeof createSteering>) {
    const { BoxRenderable, TextRenderable } = screen.core;
    const r = screen.renderer;
    const root = new BoxRenderable(r, { flexDirection: "column", width: "100%", height: "100%" });
    this.header = new TextRenderable(r, { content: "", height: 1, wrapMode: "none" });
    this.tabs = new TextRenderable(r, { content: "", height: 1, wrapMode: "none" });
    this.listBox = new BoxRenderable(r, { border: true, borderStyle: "rounded", flexDirection: "column", height: this.listHeight() });
    this.list = new TextRenderable(r, { content: "", flexGrow: 1, wrapMode: "none" });
    this.listBox.add(this.list);
    this.transcript = new TranscriptView(screen, { flexGrow: 1 });
    this.infoBox = new BoxRenderable(r, { border: true, borderStyle: "rounded", flexDirection: "column", flexGrow: 1, visible: false });
    this.info = new TextRenderable(r, { content: "", flexGrow: 1, wrapMode: "none" });
    this.infoBox.add(this.info);
    this.footer = new TextRenderable(r, { content: "", height: 2, wrapMode: "none" });
    for (const c of [this.header, this.tabs, this.listBox, this.transcript.root, this.infoBox, this.footer]) root.add(c);
    r.root.add(root);
    this.ctl = new DashboardController({
      source, steering, agents: Object.keys(config.agents), ...(config.defaultAgent ? { defaultAgent: config.defaultAgent } : {}),
      quit: () => screen.quit(0),
      changed: () => this.schedule(),
      detailKey: (k) => this.transcript.root.visible && this.transcript.key(k as Parameters<TranscriptView["key"]>[0]),
    });
    this.stops.push(source.subscribe(() => (this.ctl.refreshed(), this.schedule())));
    this.stops.push(screen.onKey((k) => this.ctl.handleKey(k)));
    const onResize = () => {
      this.listBox.height = this.listHeight();
      this.lastTexts.clear();
      this.schedule();
    };
    r.on("resize", onResize);
    this.stops.push(() => r.off("resize", onResize));
    this.timers.push(setInterval(() => void source.refreshServe().catch((err: unknown) => this.fail(err)), 5000));
    this.draw();
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    for (const s of this.stops.splice(0)) s();
    this.steps?.stop();
    if (this.scheduled !== undefined) clearTimeout(this.scheduled);
  }

  fail(err: unknown): void {
    this.ctl.status = { text: formatError(err).replace(/\n\s*/g, " · "), style: "err" };
    this.schedule();
  }

  private listHeight(): number {
    const h = this.screen.renderer.height;
    const rows = Math.max(1, count(this.ctl?.tab ?? "sessions", this.source.snapshot()));
    return Math.max(5, Math.min(Math.floor((h - 4) * 0.4), rows + 4));
  }

  /** The detail pane's height: what the header, tab bar, list and footer leave. */
  private detailHeight(): number {
    return Math.max(3, this.screen.renderer.height - 1 - 1 - this.listBox.height - 2);
  }

  private schedule(): void {
    this.scheduled ??= setTimeout(() => this.draw(), 16);
  }

  private set(text: TextRenderable, lines: Line[]): void {
    const last = this.lastTexts.get(text);
    if (last && last.length === lines.length && JSON.stringify(last) === JSON.stringify(lines)) return;
    this.lastTexts.set(text, lines);
    text.content = toStyled(this.screen.core, lines);
  }

  private draw(): void {
    this.scheduled = undefined;
    if (this.screen.renderer.isDestroyed) return;
    const snap = this.source.snapshot();
    const width = this.screen.renderer.width;
    const ctl = this.ctl;
    const live = snap.sessions.filter((s) => s.closedAt === null);
    const cost = snap.sessions.reduce((n, s) => n + s.costUsd, 0);
    this.set(this.header, [[
      span(" aegis ", "title"), span(fit(`${basename(this.config.root)} · via ${snap.via} · ${live.length} live sessions · ${snap.runs.filter((r) => r.status === "running").length} running runs · ${formatUsd(cost)}`, width - 8), "dim"),
    ]]);
    this.set(this.tabs, [tabBar(ctl.tab, snap)]);
    const help = ctl.mode.kind === "help";
    this.listBox.title = help ? " help " : ` ${ctl.tab} `;
    this.listBox.height = help ? Math.max(5, this.screen.renderer.height - 4) : this.listHeight();
    const inner = { w: width - 2, h: Math.max(1, this.listBox.height - 2) };
    this.set(this.list, help ? helpLines(ctl.tab, inner.w) : listLines(ctl.tab, snap, ctl.index, inner.w, inner.h));
    this.drawDetail(ctl.tab, help);
    this.set(this.footer, footerLines(ctl.mode, ctl.status, width));
  }

  private drawDetail(tab: Tab, help: boolean): void {
    const sel = this.ctl.selected();
    const focused = this.ctl.mode.kind === "detail";
    const mark = focused ? " ◆" : "";
    let sessionId: string | undefined;
    let title = "";
    if (sel?.tab === "sessions") [sessionId, title] = [sel.id, ` ${sel.handle} · transcript${mark} `];
    else if (sel?.tab === "tasks") [sessionId, title] = [sel.workerSession ?? undefined, ` ${sel.id} · worker ${sel.workerHandle ?? "(not started)"}${mark} `];
    const showTranscript = !help && (tab === "sessions" || tab === "tasks");
    this.transcript.root.visible = showTranscript;
    this.infoBox.visible = !help && !showTranscript;
    if (showTranscript) {
      this.transcript.show(sessionId, this.source, { title, empty: sel ? "no transcript yet" : "nothing selected" });
      this.transcript.draw({ width: this.screen.renderer.width, height: this.detailHeight() });
    }
    if (sel?.tab !== "runs" || help) {
      this.steps?.stop();
      this.steps = undefined;
    }
    if (help || showTranscript) return;
    const w = this.screen.renderer.width - 2;
    const h = Math.max(1, this.detailHeight() - 2);
    const snap = this.source.snapshot();
    if (sel?.tab === "runs") {
      if (this.steps?.runId !== sel.id) {
        this.steps?.stop();
        const s = { runId: sel.id, list: [] as StepView[], stop: () => undefined as void };
        s.stop = this.source.runSteps(sel.id, (list) => ((s.list = list), this.schedule()));
        this.steps = s;
      }
      this.infoBox.title = ` ${sel.id} · steps${mark} `;
      this.set(this.info, runLines(snap.runs.find((r) => r.id === sel.id), this.steps.list, w, h));
    } else if (sel?.tab === "queues") {
      this.infoBox.title = ` ${sel.name} · tasks `;
      const tasks = snap.tasks.filter((t) => t.queue === sel.name).slice(-h);
      this.set(this.info, tasks.length ? tasks.map((t) => [span(fit(`${t.id}  ${t.status.padEnd(9)} ${(t.workerHandle ?? "-").padEnd(16)} ${t.payload}`, w), t.status === "failed" ? "err" : "plain")]) : [[span("no recent tasks", "dim")]]);
    } else if (sel?.tab === "schedules") {
      const v = snap.schedules?.find((s) => s.name === sel.name);
      this.infoBox.title = ` ${sel.name} `;
      this.set(this.info, v ? scheduleLines(v, w) : [[span("gone from the config", "dim")]]);
    } else {
      this.infoBox.title = " detail ";
      this.set(this.info, [[span("nothing selected", "dim")]]);
    }
  }
}
