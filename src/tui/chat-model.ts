// What `aegis chat` shows around the transcript and what it does with a line the user typed, without a terminal:
// the header (agent, handle, state, tokens, cost), the footer of keys, and the reading of the input line (/quit,
// /interrupt, /help, or a message). src/tui/chat.ts draws these; tests read them directly.

import { formatUsd } from "../util/format.ts";
import type { SessionView } from "./source/model.ts";
import { span, type Line } from "./theme.ts";

export type ChatCommand =
  | { kind: "empty" }
  | { kind: "quit" }
  | { kind: "interrupt" }
  | { kind: "help" }
  | { kind: "unknown"; name: string }
  | { kind: "send"; text: string };

export const CHAT_COMMANDS = ["/quit", "/interrupt", "/help"] as const;

/** Reads a submitted input line. `//text` sends "/text" (a message that starts with a slash). */
export function parseChatInput(raw: string): ChatCommand {
  const text = raw.trim();
  if (text === "") return { kind: "empty" };
  if (text.startsWith("//")) return { kind: "send", text: text.slice(1) };
  if (!text.startsWith("/")) return { kind: "send", text };
  const name = text.split(/\s+/, 1)[0]!.toLowerCase();
  if (name === "/quit" || name === "/exit" || name === "/q") return { kind: "quit" };
  if (name === "/interrupt" || name === "/stop") return { kind: "interrupt" };
  if (name === "/help" || name === "/?") return { kind: "help" };
  return { kind: "unknown", name };
}

/** The header line: `aegis chat · writer (scripted) · writer-1 · working · 120 in / 45 out · $0.01`. */
export function chatHeader(agent: string, session: SessionView | undefined, handle: string | undefined): Line {
  const line: Line = [span("aegis chat", "title"), span(" · "), span(agent, "bold")];
  if (session) line.push(span(` (${session.provider}${session.model && session.model !== session.provider ? ` ${session.model}` : ""})`, "dim"));
  line.push(span(" · "), span(handle ?? "starting…", handle ? "accent" : "dim"));
  if (!session) return line;
  const state = session.closedAt !== null ? "closed" : session.state;
  line.push(span(" · "), span(state, state === "working" ? "warn" : state === "error" || state === "closed" ? "err" : "ok"));
  line.push(span(` · ${session.tokens.input} in / ${session.tokens.output} out`, "dim"));
  if (session.costUsd > 0) line.push(span(` · ${formatUsd(session.costUsd)}`, "dim"));
  return line;
}

/** The footer: the keys chat understands. */
export function chatFooter(): Line {
  const keys: [string, string][] = [
    ["Enter", "send"], ["Esc", "interrupt"], ["PgUp/PgDn", "scroll"], ["Tab", "fold/unfold"], ["/quit Ctrl-C", "leave"],
  ];
  const line: Line = [];
  keys.forEach(([k, what], i) => {
    if (i) line.push(span("  "));
    line.push(span(k, "key"), span(` ${what}`, "dim"));
  });
  return line;
}

export const CHAT_HELP =
  "Type a message and press Enter: it goes to the session's inbox, and the reply streams in above. A message sent " +
  "while the agent works is delivered when its turn ends. Esc or /interrupt stops the running turn; /quit or Ctrl-C " +
  "leaves (the session ends with the chat). Tab folds or unfolds the last tool call or thinking; PgUp/PgDn scroll, " +
  "End follows the output again. Start a message with // to send one that begins with a slash.";
