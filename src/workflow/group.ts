// `engine.group(name, members)` (#13): a run's group of agent sessions briefed together. Every call is a journaled
// step ("group" after the members' spawns, "broadcast" then one "send" per member, "gather", "race", "dissolve"), so
// a resumed run replays them without paying for a finished turn again. A gather records the raw replies; its reducer
// runs again on every attempt. It must not reach sessions itself: the engine hands it the verbs it uses (GroupOps).

import type { SenderTag } from "../session/sender.ts";
import { didYouMean } from "../config/validate.ts";
import { AegisError, notFound } from "../util/errors.ts";
import type {
  BroadcastOptions, BroadcastReceipt, GatherOptions, GatherResult, Group, GroupMember, GroupMemberSpec, RaceOptions, RaceResult,
  SpawnOptions,
} from "./engine-types.ts";
import { abortReason } from "./bash.ts";
import { quote } from "./engine-turns.ts";
import { WorkflowError } from "./errors.ts";
import { checkBroadcast, checkGroupName, groupSender, renderBrief } from "./group-brief.ts";
import { collectReplies, raceReplies, settle, type Collected, type MemberTurn } from "./group-collect.ts";
import { checkReducer, reduceReplies } from "./group-reduce.ts";
import type { LiveOutcome, StepSpec } from "./journal.ts";

/** What a group needs from its engine. */
export interface GroupOps {
  readonly signal: AbortSignal;
  agents(): string[];
  spawn(profile: string, opts: SpawnOptions): Promise<string>;
  close(handle: string): Promise<void>;
  step<T>(spec: StepSpec, exec: (seq: number) => Promise<LiveOutcome<T>>): Promise<T>;
  /** Tells the run a tag it sends under, so a resumed run drops what a dead attempt left unread under it. */
  addSender(tag: SenderTag): void;
  /** A journaled turn of `handle`, read under `from`; aborting `stop` interrupts it. */
  sendAs(handle: string, text: string, from: SenderTag, stop: AbortSignal, gist: string): Promise<string>;
  /** A live turn, not journaled (the caller journals the outcome); aborting `stop` interrupts it. */
  turnAs(handle: string, text: string, from: SenderTag, stop: AbortSignal): Promise<LiveOutcome<{ text: string }>>;
}

const MAX_MEMBERS = 64;

/** The members a spec list asks for, checked, in order: one entry per session. */
function expand(specs: readonly GroupMemberSpec[], agents: readonly string[]): Array<{ agent: string; opts: SpawnOptions }> {
  if (!Array.isArray(specs) || specs.length === 0) {
    throw new WorkflowError("group: members must be a non-empty list of agent names or { agent, count?, isolation?, handle? }", { code: "E_USAGE" });
  }
  const out: Array<{ agent: string; opts: SpawnOptions }> = [];
  specs.forEach((spec, i) => {
    const m = typeof spec === "string" ? { agent: spec } : spec;
    if (!m || typeof m.agent !== "string") throw new WorkflowError(`group: member ${i} must be an agent name or { agent, … }`, { code: "E_USAGE" });
    if (!agents.includes(m.agent)) throw notFound("agent", m.agent, agents, didYouMean(m.agent, [...agents]), `group member ${i} names it; use a key of agents`);
    const count = m.count ?? 1;
    if (!Number.isInteger(count) || count < 1) throw new WorkflowError(`group: member ${i} (${m.agent}): count must be a whole number of at least 1`, { code: "E_USAGE" });
    const base: SpawnOptions = {
      ...(m.isolation !== undefined ? { isolation: m.isolation } : {}), ...(m.base !== undefined ? { base: m.base } : {}), ...(m.keep !== undefined ? { keep: m.keep } : {}),
    };
    for (let n = 1; n <= count; n++) {
      const handle = m.handle === undefined ? undefined : count === 1 ? m.handle : `${m.handle}-${n}`;
      out.push({ agent: m.agent, opts: { ...base, ...(handle !== undefined ? { handle } : {}) } });
    }
  });
  if (out.length > MAX_MEMBERS) throw new WorkflowError(`group: ${out.length} members is more than ${MAX_MEMBERS}`, { code: "E_USAGE" });
  const handles = out.flatMap((m) => (m.opts.handle ? [m.opts.handle] : []));
  const twice = handles.find((h, i) => handles.indexOf(h) !== i);
  if (twice) throw new WorkflowError(`group: the handle "${twice}" is given to two members`, { code: "E_USAGE" });
  return out;
}

