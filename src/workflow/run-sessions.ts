// The sessions of one workflow run. A session is `live` (a Session in the SessionManager) or `recorded` (spawned by a
// replayed step: known only by its handle, profile and provider session id). A recorded session is brought to life
// only when a live step needs it: first through the provider's own resume (claude `--resume`, ACP `session/load`),
// else by a fresh spawn under the same handle that gets the earlier conversation replayed from aegis's transcript
// (session/replay.ts, bounded by `replay.maxTokens`); the choice is logged. It must not journal anything; the engine does.

import type { Session } from "../session/session.ts";
import type { SessionManager, SpawnOptions } from "../session/manager.ts";
import { readConversationDb, renderReplay, type RenderedReplay } from "../session/replay.ts";
import type { SenderTag } from "../session/sender.ts";
import type { Db } from "../store/api.ts";
import { AegisError, errorMessage } from "../util/errors.ts";

interface Tracked {
  handle: string;
  agent: string;
  providerSessionId?: string;
  /** The aegis session id the run's spawn step created: the conversation under this handle starts there. */
  sessionId?: string;
  state: "recorded" | "live" | "closed";
  waking?: Promise<Session>;
  /** Woken through the provider's resume, and no turn has succeeded since (the CLI may only fail at its first turn). */
  unverified?: boolean;
  /** The spawn's isolation options, given again to every respawn under the handle (it keeps its worktree). */
  isolation?: Isolation;
}

type Isolation = Pick<SpawnOptions, "isolation" | "base" | "keep">;

export interface SessionNotice {
  handle: string;
  agent: string;
  action: "spawned" | "resumed" | "respawned" | "closed";
  detail?: string;
  /** For `respawned`: the earlier turns replayed into the fresh session, and those left out to fit the budget. */
  replay?: { turns: number; omitted: number };
}

export class RunSessions {
  private readonly tracked = new Map<string, Tracked>();
  /** The tags this run's messages go out under: its own, and its groups' (`group:<name>/broadcast:<n>`, #13). */
  private readonly senders: Set<SenderTag>;

  constructor(
    private readonly sessions: SessionManager,
    private readonly db: Db,
    private readonly sender: SenderTag,
    private readonly notify: (n: SessionNotice) => void,
    /** Size limit of a replayed conversation in estimated tokens (config `replay.maxTokens`); 0: no replay. */
    private readonly replayMaxTokens: number,
  ) {
    this.senders = new Set([sender]);
  }

  /** Another tag this run sends under (a group's): its unread messages are superseded too when a session is woken. */
  addSender(tag: SenderTag): void {
    this.senders.add(tag);
  }

  /** Drops what the dead attempt sent `handle` under any of the run's tags and the agent never finished reading. */
  private async supersede(handle: string): Promise<void> {
    const now = Date.now();
    for (const tag of this.senders) await this.db.runs.supersedeUnread(handle, tag, now);
  }

  /** Spawns a live session for the run. */
  async spawn(agent: string, handle: string | undefined, isolation: Pick<SpawnOptions, "isolation" | "base" | "keep"> = {}): Promise<Session> {
    const s = await this.sessions.spawn(agent, { ...(handle ? { handle } : {}), spawnedBy: this.sender, ...isolation });
    this.tracked.set(s.handle, { handle: s.handle, agent, state: "live", sessionId: s.id, isolation, ...providerId(s) });
    this.notify({ handle: s.handle, agent, action: "spawned" });
    return s;
  }

  /** Records a session spawned by a replayed step (not started until a live step needs it). */
  recorded(handle: string, agent: string, providerSessionId: string | undefined, sessionId?: string): void {
    const t = this.tracked.get(handle);
    if (t?.state === "live") return;
    this.tracked.set(handle, {
      handle, agent, state: "recorded", ...(providerSessionId ? { providerSessionId } : {}), ...(sessionId ? { sessionId } : {}),
    });
  }

  /** Notes the provider session id a turn reported (live or replayed), for a later resume. */
  noteProviderId(handle: string, providerSessionId: string | undefined): void {
    const t = this.tracked.get(handle);
    if (t && providerSessionId) t.providerSessionId = providerSessionId;
  }

  has(handle: string): boolean {
    const t = this.tracked.get(handle);
    return t !== undefined && t.state !== "closed";
  }

  /** The live session for `handle`, waking a recorded one; a session this run did not spawn must be live here. */
  async live(handle: string): Promise<Session> {
    const t = this.tracked.get(handle);
    if (!t) return this.sessions.require(handle);
    if (t.state === "closed") throw new AegisError("E_STATE", `session ${handle} was closed by this workflow`, { data: { handle } });
    if (t.state === "live") return this.sessions.require(handle);
    t.waking ??= this.wake(t).finally(() => {
      t.waking = undefined;
    });
    return t.waking;
  }

