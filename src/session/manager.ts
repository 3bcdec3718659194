// SessionManager: the live sessions of one aegis process, by handle. It resolves agent profiles, picks readable
// unique handles, starts drivers (with the MCP plane's servers and system prompt when a plane is attached), persists
// every inbox message before delivering it, and publishes progress (spawns, state changes, every AgentEvent) for
// the UI and the MCP plane. Its rows go through the async store contract (`Db`, #15); it subscribes to the inbox
// topic, so a message written by any process (any machine, on PostgreSQL) for a session live here is collected.
// It must not know about queues or workflows; they call it.

import type { LoadedConfig } from "../config/validate.ts";
import { didYouMean } from "../config/validate.ts";
import type { AgentEvent, Driver, McpServerSpec, PermissionRequest } from "../drivers/driver.ts";
import { getDriver } from "../drivers/registry.ts";
import type { Db } from "../store/api.ts";
import { hostName } from "../store/owners.ts";
import type { InboxRow } from "../store/inbox.ts";
import type { SessionState } from "../store/sessions.ts";
import { sqliteDb } from "../store/sqlite/db.ts";
import type { Store } from "../store/store.ts";
import { AegisError, notFound } from "../util/errors.ts";
import { HANDLE_PATTERN, newHandle, newId } from "../util/ids.ts";
import { Emitter } from "./emitter.ts";
import { consumeInterruptRow, writeInterruptRow } from "./control.ts";
import { INTERRUPT_SENDER, type Delivery, type InboxMessage, type SenderTag } from "./sender.ts";
import { Session, type LiveRow, type QueuedMessage } from "./session.ts";
import type { KeepPolicy } from "../store/worktrees.ts";
import { logIgnored } from "../util/log-ignored.ts";
import { SessionWorktrees, sharedStateEnv, worktreeNote } from "./worktrees.ts";

/** What the plane is told about a session it attaches to. */
export interface PlaneAttachOptions {
  /** The session works in a git worktree of its own, so it shares no files with its peers (and needs no claims). */
  isolated?: boolean;
}

/** How the MCP plane plugs in: per-session servers and system prompt at spawn, cleanup at close. */
export interface Plane {
  /**
   * Attach to sessions of the in-process Scripted agent too. Off by default: Scripted speaks no MCP, and the plane's
   * start-up (the MCP SDK, a server) is then the largest cost of a workflow run on Scripted agents.
   */
  includeScripted?: boolean;
  attach(handle: string, opts?: PlaneAttachOptions): { mcpServers: McpServerSpec[]; systemPrompt: string } | Promise<{ mcpServers: McpServerSpec[]; systemPrompt: string }>;
  detach(handle: string): void;
}

export interface SessionManagerOptions {
  config: LoadedConfig;
  /** The SQLite store, when the state is in SQLite (absent on PostgreSQL); give `db`, `store`, or both. */
  store?: Store;
  /** The async store contract (the runtime's rt.db); default one made over `store` for this manager. */
  db?: Db;
  cwd: string;
  /** This process's owner id (see store/owners.ts); recorded on every session row. */
  owner?: string;
  plane?: Plane;
  askPermission?: (req: PermissionRequest) => Promise<boolean>;
  /** A turn with no event for this long is interrupted, then its process killed. Default 600 s. */
  idleTimeoutMs?: number;
  /** How often a running turn's events are written to the transcript. Default 200 ms. */
  flushMs?: number;
}

export interface SpawnOptions {
  handle?: string;
  /** The session id to use (default a new `ses_…`); queue workers derive theirs from their task id. */
  id?: string;
  /** Close the session once it is idle after its work (queue workers). */
  closeWhenIdle?: boolean;
  /** The opening turn, sent headerless. */
  prompt?: string;
  /** Sender tag of whoever asked for the session (`agent:…`, `queue:…`, `workflow:…`, `user`). */
  spawnedBy?: string;
  /** A provider session id to resume (claude `--resume`, ACP `session/load`). */
  resumeId?: string;
  /** The earlier conversation, rendered (session/replay.ts), for a fresh session replacing one that could not be resumed. */
  replay?: string;
  /** Extra environment for the CLI process. */
  env?: Record<string, string>;
  /** "worktree": the CLI runs in its own git worktree (see worktrees.ts); default the agent profile's, else "none". */
  isolation?: "worktree" | "none";
  /** The worktree's base (branch, tag or commit); default the project's HEAD. */
  base?: string;
  /** The keep policy of its worktree; default the agent profile's, else "changed". */
  keep?: KeepPolicy;
}

