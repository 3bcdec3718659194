// Who a message is from (sender tags) and how delivered messages are rendered into one turn's text: each message
// gets one `> from …` header line, then its body; messages are joined by blank lines. The `user` sender and a
// session's opening prompt are headerless. It must not persist or deliver anything.
import { HANDLE_PATTERN } from "../util/ids.ts";

/**
 * Who sent a message or enqueued a task: `user`, `agent:<handle>`, `queue:<name>`, `workflow:<name>` (a workflow run
 * may append `:<runId>`), `group:<name>/broadcast:<n>` or `group:<name>/race:<n>` (a group's brief, #13).
 */
export type SenderTag = "user" | `agent:${string}` | `queue:${string}` | `workflow:${string}` | `group:${string}`;

/**
 * The sender of a control row: an inbox row asking the process that hosts the session to interrupt its running turn
 * (`aegis ui` steering a session another process hosts). Never rendered to an agent: the host consumes it (#14).
 */
export const INTERRUPT_SENDER = "control:interrupt";

/** A message on its way into a session's inbox. */
export interface InboxMessage {
  from: SenderTag;
  body: string;
  /** For queue callbacks: the task this result belongs to, and whether it succeeded. */
  taskId?: string;
  status?: "ok" | "error";
  /** When it was sent (ms since the epoch); default now. */
  at?: number;
}

/** Where a delivered message went: straight into a new turn, or waiting behind the running one at `depth`. */
export interface Delivery {
  disposition: "landed" | "queued";
  depth: number;
}

const SENDER = /^(user|(agent|queue|workflow|group):[^\s·]+)$/;

export function isSenderTag(s: string): s is SenderTag {
  return SENDER.test(s);
}

/** The session handle a sender tag names, for `agent:<handle>` tags; undefined otherwise. */
export function handleOfSender(tag: string): string | undefined {
  return tag.startsWith("agent:") ? tag.slice("agent:".length) : undefined;
}

/**
 * The session a run's recorded caller names, or undefined when the caller is not a session: a run started through MCP
 * records the session's bare handle (`brisk-curie`), an `agent:<handle>` tag names one too; a schedule fire
 * (`schedule:<name>@<time>`), a webhook delivery (`webhook:<name>[:<delivery>]`) or any other tag is no session to
 * send to or ask.
 */
export function sessionOfCaller(caller: string | null | undefined): string | undefined {
  if (!caller) return undefined;
  const handle = handleOfSender(caller) ?? caller;
  return HANDLE_PATTERN.test(handle) ? handle : undefined;
}

/** ISO 8601 in UTC to the second: `2026-11-25T10:04:05Z`. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * The header line of a delivered message, or "" for headerless senders:
 * `> from agent:<handle> · <ISO>`, `> from queue:<name> · task#<id> · ok|error · <ISO>`, `> from workflow:<name> · <ISO>`.
 */
export function headerLine(m: Pick<InboxMessage, "from" | "taskId" | "status" | "at">): string {
  if (m.from === "user") return "";
  const at = isoSeconds(m.at ?? Date.now());
  if (m.taskId !== undefined) return `> from ${m.from} · task#${m.taskId} · ${m.status ?? "ok"} · ${at}`;
  return `> from ${m.from} · ${at}`;
}

/** One message as the agent reads it: header line (if any), then the body. */
export function renderMessage(m: InboxMessage & { headerless?: boolean }): string {
  const header = m.headerless ? "" : headerLine(m);
  return header ? `${header}\n${m.body}` : m.body;
}

/** The text of one turn carrying a batch of messages. */
export function renderBatch(batch: readonly (InboxMessage & { headerless?: boolean })[]): string {
  return batch.map(renderMessage).join("\n\n");
}
