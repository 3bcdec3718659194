// One session's transcript from two sources at once, in order, each row exactly once: the rows read from the state
// database (complete, but written in batches) and, while a serve hosts the session, the rows it streams as they are
// buffered (immediate, but only from when the watch started, and lost if the connection drops). Every row has a
// position in the session's transcript (its ordinal: the n-th row of that session); whichever source brings the
// next position first delivers it, the other's copy is skipped, and a streamed row ahead of a gap waits for the gap.

import type { TranscriptEvent } from "../../store/events.ts";
import type { TranscriptRow } from "./model.ts";

/** A row streamed by the serve (session/session.ts LiveRow): its position, turn, time and event. */
export interface StreamedRow {
  ordinal: number;
  turn: number;
  at: number;
  event: TranscriptEvent;
}

/** Streamed rows waiting for a gap this many rows long are dropped: the database will bring them anyway. */
const MAX_WAITING = 10_000;

export class TranscriptMerge {
  /** The position of the next row to deliver. */
  private next = 0;
  /** How many of the session's rows the database reads have brought. */
  private stored = 0;
  /** The largest row id read from the database (where the next read starts). */
  lastId = 0;
  private readonly waiting = new Map<number, TranscriptRow>();

  constructor(private readonly sessionId: string, private readonly deliver: (rows: TranscriptRow[]) => void) {}

  /**
   * Starts at position `ordinal` instead of the first row (a long transcript: the UI shows its newest rows), after
   * row `lastId`; a note row says how many were left out.
   */
  skipTo(ordinal: number, lastId: number): void {
    this.stored = this.next = ordinal;
    this.lastId = lastId;
    const note = `… ${ordinal} earlier rows not shown (aegis logs shows the whole transcript)`;
    this.deliver([{ id: 0, sessionId: this.sessionId, turn: 0, at: 0, event: { type: "unknown", raw: { note } } }]);
  }

  /** Rows read from the database, in id order, continuing after `lastId`. */
  fromStore(rows: readonly TranscriptRow[]): void {
    const out: TranscriptRow[] = [];
    for (const r of rows) {
      const ordinal = this.stored++;
      this.lastId = r.id;
      if (ordinal < this.next) continue; // the serve's stream brought it already
      this.waiting.delete(ordinal);
      out.push(r);
      this.next = ordinal + 1;
    }
    this.drain(out);
  }

  /** A row the serve streamed. Streamed rows get negative ids (-1 - ordinal): they have no database id yet. */
  fromStream(row: StreamedRow): void {
    if (row.ordinal < this.next) return;
    const r: TranscriptRow = { id: -1 - row.ordinal, sessionId: this.sessionId, turn: row.turn, at: row.at, event: row.event };
    if (row.ordinal > this.next) {
      if (this.waiting.size < MAX_WAITING) this.waiting.set(row.ordinal, r);
      return;
    }
    this.next++;
    this.drain([r]);
  }

  private drain(out: TranscriptRow[]): void {
    for (let r = this.waiting.get(this.next); r; r = this.waiting.get(this.next)) {
      this.waiting.delete(this.next);
      out.push(r);
      this.next++;
    }
    if (out.length) this.deliver(out);
  }
}