export interface SessionInfo {
  handle: string;
  id: string;
  agent: string;
  state: SessionState;
  /** Messages waiting for the next turn boundary. */
  inbox: number;
  spawnedBy?: string;
  tokens: { input: number; output: number };
  costUsd: number;
  pid?: number;
}

export type SessionProgress =
  | { type: "spawned"; handle: string; agent: string; spawnedBy?: string }
  | { type: "state"; handle: string; state: SessionState }
  | { type: "event"; handle: string; event: AgentEvent };

export class SessionManager {
  private readonly live = new Map<string, Session>();
  private readonly emitter = new Emitter<SessionProgress>();
  private readonly rows = new Emitter<{ sessionId: string; handle: string; row: LiveRow }>();
  /** Inbox rows sitting in some live session's memory, so collecting from the store does not queue them twice. */
  private readonly queuedRows = new Set<number>();
  /**
   * Rows a turn marked delivered while a read of undelivered rows was in flight: that read may still return them (on
   * PostgreSQL a read is a round trip), and they must not start a second turn (#15). Cleared when no read is in flight.
   */
  private readonly doneRows = new Set<number>();
  private readsInFlight = 0;
  private readonly hooks;
  /** Drivers by provider name, loaded once (each is imported lazily on first use). */
  private readonly drivers = new Map<string, Driver | Promise<Driver>>();
  /** The git worktrees of isolated sessions (created lazily: nothing runs git unless a session asks for isolation). */
  readonly worktrees: SessionWorktrees;
  /** Sessions (by id) that run in a worktree, and the keep policy being applied to those that closed. */
  private readonly isolated = new Set<string>();
  private readonly releasing = new Map<string, Promise<unknown>>();
  readonly db: Db;
  /**
   * Inbox work in order: inserting a message and handing it to its session, and collecting rows from the store, run
   * one after the other, so a collect never sees a row whose insert has not yet been marked as queued here.
   */
  private inboxChain: Promise<unknown> = Promise.resolve();
  private readonly stopInboxWatch: () => void;
  /** A collect triggered by a notification is scheduled and has not started its read yet. */
  private collectQueued = false;

  constructor(private readonly opts: SessionManagerOptions) {
    if (!opts.db && !opts.store) throw new AegisError("E_INTERNAL", "a SessionManager needs the state: pass db (or a SQLite store)");
    this.db = opts.db ?? sqliteDb(opts.store!, { closeStore: false });
    this.stopInboxWatch = this.db.subscribe("inbox", (key) => {
      // Notifications arriving in one turn of the event loop (this process's own inbox writes notify too) share one
      // collect, run once that turn ends: a busy process pays one query per loop turn, not one per message.
      if (this.live.size === 0 || (key !== "*" && !this.live.has(key)) || this.collectQueued) return;
      this.collectQueued = true;
      setImmediate(() => {
        this.collectInbox().catch(logIgnored("collecting inbox messages for the sessions live here"));
      });
    });
    this.worktrees = new SessionWorktrees(this.db, opts.cwd);
    this.hooks = {
      onEvent: (s: Session, event: AgentEvent) => {
        if (this.emitter.active) this.emitter.emit({ type: "event", handle: s.handle, event });
      },
      onState: (s: Session, state: SessionState) => {
        if (state === "closed") this.forget(s);
        if (this.emitter.active) this.emitter.emit({ type: "state", handle: s.handle, state });
      },
      onRowsDone: (ids: readonly number[]) => {
        for (const id of ids) {
          this.queuedRows.delete(id);
          if (this.readsInFlight > 0) this.doneRows.add(id);
        }
      },
      wantsRows: () => this.rows.active,
      onRow: (s: Session, row: LiveRow) => this.rows.emit({ sessionId: s.id, handle: s.handle, row }),
    };
  }