/** The groups of one run, by name. */
export class RunGroups {
  /** Names of the run's groups not dissolved (taken from the call, so two groups cannot start under one name). */
  private readonly names = new Set<string>();

  constructor(private readonly ops: GroupOps) {}

  async create(name: string, specs: readonly GroupMemberSpec[]): Promise<Group> {
    checkGroupName(name);
    if (this.names.has(name)) {
      throw new AegisError("E_STATE", `group "${name}" already exists in this run`, { hint: "dissolve it first, or pick another name" });
    }
    const wanted = expand(specs, this.ops.agents());
    this.names.add(name);
    try {
      const handles = await Promise.all(wanted.map((m) => this.ops.spawn(m.agent, m.opts)));
      const members = wanted.map((m, i) => ({ handle: handles[i]!, agent: m.agent }));
      await this.ops.step<{ name: string; members: GroupMember[] }>(
        { kind: "group", label: `group ${name}: ${handles.join(", ")}`, input: { name, members: wanted } },
        async () => ({ output: { name, members } }),
      );
      return new RunGroup(this.ops, name, members, () => this.names.delete(name));
    } catch (err) {
      this.names.delete(name);
      throw err;
    }
  }
}

interface InFlight {
  id: number;
  from: SenderTag;
  turns: MemberTurn[];
  /** Resolves once the members' turns have started (a gather called before the broadcast resolved waits for it). */
  ready: Promise<void>;
  gathering?: boolean;
}

class RunGroup implements Group {
  readonly members: readonly string[];
  private inflight: InFlight | undefined;
  private racing: number | undefined;
  private rounds = 0;
  private dissolved = false;

  constructor(private readonly ops: GroupOps, readonly name: string, readonly roster: readonly GroupMember[], private readonly forget: () => void) {
    this.members = roster.map((m) => m.handle);
  }

  async broadcast(objective: string, opts: BroadcastOptions = {}): Promise<BroadcastReceipt> {
    this.usable("broadcast");
    checkBroadcast(objective, opts);
    this.idle("broadcast");
    const id = ++this.rounds;
    const from = groupSender(this.name, "broadcast", id);
    this.ops.addSender(from);
    let started!: () => void;
    const slot: InFlight = { id, from, turns: [], ready: new Promise<void>((r) => (started = r)) };
    this.inflight = slot; // taken before the step, so a concurrent broadcast is refused
    const text = renderBrief(this.name, this.members, objective, opts);
    try {
      await this.ops.step<{ id: number; members: string[] }>(
        { kind: "broadcast", label: `broadcast ${this.name}#${id} ${quote(objective)}`, input: { group: this.name, id, text } },
        async () => ({ output: { id, members: [...this.members] } }),
      );
    } catch (err) {
      if (this.inflight === slot) this.inflight = undefined;
      started(); // a gather waiting on it then finds no member turn
      throw err;
    }
    slot.turns = this.members.map((h) => {
      const stop = new AbortController();
      return { member: h, settled: settle(this.ops.sendAs(h, text, from, stop.signal, objective)), stop: () => stop.abort() };
    });
    started();
    return { id, from, members: [...this.members] };
  }

