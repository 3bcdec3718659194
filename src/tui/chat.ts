// `aegis chat`: one new session of an agent, hosted by this process, on screen as a conversation. A header (agent,
// handle, state, tokens, cost), the session's transcript streaming in (views/transcript-view.ts, the dashboard's own
// view), a one-line input (Enter sends through the session's inbox, as the dashboard does) and a footer of keys.
// Esc or /interrupt stops the running turn; /quit or Ctrl-C leaves, and the session ends with the chat. It reads what
// it shows from the state database like the dashboard (its own session's rows also as they are buffered), so several
// chats and dashboards can run side by side. It owns no data and no SQL: source/ and steer.ts do.

import type { InputRenderable, KeyEvent, TextRenderable } from "@opentui/core";
import { didYouMean } from "../config/validate.ts";
import type { LoadedConfig } from "../config/validate.ts";
import { formatError, notFound, UsageError } from "../util/errors.ts";
import { CHAT_HELP, chatFooter, chatHeader, parseChatInput } from "./chat-model.ts";
import { openScreen, type Screen } from "./screen.ts";
import { openDataSource } from "./source/open.ts";
import type { DataSource, SessionView } from "./source/model.ts";
import { createSteering, type Steering } from "./steer.ts";
import { span, toStyled, type Line, type Style } from "./theme.ts";
import { TranscriptView } from "./views/transcript-view.ts";

export interface ChatOptions {
  config: LoadedConfig;
  cwd: string;
  /** The agent profile; default the config's defaultAgent. */
  agent?: string;
  /** How often the transcript is read from the database (default 100 ms: a reply streams in smoothly). */
  pollMs?: number;
}

/** The agent to chat with: the one named, else defaultAgent; E_NOT_FOUND / E_USAGE before any screen opens. */
export function chatAgent(config: LoadedConfig, agent: string | undefined): string {
  const name = agent ?? config.defaultAgent;
  if (!name) throw new UsageError("no agent named and no defaultAgent in the config", "aegis chat <agent>");
  const names = Object.keys(config.agents);
  if (!names.includes(name)) throw notFound("agent", name, names, didYouMean(name, names));
  return name;
}

/** Runs the chat until the user leaves; resolves with the exit code (0 left, 130 SIGTERM/SIGINT, 1 failed to start). */
export async function runChat(o: ChatOptions): Promise<number> {
  const agent = chatAgent(o.config, o.agent);
  const screen = await openScreen({ command: "aegis chat" });
  let source: DataSource | undefined;
  let steering: Steering | undefined;
  let failure: unknown;
  try {
    steering = createSteering({ config: o.config, cwd: o.cwd });
    // The chat's own session streams each row as it is buffered (the feed), the rest as the database has it.
    source = await openDataSource(o.config, { pollMs: o.pollMs ?? 100, localFeed: steering.feed });
    const ui = new ChatScreen(screen, source, steering, agent);
    void ui.start().catch((err: unknown) => {
      failure = err;
      screen.quit(1);
    });
  } catch (err) {
    failure = err;
    screen.quit(1);
  }
  const code = await screen.done;
  // The terminal is back: end the session this chat hosts, then report a failed start like any other command.
  await steering?.close();
  source?.close();
  if (failure !== undefined) throw failure;
  return code;
}

class ChatScreen {
  private readonly header: TextRenderable;
  private readonly status: TextRenderable;
  private readonly input: InputRenderable;
  private readonly view: TranscriptView;
  private handle: string | undefined;
  private sessionId: string | undefined;

  constructor(private readonly screen: Screen, private readonly source: DataSource, private readonly steering: Steering, private readonly agent: string) {
    const { BoxRenderable, TextRenderable, InputRenderable } = screen.core;
    const r = screen.renderer;
    const root = new BoxRenderable(r, { flexDirection: "column", width: "100%", height: "100%" });
    this.header = new TextRenderable(r, { content: "", height: 1, wrapMode: "none" });
    this.view = new TranscriptView(screen, { title: ` ${agent} `, empty: `starting ${agent}…`, flexGrow: 1 });
    this.status = new TextRenderable(r, { content: "", wrapMode: "word" });
    const box = new BoxRenderable(r, { border: true, borderStyle: "rounded", height: 3, title: " message " });
    this.input = new InputRenderable(r, { placeholder: "Type a message, Enter sends (/quit leaves, /help)", flexGrow: 1 });
    box.add(this.input);
    const footer = new TextRenderable(r, { content: toStyled(screen.core, [chatFooter()]), height: 1, wrapMode: "none" });
    for (const part of [this.header, this.view.root, this.status, box, footer]) root.add(part);
    r.root.add(root);
    this.input.focus();
    this.input.on("enter", (value: string) => this.submit(value));
    screen.onKey((k) => this.key(k));
    r.on("resize", () => this.view.draw());
    this.source.subscribe(() => this.refresh());
    this.refresh();
  }

  async start(): Promise<void> {
    const s = await this.steering.spawn(this.agent);
    this.handle = s.handle;
    this.sessionId = s.id;
    this.source.poke();
    this.view.show(s.id, this.source, { title: ` ${this.agent} · ${s.handle} `, empty: "say something: type below and press Enter" });
    this.refresh();
  }

  private session(): SessionView | undefined {
    return this.sessionId === undefined ? undefined : this.source.snapshot().sessions.find((s) => s.id === this.sessionId);
  }

  private refresh(): void {
    if (this.screen.renderer.isDestroyed) return;
    this.header.content = toStyled(this.screen.core, [chatHeader(this.agent, this.session(), this.handle)]);
  }

  private say(text: string, style: Style = "dim"): void {
    const line: Line = [span(text, style)];
    this.status.content = toStyled(this.screen.core, [line]);
    // The status line wraps, so the transcript's box may change height: lay its text out again once that frame is drawn.
    this.screen.renderer.once("frame", () => this.view.schedule());
  }

  private key(k: KeyEvent): void {
    if (k.name === "escape") return void this.interrupt();
    if (k.name === "tab") {
      this.view.pane.toggle();
      return this.view.schedule();
    }
    if (k.name === "pageup" || k.name === "pagedown" || k.name === "end") this.view.key(k);
  }

  /** Reads the submitted line; the input keeps it when it was not taken (a misspelt command, a session not up yet). */
  private submit(raw: string): void {
    const cmd = parseChatInput(raw);
    if (cmd.kind === "unknown") return this.say(`unknown command ${cmd.name}: /quit, /interrupt, /help (start with // to send a slash)`, "warn");
    if (cmd.kind === "send" && !this.handle) return this.say(`${this.agent} is still starting: press Enter again in a moment`, "warn");
    this.input.value = "";
    switch (cmd.kind) {
      case "empty": return;
      case "quit": return this.screen.quit(0);
      case "interrupt": return void this.interrupt();
      case "help": return this.say(CHAT_HELP);
      case "send": return void this.send(this.handle!, cmd.text);
    }
  }

  private async send(handle: string, text: string): Promise<void> {
    try {
      const d = await this.steering.send(handle, text);
      this.say(d.disposition === "queued" ? "queued: delivered when the current turn ends" : "");
      this.source.poke();
    } catch (err) {
      this.say(`not sent: ${formatError(err)}`, "err");
    }
  }

  private async interrupt(): Promise<void> {
    if (!this.handle) return;
    try {
      await this.steering.interrupt(this.handle);
      this.say("interrupt sent", "warn");
    } catch (err) {
      this.say(`interrupt failed: ${formatError(err)}`, "err");
    }
  }
}
