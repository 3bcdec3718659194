// Runs a validated no-code workflow on the engine: each node becomes the same engine calls a TypeScript workflow
// makes (spawn/send/close, bash, askHuman, parallel), so every effect is a journaled step and a resumed run replays
// what it already paid for. Node outputs live in scopes (one per map item and loop round) that selectors read.
// It must not touch the journal, the store or sessions directly, nor print: the engine does all of that.

import { isAbsolute, resolve } from "node:path";
import { errorCode, errorMessage, notFound } from "../../util/errors.ts";
import { validateArgs } from "../arg-schema.ts";
import { parseDuration } from "../args.ts";
import type { WorkflowEngine } from "../engine-types.ts";
import { WorkflowError } from "../errors.ts";
import { getWorkflow, listWorkflows, type Workflow } from "../registry.ts";
import { checkReply, compileSchema, JUDGE_SCHEMA, schemaHint } from "./json-reply.ts";
import { asShellWord, asText, parseSelector, renderTemplate, resolveSelector, wholeSelector, type Lookup, type Selector } from "./refs.ts";
import type { Predicate, Spec, SpecNode } from "./schema.ts";

/** What a run of a spec needs besides the engine. */
export interface SpecRunContext {
  /** The agent for nodes and judges that name none. */
  defaultAgent?: string;
  /** The project root: relative `cwd`s are resolved against it. */
  root: string;
}

/** The default number of map items that run at once. */
export const DEFAULT_CONCURRENCY = 4;

/**
 * How a workflow built from a spec runs when a `workflow` node calls it: with the chain of callers, so a cycle is
 * refused instead of recursing forever. (Passed explicitly: an AsyncLocalStorage would tax every await of the run.)
 */
export const specRunners = new WeakMap<Workflow, (engine: WorkflowEngine, args: Record<string, unknown>, chain: readonly string[], at: readonly number[]) => Promise<unknown>>();

/** Holds node outputs by id; a child scope (map item, loop round, if branch) sees its parents'. */
class Scope {
  private readonly vars = new Map<string, unknown>();
  /** The indexes of the map items this scope is inside, outermost first (a human node's answer key uses them). */
  readonly at: readonly number[];
  constructor(private readonly parent?: Scope, init?: Record<string, unknown>, item?: number, base: readonly number[] = []) {
    for (const [k, v] of Object.entries(init ?? {})) this.vars.set(k, v);
    const outer = parent?.at ?? base;
    this.at = item === undefined ? outer : [...outer, item];
  }
  child(init?: Record<string, unknown>, item?: number): Scope {
    return new Scope(this, init, item);
  }
  set(id: string, v: unknown): void {
    this.vars.set(id, v);
  }
  readonly lookup: Lookup = (root) => {
    for (let s: Scope | undefined = this; s; s = s.parent) if (s.vars.has(root)) return { found: true, value: s.vars.get(root) };
    return { found: false, why: `"${root}" has no value here` };
  };
}

/** The answer key of a human node: its id, and inside maps the items' indexes (`review#3`, `ok#0.2`). */
export function humanKey(id: string, at: readonly number[]): string {
  return at.length ? `${id}#${at.join(".")}` : id;
}

/**
 * Runs `spec` with `args` (already validated) and returns the root's output; `chain` names the calling specs, `at` the
 * map items the calling node is in (a called spec's human nodes ask under them too).
 */
export async function runSpec(
  spec: Spec, engine: WorkflowEngine, args: Record<string, unknown>, ctx: SpecRunContext, chain: readonly string[] = [], at: readonly number[] = [],
): Promise<unknown> {
  return new Interpreter(spec, engine, ctx, [...chain, spec.name]).node(spec.root, new Scope(undefined, { args }, undefined, at));
}

class Interpreter {
  constructor(
    private readonly spec: Spec, private readonly engine: WorkflowEngine, private readonly ctx: SpecRunContext, private readonly chain: readonly string[],
  ) {}

  /** Named sessions of this run of the spec (`session:` on agent nodes), by name. */
  private readonly sessions = new Map<string, Promise<string>>();

  async node(n: SpecNode, scope: Scope): Promise<unknown> {
    const out = await this.exec(n, scope);
    scope.set(n.id, out);
    return out;
  }