  // `any`: one body serves the overloads of Group.gather, whose result type follows the reducer.
  async gather(opts: GatherOptions = {}): Promise<GatherResult<any>> {
    this.usable("gather");
    checkReducer(opts.reducer);
    checkTimeout("gather", opts.timeout);
    const slot = this.inflight;
    if (!slot || slot.gathering) {
      throw new AegisError("E_STATE", `group "${this.name}" has no broadcast to gather${slot ? " (another gather is collecting it)" : ""}`, {
        hint: "call broadcast(objective) first; each broadcast is gathered once",
      });
    }
    slot.gathering = true;
    let out: Collected;
    try {
      out = await this.ops.step<Collected>(
        { kind: "gather", label: `gather ${this.name}#${slot.id}${opts.timeout !== undefined ? ` (timeout ${opts.timeout} ms)` : ""}`, input: { group: this.name, id: slot.id, timeoutMs: opts.timeout ?? null } },
        async () => {
          await slot.ready;
          const collected = await collectReplies(slot.turns, opts.timeout, this.ops.signal);
          if (this.ops.signal.aborted) throw abortReason(this.ops.signal);
          return { output: collected };
        },
      );
    } finally {
      if (this.inflight === slot) this.inflight = undefined;
    }
    const order = this.members.filter((h) => h in out.replies);
    const combined = await reduceReplies(opts.reducer, out.replies, order);
    return { byMember: out.replies, combined, errors: out.errors, timeouts: out.timeouts };
  }

  async race(prompt: string, opts: RaceOptions = {}): Promise<RaceResult> {
    this.usable("race");
    if (typeof prompt !== "string" || prompt.trim() === "") throw new WorkflowError("race(prompt): the prompt must be a non-empty string", { code: "E_USAGE" });
    checkTimeout("race", opts.timeout);
    this.idle("race");
    const id = ++this.rounds;
    const from = groupSender(this.name, "race", id);
    this.ops.addSender(from);
    const cancelLosers = opts.cancelLosers ?? true;
    const accept = opts.accept ?? ((r: string) => r.trim() !== "");
    this.racing = id;
    try {
      return await this.ops.step<RaceResult>(
        { kind: "race", label: `race ${this.name}#${id} ${quote(prompt)}`, input: { group: this.name, id, prompt, cancelLosers, timeoutMs: opts.timeout ?? null } },
        async () => {
          const usage = { costUsd: 0, inputTokens: 0, outputTokens: 0 };
          const turns: MemberTurn[] = this.members.map((h) => {
            const stop = new AbortController();
            const reply = this.ops.turnAs(h, prompt, from, stop.signal).then((o) => {
              usage.costUsd += o.costUsd ?? 0;
              usage.inputTokens += o.inputTokens ?? 0;
              usage.outputTokens += o.outputTokens ?? 0;
              return o.output.text;
            });
            return { member: h, settled: settle(reply), stop: () => stop.abort() };
          });
          const w = await raceReplies(turns, { accept, cancelLosers, ...(opts.timeout !== undefined ? { timeoutMs: opts.timeout } : {}), signal: this.ops.signal });
          return { output: { member: w.member, reply: w.reply }, ...usage };
        },
      );
    } finally {
      this.racing = undefined;
    }
  }

  async dissolve(): Promise<void> {
    if (this.dissolved) return;
    this.dissolved = true;
    this.forget();
    await this.ops.step<null>({ kind: "dissolve", label: `dissolve ${this.name}`, input: { group: this.name } }, async () => ({ output: null }));
    // Closing rejects a broadcast's turns still running; its gather (if any) reports them as errors.
    await Promise.all(this.members.map((h) => this.ops.close(h)));
  }

  private usable(verb: string): void {
    if (this.ops.signal.aborted) throw abortReason(this.ops.signal);
    if (this.dissolved) throw new AegisError("E_STATE", `${verb}: group "${this.name}" was dissolved`);
  }

  private idle(verb: "broadcast" | "race"): void {
    if (this.inflight) {
      throw new AegisError("E_STATE", `${verb}: group "${this.name}" already has broadcast ${this.inflight.id} in flight`, {
        hint: "gather it first (one broadcast at a time per group)",
      });
    }
    if (this.racing !== undefined) throw new AegisError("E_STATE", `${verb}: group "${this.name}" is running race ${this.racing}`, { hint: "await the race first" });
  }
}

function checkTimeout(verb: string, ms: unknown): void {
  if (ms === undefined || (typeof ms === "number" && Number.isFinite(ms) && ms >= 0)) return;
  throw new WorkflowError(`${verb}: timeout must be a number of milliseconds (0 or more); got ${JSON.stringify(ms)}`, { code: "E_USAGE" });
}