  /** The SQLite store; E_CONFIG when the state is on PostgreSQL (use `db`). */
  get store(): Store {
    if (!this.opts.store) throw new AegisError("E_CONFIG", "this aegis process keeps its state in PostgreSQL: there is no SQLite store to read");
    return this.opts.store;
  }

  /** Subscribes to progress: spawns, state changes and every agent event, each with its handle. */
  on(listener: (e: SessionProgress) => void): () => void {
    return this.emitter.on(listener);
  }

  /** Every transcript row of a session live here as it is buffered, with its position (aegis ui over serve, #14). */
  onRows(listener: (e: { sessionId: string; handle: string; row: LiveRow }) => void): () => void {
    return this.rows.on(listener);
  }

  async spawn(profile: string, o: SpawnOptions = {}): Promise<Session> {
    const agent = this.opts.config.agents[profile];
    if (!agent) {
      const names = Object.keys(this.opts.config.agents);
      throw notFound("agent", profile, names, didYouMean(profile, names));
    }
    const id = o.id ?? newId("ses");
    if (o.resumeId !== undefined && o.handle !== undefined) await this.checkResumeHost(o.handle);
    const handle = await this.claimHandle(id, profile, agent.provider.name, agent.model, o);
    let attached = false;
    // Without an explicit choice, a handle that still has its worktree from the same spawner (a session respawned
    // after a crash) goes back into it.
    const isolated = o.isolation !== undefined
      ? o.isolation === "worktree"
      : agent.isolation === "worktree" || (o.handle !== undefined && (await this.worktrees.recordedFor(o.handle, o.spawnedBy ?? null)));
    try {
      const cwd = isolated ? (await this.isolate(handle, id, o, agent.keep)) : this.opts.cwd;
      const p = this.opts.plane;
      const plane = p && (agent.provider.name !== "scripted" || p.includeScripted) ? await p.attach(handle, { isolated }) : undefined;
      attached = plane !== undefined;
      const systemPrompt = [plane?.systemPrompt, isolated ? worktreeNote(cwd, this.opts.cwd, handle) : "", agent.prompt].filter((s) => s).join("\n\n");
      const driver = await (await this.driverFor(agent.provider.name)).start(agent.provider, {
        cwd,
        handle,
        ...(plane?.mcpServers.length ? { mcpServers: plane.mcpServers } : {}),
        ...(systemPrompt ? { systemPrompt } : {}),
        ...(o.resumeId ? { resumeId: o.resumeId } : {}),
        ...(o.replay ? { replay: o.replay } : {}),
        // An isolated session's own aegis finds the state from its worktree: the SQLite folder (a database URL is inherited).
        ...(isolated ? { env: { ...(this.opts.store ? sharedStateEnv(this.opts.store.path) : {}), ...o.env } } : o.env ? { env: o.env } : {}),
        idleTimeoutMs: this.idleTimeoutMs,
        ...(this.opts.askPermission ? { askPermission: this.opts.askPermission } : {}),
      });
      const opening = o.prompt !== undefined;
      const session = new Session({
        db: this.db, id, handle, agent: profile, ...(o.spawnedBy ? { spawnedBy: o.spawnedBy } : {}), driver,
        ...(this.opts.flushMs !== undefined ? { flushMs: this.opts.flushMs } : {}), hooks: this.hooks,
        // With an opening turn the row was inserted as `working`; the pid is written with the turn's end.
        rowState: opening ? "working" : "ready",
        ...(o.closeWhenIdle ? { closeWhenIdle: true } : {}),
      });
      if (!opening) {
        this.db.sessions.markSessionReady(id, driver.pid ?? null, driver.providerSessionId ?? null);
      }
      this.live.set(handle, session);
      if (this.emitter.active) this.emitter.emit({ type: "spawned", handle, agent: profile, ...(o.spawnedBy ? { spawnedBy: o.spawnedBy } : {}) });
      if (o.prompt !== undefined) session.deliver({ from: "user", body: o.prompt, headerless: true });
      // Messages left for this handle are collected only by a session that asked for the handle by name: a fresh
      // random handle must not inherit an unrelated earlier session's mail.
      if (o.handle !== undefined) {
        await this.inOrder(() => this.reading(async () => {
          for (const row of await this.db.inbox.undeliveredFor(handle)) if (!this.held(row.id)) this.enqueueRow(session, row);
        }));
      }
      return session;
    } catch (err) {
      await this.db.sessions.closeSessionRow(id, Date.now());
      if (attached) this.opts.plane?.detach(handle);
      // The start failed: its worktree gets the keep policy (a fresh, clean one is removed); the start's error is the news.
      if (this.isolated.delete(id)) await this.worktrees.release(handle, id).catch(logIgnored(`releasing ${handle}'s worktree after a failed start`));
      throw err;
    }
  }