  private async exec(n: SpecNode, scope: Scope): Promise<unknown> {
    const e = this.engine;
    switch (n.type) {
      case "agent": {
        const prompt = this.render(n, n.prompt, scope);
        const turn = (h: string) => (n.schema ? this.structured(n, h, prompt, n.schema) : e.send(h, prompt));
        return n.session === undefined ? this.withAgent(n, n.agent, n.isolation, turn) : turn(await this.session(n, n.session));
      }
      case "bash": {
        const cmd = this.render(n, n.run, scope, asShellWord);
        const opts = {
          ...(n.cwd ? { cwd: this.dir(this.render(n, n.cwd, scope)) } : {}),
          ...(n.timeout !== undefined ? { timeout: typeof n.timeout === "number" ? n.timeout : parseDuration(n.timeout) } : {}),
          ...(n.env ? { env: n.env } : {}),
        };
        if (!n.check) {
          const r = await e.bash(cmd, opts);
          return { exit: r.exitCode, stdout: r.stdout, stderr: r.stderr };
        }
        const r = await this.passes(cmd, opts);
        if (r.ok) return { exit: 0, stdout: r.stdout, stderr: r.stderr };
        throw this.fail(n, `the command exited ${r.exit} (check: true)${r.stderr.trim() ? `: ${r.stderr.trim().slice(-500)}` : ""}`, undefined, { exit: r.exit });
      }
      case "human": {
        const options = n.options?.map((o) => this.render(n, o, scope));
        // Inside a map each item asks its own question: key <id>#<index> (nested maps: <id>#<outer>.<inner>).
        return e.askHuman(this.render(n, n.question, scope), { key: humanKey(n.id, scope.at), ...(options ? { options } : {}) });
      }
      case "workflow":
        return this.call(n, scope);
      case "sequence": {
        const out: Record<string, unknown> = {};
        for (const c of n.children) out[c.id] = await this.node(c, scope);
        return out;
      }
      case "parallel": {
        const outs = await e.parallel(n.children.map((c) => () => this.node(c, scope)));
        return Object.fromEntries(n.children.map((c, i) => [c.id, outs[i]]));
      }
      case "map":
        return this.map(n, scope);
      case "loop": {
        const rounds: unknown[] = [];
        for (let round = 1; round <= n.maxRounds; round++) {
          const s = scope.child();
          rounds.push(await this.node(n.body, s));
          if (await this.holds(n, n.until, s)) return rounds;
          if (round < n.maxRounds) e.log(`loop ${n.id}: round ${round} of ${n.maxRounds} done, until does not hold yet`);
        }
        if (n.exhausted === "stop") return rounds;
        throw this.fail(n, `until did not hold after ${n.maxRounds} round${n.maxRounds === 1 ? "" : "s"} (maxRounds)`, 'add exhausted: "stop" to go on instead of failing');
      }
      case "if": {
        const branch = (await this.holds(n, n.cond, scope)) ? n.then : n.else;
        return branch ? this.node(branch, scope.child()) : null;
      }
    }
  }

  private async map(n: Extract<SpecNode, { type: "map" }>, scope: Scope): Promise<unknown[]> {
    const list = this.select(n, n.over, scope);
    if (!Array.isArray(list)) throw this.fail(n, `over: ${n.over} is not a list (it is ${list === null ? "null" : typeof list})`);
    if (n.maxItems !== undefined && list.length > n.maxItems) throw this.fail(n, `over: ${n.over} has ${list.length} items, more than maxItems ${n.maxItems}`);
    const out: unknown[] = Array.from({ length: list.length });
    let next = 0;
    let failed = false;
    // Lanes take the next item as each finishes: on a resume the journal hands completions back in their original
    // order, so the lanes take the same items in the same order and every call gets its recorded result.
    const lane = async () => {
      while (!failed && next < list.length) {
        const i = next++;
        try {
          out[i] = await this.node(n.body, scope.child({ item: list[i], index: i }, i));
        } catch (err) {
          failed = true;
          throw err;
        }
      }
    };
    const lanes = Math.min(n.concurrency ?? DEFAULT_CONCURRENCY, list.length);
    await this.engine.parallel(Array.from({ length: lanes }, () => lane));
    return out;
  }

  /** The handle of a named session: spawned at its first use, kept until the run ends (the runner closes it). */
  private session(n: Extract<SpecNode, { type: "agent" }>, name: string): Promise<string> {
    let h = this.sessions.get(name);
    if (!h) {
      const agent = n.agent ?? this.ctx.defaultAgent;
      if (agent === undefined) throw this.fail(n, "no agent named and the config has no defaultAgent");
      h = this.spawn(n, agent, n.isolation);
      this.sessions.set(name, h);
    }
    return h;
  }

  /** Spawns the agent, runs `body` with its handle, and closes it whatever happens. */
  private async withAgent<T>(n: SpecNode, name: string | undefined, isolation: "worktree" | "none" | undefined, body: (h: string) => Promise<T>): Promise<T> {
    const agent = name ?? this.ctx.defaultAgent;
    if (agent === undefined) throw this.fail(n, "no agent named and the config has no defaultAgent");
    const handle = await this.spawn(n, agent, isolation);
    try {
      return await body(handle);
    } finally {
      await this.engine.close(handle);
    }
  }

  /** Spawns `agent`; in a worktree, says where its changes stay (the node's output is only the reply). */
  private async spawn(n: SpecNode, agent: string, isolation: "worktree" | "none" | undefined): Promise<string> {
    const handle = await this.engine.spawn(agent, isolation ? { isolation } : {});
    if (isolation === "worktree") {
      this.engine.log(`node ${n.id}: ${handle} works in its own worktree; what it changes stays on branch aegis/${handle} (aegis merge ${handle} brings it in)`);
    }
    return handle;
  }

