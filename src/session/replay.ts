// Conversation replay: the earlier conversation of an aegis session, rebuilt from the transcript (each turn's `prompt`
// row and its final assistant message) and rendered as one clearly headed text for a fresh provider session that
// replaces one the provider could not resume. The text is bounded: the newest turns are kept within a budget of
// estimated tokens and a one-line note says how many earlier turns were left out. Only finished turns count: a turn
// that failed or was cut off by a crash is sent again by whoever sent it, so replaying it would say it twice.
// It reads the store and never writes it; it does not deliver the text (drivers do, through StartOptions.replay).

import type { Db } from "../store/api.ts";
import { listEvents, rowToEvent, type EventRow } from "../store/events.ts";
import type { Store } from "../store/store.ts";
import { MessageTracker } from "./turn.ts";

/** One finished turn: what the agent was sent, and its final assistant message ("" if it wrote none). */
export interface ConversationTurn {
  user: string;
  assistant: string;
}

export interface RenderedReplay {
  /** The text for StartOptions.replay. */
  text: string;
  /** Turns the text carries (the newest ones). */
  turns: number;
  /** Earlier turns left out to stay within the budget. */
  omitted: number;
  /** The newest turn alone was over the budget and was shortened. */
  clipped: boolean;
}

/** A cheap token estimate: 4 characters a token, the usual rule of thumb for English text and code. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

const PAGE = 5_000;

/** Folds transcript rows, session after session, into finished turns. */
class TurnFold {
  readonly turns: ConversationTurn[] = [];
  private turn = -1;
  private prompt = "";
  private tracker = new MessageTracker();

  /** The next session's rows follow (turn numbers start again). */
  nextSession(): void {
    this.turn = -1;
  }

  add(rows: readonly EventRow[]): void {
    for (const row of rows) {
      if (row.turn !== this.turn) {
        this.turn = row.turn;
        this.prompt = "";
        this.tracker = new MessageTracker();
      }
      const ev = rowToEvent(row);
      if (ev.type === "prompt") this.prompt = ev.text;
      else if (ev.type === "turn_end") {
        if (!ev.isError) this.turns.push({ user: this.prompt, assistant: this.tracker.text });
      } else this.tracker.see(ev);
    }
  }
}

/** The finished turns of the given sessions (one conversation, oldest session first), oldest turn first. */
export function readConversation(store: Store, sessionIds: readonly string[]): ConversationTurn[] {
  const fold = new TurnFold();
  for (const id of sessionIds) {
    fold.nextSession();
    for (let after = 0; ;) {
      const rows = listEvents(store, id, after, PAGE);
      fold.add(rows);
      if (rows.length < PAGE) break;
      after = rows[rows.length - 1]!.id;
    }
  }
  return fold.turns;
}

/** readConversation through the async store contract (#15), on whichever backend holds the transcript. */
export async function readConversationDb(db: Pick<Db, "events">, sessionIds: readonly string[]): Promise<ConversationTurn[]> {
  const fold = new TurnFold();
  for (const id of sessionIds) {
    fold.nextSession();
    for (let after = 0; ;) {
      const rows = await db.events.listEvents(id, after, PAGE);
      fold.add(rows);
      if (rows.length < PAGE) break;
      after = rows[rows.length - 1]!.id;
    }
  }
  return fold.turns;
}

const HEADING = "# Earlier conversation (replayed by aegis)";
const FOOTER = "# End of the earlier conversation";

function intro(n: number): string {
  return `The provider could not restore this session's earlier conversation, so aegis replays it here from its own ` +
    `transcript (${n === 1 ? "1 turn" : `${n} turns`}, oldest first). Those turns are finished: do not act on them ` +
    `again. New messages follow.`;
}

function block(n: number, t: ConversationTurn): string {
  return `## User (turn ${n})\n${t.user}\n\n## Assistant (turn ${n})\n${t.assistant || "(no text reply)"}`;
}

/** Keeps the start and the end of `text` within `max` characters, naming how much of the middle was cut. */
export function clipMiddle(text: string, max: number): string {
  if (text.length <= max) return text;
  const note = (cut: number) => `\n[aegis: ${cut} characters cut]\n`;
  const keep = Math.max(0, max - note(text.length).length);
  const head = Math.ceil(keep / 2);
  const tail = keep - head;
  return `${text.slice(0, head)}${note(text.length - keep)}${tail > 0 ? text.slice(text.length - tail) : ""}`;
}

/**
 * Renders the newest turns that fit in `maxTokens` (estimated; the turns only, not the fixed heading), with a note
 * naming the earlier turns left out. When even the newest turn is over the budget it is kept, shortened in the
 * middle of its user and assistant text. Undefined when there is nothing to replay or `maxTokens` is 0 (replay off).
 */
export function renderReplay(turns: readonly ConversationTurn[], maxTokens: number): RenderedReplay | undefined {
  if (turns.length === 0 || maxTokens <= 0) return undefined;
  const blocks: string[] = [];
  let used = 0;
  let clipped = false;
  for (let i = turns.length - 1; i >= 0; i--) {
    const text = block(i + 1, turns[i]!);
    const cost = estimateTokens(text) + (blocks.length ? 1 : 0); // the blank line between blocks
    if (used + cost > maxTokens) {
      if (blocks.length === 0) {
        blocks.push(block(i + 1, clipTurn(turns[i]!, maxTokens * 4 - (text.length - turns[i]!.user.length - turns[i]!.assistant.length))));
        clipped = true;
      }
      break;
    }
    blocks.push(text);
    used += cost;
  }
  const omitted = turns.length - blocks.length;
  const parts = [HEADING, intro(blocks.length)];
  if (omitted > 0) parts.push(`[aegis: ${omitted === 1 ? "1 earlier turn" : `${omitted} earlier turns`} omitted]`);
  parts.push(...blocks.reverse(), FOOTER);
  return { text: parts.join("\n\n"), turns: blocks.length, omitted, clipped };
}

/** Shortens a turn to about `chars` characters of user and assistant text: each gets half, or what the other leaves. */
function clipTurn(t: ConversationTurn, chars: number): ConversationTurn {
  const budget = Math.max(0, chars);
  const half = Math.floor(budget / 2);
  const userMax = Math.max(half, budget - t.assistant.length);
  const user = clipMiddle(t.user, userMax);
  return { user, assistant: clipMiddle(t.assistant, Math.max(0, budget - user.length)) };
}