  /**
   * A provider session lives in files on the machine that ran it: resuming one recorded by another host is refused
   * (E_STATE), so the caller starts afresh and replays the conversation from the transcript instead (#15).
   */
  private async checkResumeHost(handle: string): Promise<void> {
    const row = await this.db.sessions.findSessionByHandle(handle);
    const here = hostName();
    if (row?.host && row.host !== here) {
      throw new AegisError("E_STATE", `session ${handle} ran on host ${row.host}: its provider session is stored there, so it cannot be resumed on ${here}`, {
        data: { handle, host: row.host }, hint: "start a fresh session (a workflow replays the conversation from the transcript), or resume on that host",
      });
    }
  }

  private async isolate(handle: string, id: string, o: SpawnOptions, profileKeep: KeepPolicy | undefined): Promise<string> {
    const keep = o.keep ?? profileKeep;
    const row = await this.worktrees.acquire(handle, {
      sessionId: id, spawnedBy: o.spawnedBy ?? null, ...(o.base !== undefined ? { base: o.base } : {}), ...(keep ? { keep } : {}),
    });
    this.isolated.add(id);
    return row.path;
  }

  /** Resolves once the keep policy has been applied to every closed session's worktree. */
  async settled(): Promise<void> {
    await Promise.all([...this.releasing.values()]);
  }

  private driverFor(name: Driver["name"]): Driver | Promise<Driver> {
    let d = this.drivers.get(name);
    if (!d) {
      const loading = getDriver(name).then((loaded) => (this.drivers.set(name, loaded), loaded));
      loading.catch(() => this.drivers.delete(name)); // a failed load is retried by the next spawn; the spawn reports it
      this.drivers.set(name, (d = loading));
    }
    return d;
  }

  get(handle: string): Session | undefined {
    return this.live.get(handle);
  }

  /** The live session holding `handle`; E_NOT_FOUND otherwise. */
  require(handle: string): Session {
    const s = this.live.get(handle);
    if (!s) throw new AegisError("E_NOT_FOUND", `no live session "${handle}"${didYouMean(handle, [...this.live.keys()])}`, { data: { handle } });
    return s;
  }

  list(): SessionInfo[] {
    return [...this.live.values()].map((s) => ({
      handle: s.handle,
      id: s.id,
      agent: s.agent,
      state: s.state,
      inbox: s.depth,
      ...(s.spawnedBy ? { spawnedBy: s.spawnedBy } : {}),
      tokens: { input: s.totals.input, output: s.totals.output },
      costUsd: s.totals.costUsd,
      ...(s.pid !== undefined ? { pid: s.pid } : {}),
    }));
  }

  /** Delivers `text` and resolves with the final assistant message of the turn that carried it. */
  async send(handle: string, text: string, from: SenderTag): Promise<string> {
    const session = this.require(handle);
    return new Promise<string>((resolve, reject) => {
      this.deliverTo(session, { from, body: text }, { resolve, reject }).persisted.catch(reject);
    });
  }