  /** A turn whose reply must be JSON matching `schema`: one retry with the validation error, then a WorkflowError. */
  private async structured(n: SpecNode, handle: string, prompt: string, schema: Record<string, unknown>): Promise<unknown> {
    const validate = compileSchema(schema);
    if (typeof validate === "string") throw this.fail(n, `schema is not a valid JSON Schema: ${validate}`);
    let reply = await this.engine.send(handle, prompt + schemaHint(schema));
    let r = checkReply(reply, validate);
    if (r.ok) return r.value;
    this.engine.log(`node ${n.id}: the reply does not match its schema (${r.error}); asking once more`);
    reply = await this.engine.send(handle, `Your reply does not match the JSON Schema: ${r.error}.\nReply again with only the JSON value, no other text.`);
    r = checkReply(reply, validate);
    if (r.ok) return r.value;
    throw this.fail(n, `the agent's reply does not match its schema after one retry: ${r.error}`, undefined, { reply: reply.slice(0, 2000) });
  }

  /**
   * Runs a command that is expected to pass, as a shell predicate: a failure is recorded as the step that failed, so
   * resuming a run that stopped on it (once the cause is fixed) runs the command again instead of replaying the
   * failure; a failure the run went past replays as one. (engine.bashPredicate with no retries does exactly that.)
   */
  private async passes(cmd: string, opts: { cwd?: string; timeout?: number; env?: Record<string, string> }): Promise<
    { ok: true; stdout: string; stderr: string } | { ok: false; exit: number; stderr: string }
  > {
    try {
      const r = await this.engine.bashPredicate(cmd, { ...opts, retryWith: "", maxRetries: 0 });
      return { ok: true, stdout: r.stdout, stderr: r.stderr };
    } catch (err) {
      if (errorCode(err) !== "E_PREDICATE") throw err;
      const data = (err as { data?: { exitCode?: number; stderrTail?: string } }).data ?? {};
      return { ok: false, exit: data.exitCode ?? 1, stderr: data.stderrTail ?? "" };
    }
  }

  private async holds(n: SpecNode, p: Predicate, scope: Scope): Promise<boolean> {
    if ("shell" in p) return (await this.passes(this.render(n, p.shell, scope, asShellWord), p.cwd ? { cwd: this.dir(p.cwd) } : {})).ok;
    const condition = this.render(n, p.judge, scope);
    const prompt = `Decide whether this condition holds:\n\n${condition}\n\nAnswer with decision true if it holds, false if it does not, and a short reason.`;
    const verdict = await this.withAgent(n, p.agent, undefined, (h) => this.structured(n, h, prompt, JUDGE_SCHEMA as unknown as Record<string, unknown>)) as { decision: boolean; reason: string };
    this.engine.log(`node ${n.id}: judge says ${verdict.decision ? "yes" : "no"}: ${verdict.reason}`);
    return verdict.decision;
  }

  private async call(n: Extract<SpecNode, { type: "workflow" }>, scope: Scope): Promise<unknown> {
    const wf = getWorkflow(n.workflow);
    if (!wf) throw notFound("workflow", n.workflow, listWorkflows());
    if (this.chain.includes(wf.name)) throw this.fail(n, `workflow cycle: ${[...this.chain, wf.name].join(" → ")}`);
    const given: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(n.args ?? {})) {
      const whole = typeof v === "string" ? wholeSelector(v) : undefined;
      given[k] = whole ? this.value(n, whole, scope) : typeof v === "string" ? this.render(n, v, scope) : v;
    }
    let args: Record<string, unknown>;
    try {
      args = validateArgs(wf, given);
    } catch (err) {
      throw this.fail(n, errorMessage(err), `see its arguments: aegis workflow show ${wf.name}`);
    }
    const asSpec = specRunners.get(wf);
    return asSpec ? asSpec(this.engine, args, this.chain, scope.at) : wf.fn(this.engine, args);
  }

  private select(n: SpecNode, text: string, scope: Scope): unknown {
    const sel = parseSelector(text);
    if (typeof sel === "string") throw this.fail(n, sel);
    return this.value(n, sel, scope);
  }

  private value(n: SpecNode, sel: Selector, scope: Scope): unknown {
    try {
      return resolveSelector(sel, scope.lookup);
    } catch (err) {
      throw this.fail(n, errorMessage(err));
    }
  }

  private render(n: SpecNode, text: string, scope: Scope, format: (v: unknown) => string = asText): string {
    try {
      return renderTemplate(text, scope.lookup, format);
    } catch (err) {
      throw this.fail(n, errorMessage(err));
    }
  }

  private dir(p: string): string {
    return isAbsolute(p) ? p : resolve(this.ctx.root, p);
  }

  private fail(n: SpecNode, message: string, hint?: string, data: Record<string, unknown> = {}): WorkflowError {
    return new WorkflowError(`${this.spec.name}: ${n.path} (id "${n.id}"): ${message}`, {
      data: { workflow: this.spec.name, node: n.id, path: n.path, ...data }, ...(hint ? { hint } : {}),
    });
  }
}