  /** The isolation a respawn under `t`'s handle gets: the spawn's, or its recorded worktree's (after a crash). */
  private async isolationOf(t: Tracked): Promise<Isolation> {
    t.isolation ??= (await this.sessions.worktrees.recordedFor(t.handle, this.sender)) ? { isolation: "worktree" } : {};
    return t.isolation;
  }

  private async wake(t: Tracked): Promise<Session> {
    // Messages the dead attempt sent but the agent never finished reading: the journal re-sends what is needed.
    await this.supersede(t.handle);
    if (t.providerSessionId) {
      try {
        const s = await this.sessions.spawn(t.agent, { handle: t.handle, spawnedBy: this.sender, resumeId: t.providerSessionId, ...(await this.isolationOf(t)) });
        t.state = "live";
        t.unverified = true;
        this.notify({ handle: t.handle, agent: t.agent, action: "resumed", detail: `provider session ${t.providerSessionId}` });
        return s;
      } catch (err) {
        const why = errorMessage(err);
        const s = await this.respawn(t, `the provider could not resume session ${t.providerSessionId}: ${why}`);
        return s;
      }
    }
    return this.respawn(t, "no provider session id was recorded");
  }

  private async respawn(t: Tracked, why: string): Promise<Session> {
    // Read before the spawn: the fresh session's row joins the chain, and the conversation so far is what came before.
    const replay = this.replayMaxTokens > 0
      ? renderReplay(await readConversationDb(this.sessions.db, await this.sessions.db.sessions.sessionChain(t.handle, this.sender, t.sessionId)), this.replayMaxTokens)
      : undefined;
    const s = await this.sessions.spawn(t.agent, { handle: t.handle, spawnedBy: this.sender, ...(await this.isolationOf(t)), ...(replay ? { replay: replay.text } : {}) });
    t.state = "live";
    Object.assign(t, providerId(s));
    this.notify({
      handle: t.handle, agent: t.agent, action: "respawned", detail: `${why}; ${this.replayNote(replay)}`,
      ...(replay ? { replay: { turns: replay.turns, omitted: replay.omitted } } : {}),
    });
    return s;
  }

  private replayNote(r: RenderedReplay | undefined): string {
    if (this.replayMaxTokens <= 0) return "it starts without the earlier conversation (replay.maxTokens is 0)";
    if (!r) return "it starts fresh: there is no finished turn to replay";
    const turns = (n: number) => (n === 1 ? "1 turn" : `${n} turns`);
    const left = r.omitted > 0 ? `; ${turns(r.omitted)} before them omitted to stay within replay.maxTokens ${this.replayMaxTokens}` : "";
    const cut = r.clipped ? `; the last turn was shortened to fit replay.maxTokens ${this.replayMaxTokens}` : "";
    return `it starts fresh with the earlier conversation replayed from aegis's transcript (the last ${turns(r.turns)}${left}${cut})`;
  }

  /** A turn succeeded: the session (if it was resumed through the provider) really has its conversation back. */
  verified(handle: string): void {
    const t = this.tracked.get(handle);
    if (t) t.unverified = false;
  }

  /**
   * The first turn of a session resumed through the provider failed (e.g. the CLI has no such conversation): closes
   * it and respawns it fresh under the same handle. Returns false (nothing done) for any other session.
   */
  async respawnAfterFailedResume(handle: string, err: unknown): Promise<boolean> {
    const t = this.tracked.get(handle);
    if (!t?.unverified || t.state !== "live") return false;
    t.unverified = false;
    await this.isolationOf(t); // before the close, whose keep policy may remove a clean worktree's record
    await this.sessions.close(handle);
    await this.supersede(t.handle);
    const why = errorMessage(err);
    await this.respawn(t, `the provider could not resume session ${t.providerSessionId}: ${why}`);
    return true;
  }

  /** Closes one session of the run. Idempotent; closing a session the run did not spawn does nothing. */
  async close(handle: string): Promise<void> {
    const t = this.tracked.get(handle);
    if (!t || t.state === "closed") return;
    const wasLive = t.state === "live";
    t.state = "closed";
    if (wasLive) {
      await this.sessions.close(handle);
      this.notify({ handle, agent: t.agent, action: "closed" });
    }
  }

  /** Closes every live session of the run (whatever the outcome), in parallel. */
  async closeAll(): Promise<void> {
    await Promise.all([...this.tracked.values()].filter((t) => t.state === "live").map((t) => this.close(t.handle)));
  }

  /** Handles of the run's sessions that are live now. */
  liveHandles(): string[] {
    return [...this.tracked.values()].filter((t) => t.state === "live").map((t) => t.handle);
  }

  /** How many sessions the run has had (live, recorded or closed). */
  get count(): number {
    return this.tracked.size;
  }

  agentOf(handle: string): string | undefined {
    return this.tracked.get(handle)?.agent;
  }
}

function providerId(s: Session): { providerSessionId?: string } {
  const id = s.driver.providerSessionId;
  return id ? { providerSessionId: id } : {};
}