  /**
   * Persists a message for `handle`, then delivers it: into a new turn if the session is idle, else at the next
   * boundary. A handle live in another aegis process gets the persisted row, which that process collects.
   */
  async deliver(handle: string, msg: InboxMessage): Promise<Delivery> {
    const session = this.live.get(handle);
    if (session) {
      const { delivery, persisted } = this.deliverTo(session, msg);
      await persisted;
      await this.db.flush(); // the sender is told where its message went: that must survive a crash
      return delivery;
    }
    const row = await this.db.sessions.findSessionByHandle(handle);
    if (!row || row.closed_at !== null) this.require(handle); // throws E_NOT_FOUND
    // Committed at once: the process holding the session collects it from the database (woken by the inbox topic).
    const m = { target: handle, sender: msg.from, body: msg.body, taskId: msg.taskId, status: msg.status, at: msg.at ?? Date.now() };
    // The depth is counted in the insert's transaction: counted after it, the other process may already have run
    // and marked the message (an instant turn), and the sender was told "queued, depth 0".
    const depth = await this.db.tx(async (t) => {
      await t.inbox.insertInbox(m);
      return (await t.inbox.undeliveredFor(handle)).length;
    }, { durable: true });
    return { disposition: "queued", depth };
  }

  /** Hands an already persisted inbox row to its live session, if it is live here; returns whether it was. */
  deliverRow(row: InboxRow): boolean {
    const session = this.live.get(row.target);
    if (!session || this.held(row.id)) return false;
    if (row.sender === INTERRUPT_SENDER) {
      this.queuedRows.add(row.id); // consumed once, even if a collect sees it again before it is marked
      void consumeInterruptRow(this.db, session, row).catch(logIgnored(`consuming an interrupt request for ${session.handle}`))
        .finally(() => this.hooks.onRowsDone([row.id]));
      return true;
    }
    this.enqueueRow(session, row);
    return true;
  }

  /**
   * Interrupts the running turn of `handle` wherever it is hosted: here directly; in another aegis process (serve,
   * `aegis run`, another UI) through a control row in its inbox, which that process's watch picks up (#14).
   */
  async requestInterrupt(handle: string): Promise<"here" | "requested"> {
    if (this.live.has(handle)) {
      await this.interrupt(handle);
      return "here";
    }
    const row = await this.db.sessions.findSessionByHandle(handle);
    if (!row || row.closed_at !== null) this.require(handle); // throws E_NOT_FOUND
    await writeInterruptRow(this.db, handle);
    return "requested";
  }

  /** Picks up messages other processes persisted for sessions live here. Returns how many were queued. */
  collectInbox(): Promise<number> {
    return this.inOrder(async () => {
      this.collectQueued = false; // a notification from here on needs another collect
      if (this.live.size === 0) return 0;
      return this.reading(async () => {
        let n = 0;
        for (const row of await this.db.inbox.undeliveredAfter([...this.live.keys()], 0)) if (this.deliverRow(row)) n++;
        return n;
      });
    });
  }

  /** Whether row `id` is queued in a live session here, or was delivered by a turn since a read in flight began. */
  private held(id: number): boolean {
    return this.queuedRows.has(id) || this.doneRows.has(id);
  }

  /**
   * Runs a read of undelivered rows and what it queues. Once no read is in flight, every row a turn marked delivered is
   * out of reach of any later read (its mark committed before it was noted), so the list of them is dropped.
   */
  private async reading<T>(fn: () => Promise<T>): Promise<T> {
    this.readsInFlight++;
    try {
      return await fn();
    } finally {
      if (--this.readsInFlight === 0) this.doneRows.clear();
    }
  }

  /** Runs `fn` after every inbox step queued before it (see inboxChain). */
  private inOrder<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.inboxChain.then(fn);
    this.inboxChain = run.catch(logIgnored("an inbox step (its caller gets the error)")); // the chain goes on
    return run;
  }

  async interrupt(handle: string): Promise<void> {
    await this.require(handle).interrupt();
  }

  /** Closes a session and its process tree. Idempotent: closing an unknown or closed handle does nothing. */
  async close(handle: string): Promise<void> {
    const s = this.live.get(handle);
    if (s) await s.close();
    await this.releasing.get(handle);
  }

  async closeAll(): Promise<void> {
    this.stopInboxWatch();
    await Promise.all([...this.live.values()].map((s) => s.close()));
    await this.settled();
  }

  get idleTimeoutMs(): number {
    return this.opts.idleTimeoutMs ?? 600_000;
  }

  /**
   * Hands the message to the session at once (so messages keep their order and a turn starts now) and writes its
   * inbox row; the turn carrying it waits for that write and commits it before the agent reads it (Session.runOne).
   */
  private deliverTo(session: Session, msg: InboxMessage, waiter?: QueuedMessage["waiter"]): { delivery: Delivery; persisted: Promise<void> } {
    const at = msg.at ?? Date.now();
    const queued: QueuedMessage = { ...msg, at, ...(waiter ? { waiter } : {}) };
    const persisted = this.inOrder(async () => {
      const row = await this.db.inbox.insertInbox({ target: session.handle, sender: msg.from, body: msg.body, taskId: msg.taskId, status: msg.status, at });
      queued.rowId = row.id;
      if (!queued.dropped) this.queuedRows.add(row.id);
    });
    queued.persisted = persisted;
    return { delivery: session.deliver(queued), persisted };
  }

  private enqueueRow(session: Session, row: InboxRow): void {
    this.queuedRows.add(row.id);
    session.deliver({
      from: row.sender as SenderTag, body: row.body, at: row.created_at, rowId: row.id,
      ...(row.task_id ? { taskId: row.task_id } : {}), ...(row.status ? { status: row.status } : {}),
    });
  }

  private async claimHandle(id: string, agent: string, provider: string, model: string | undefined, o: SpawnOptions): Promise<string> {
    const row = {
      id, agent, provider, ...(model ? { model } : {}), ...(o.spawnedBy ? { spawnedBy: o.spawnedBy } : {}),
      ...(this.opts.owner ? { owner: this.opts.owner } : {}), host: hostName(), createdAt: Date.now(), state: o.prompt !== undefined ? "working" as const : "starting" as const,
    };
    const wanted = o.handle;
    if (wanted !== undefined) {
      if (!HANDLE_PATTERN.test(wanted)) {
        throw new AegisError("E_USAGE", `invalid handle "${wanted}": use lowercase words joined by dashes, e.g. brisk-curie`);
      }
      const insert = () => this.db.sessions.insertSession({ ...row, handle: wanted });
      if (this.live.has(wanted) || !((await insert()) || ((await this.releaseStaleHandle(wanted)) && (await insert())))) {
        throw new AegisError("E_STATE", `the handle "${wanted}" is already taken by a live session`, { data: { handle: wanted } });
      }
      return wanted;
    }
    for (let i = 0; i < 1000; i++) {
      const handle = newHandle((h) => this.live.has(h));
      if (await this.db.sessions.insertSession({ ...row, handle })) return handle;
    }
    throw new AegisError("E_STATE", "could not find a free session handle");
  }

  /**
   * Closes the row holding `handle` if the process that held it is gone (it crashed before closing it), so the
   * handle can be taken again, e.g. when a workflow resumes its sessions after a crash. True if the handle is free now
   * (closed here, or already closed by another process's recovery).
   */
  private async releaseStaleHandle(handle: string): Promise<boolean> {
    const held = await this.db.sessions.findSessionByHandle(handle);
    // No open row any more: it was closed since the insert was refused (another process's recovery, #15). Free now.
    if (!held || held.closed_at !== null) return true;
    if (held.owner === null || held.owner === this.opts.owner) return false;
    const owner = held.owner;
    if (!(await this.db.owners.deadOwners([owner])).has(owner)) return false;
    await this.db.tx((t) => t.sessions.closeSessionRow(held.id, Date.now()), { durable: true });
    return true;
  }

  private forget(s: Session): void {
    if (this.live.get(s.handle) === s) this.live.delete(s.handle);
    if (this.isolated.delete(s.id)) this.releaseWorktree(s);
    // Its claims on shared paths end with it: the write that closes its row deletes them (a crashed process's are
    // ignored by store/claims.ts instead). No statement of its own: most sessions never claim (#15).
    this.opts.plane?.detach(s.handle);
  }

  private releaseWorktree(s: Session): void {
    const p = this.worktrees.release(s.handle, s.id)
      // A failed removal leaves the worktree live in the store: `aegis worktrees` shows it and prune retries it.
      .catch(logIgnored(`applying the keep policy to ${s.handle}'s worktree`))
      .finally(() => {
        if (this.releasing.get(s.handle) === p) this.releasing.delete(s.handle);
      });
    this.releasing.set(s.handle, p);
  }
}
