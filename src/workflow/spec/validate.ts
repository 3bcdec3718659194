// Checks a parsed no-code workflow file and returns the typed Spec: the top level and every node against its type's
// shape (unknown keys and types named with the allowed ones), then the rules a shape cannot say: ids unique and not
// reserved, selectors and templates naming only nodes that have finished before (or args/item/index where they
// exist), known agents, JSON Schemas that compile. Every problem is reported at once, each with the node's path and
// id; the error is a ConfigError (exit 2). It must not run anything or look up other workflows (load.ts does).

import type { z } from "zod";
import { didYouMean as suggest } from "../../config/validate.ts";
import { ConfigError, errorMessage, type ConfigIssue } from "../../util/errors.ts";
import { parseDuration } from "../args.ts";
import { compileSchema } from "./json-reply.ts";
import { checkSessions } from "./sessions.ts";
import { parseSelector, templateSelectors, type Selector } from "./refs.ts";
import { FileShape, NODE_TYPES, RESERVED_IDS, nodeShapes, type Predicate, type Spec, type SpecNode } from "./schema.ts";
import { z as zod } from "zod";

/** What validation needs to know of the project. */
export interface SpecContext {
  /** The config's agent names; unknown (not checked) when a file is read without a config. */
  agents?: readonly string[];
  defaultAgent?: string;
}

const SHAPES = nodeShapes(zod.unknown());

/** ` (did you mean "x"?)` or nothing. */
function didYouMean(word: string, candidates: string[]): string {
  const s = suggest(word, candidates);
  return s ? ` (${s.slice(2)})` : "";
}

interface Issue { path: string; id?: string; message: string }

/** Validates a parsed file; `source` names it in errors (a path, or `(dynamic)`). */
export function validateSpec(raw: unknown, source: string, ctx: SpecContext): Spec {
  const issues: Issue[] = [];
  const top = FileShape.safeParse(raw);
  if (!top.success) {
    for (const i of top.error.issues) issues.push({ path: ["(file)", ...i.path].join("."), message: zodMessage(i, raw) });
    // The nodes are still checked (their shapes, and references where the declared args can be read), so one pass
    // reports every mistake of the file.
    const o = raw as Record<string, unknown>;
    if (o.root !== undefined) {
      const broken = new Set<string>();
      const root = checkNode(o.root, "root", issues, broken);
      const args = typeof o.args === "object" && o.args !== null && !Array.isArray(o.args) ? Object.keys(o.args) : undefined;
      if (root) new RefChecker(args, ctx, issues, broken).check(root);
    }
    throw specError(source, issues);
  }
  // Malformed nodes are left out of the tree, so the references of the others are still checked; references to the
  // ids of those left out are not reported (they are not the mistake).
  const broken = new Set<string>();
  const root = checkNode(top.data.root, "root", issues, broken);
  if (root) new RefChecker(top.data.args ? Object.keys(top.data.args) : undefined, ctx, issues, broken).check(root);
  if (root) for (const i of checkSessions(root, ctx.defaultAgent)) issues.push({ path: i.node.path, id: i.node.id, message: i.message });
  for (const [name, a] of Object.entries(top.data.args ?? {})) {
    if (a.default !== undefined && !defaultFits(a.type, a.default)) {
      issues.push({ path: `args.${name}`, message: `default ${JSON.stringify(a.default)} is not of type ${a.type}` });
    }
    const offType = a.enum?.find((v) => !defaultFits(a.type, v));
    if (offType !== undefined) issues.push({ path: `args.${name}`, message: `enum value ${JSON.stringify(offType)} is not of type ${a.type}` });
    if (a.enum && a.default !== undefined && !a.enum.includes(a.default as string | number)) {
      issues.push({ path: `args.${name}`, message: `default ${JSON.stringify(a.default)} is not one of the enum values (${a.enum.map((v) => JSON.stringify(v)).join(", ")})` });
    }
  }
  if (issues.length || !root) throw specError(source, issues);
  const { $schema: _s, root: _r, ...rest } = top.data;
  return { ...rest, root, source };
}

/**
 * One node and its children against their shapes; undefined (its ids added to `broken`) when the node is malformed
 * or lacks a required child. A sequence or parallel keeps its well-formed children.
 */
function checkNode(raw: unknown, path: string, issues: Issue[], broken: Set<string>): SpecNode | undefined {
  const node = shapedNode(raw, path, issues, broken);
  if (!node) rawIds(raw, broken);
  return node;
}

function shapedNode(raw: unknown, path: string, issues: Issue[], broken: Set<string>): SpecNode | undefined {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    issues.push({ path, message: `a node must be an object with a type and an id; got ${JSON.stringify(raw)}` });
    return undefined;
  }
  const o = raw as Record<string, unknown>;
  const id = typeof o.id === "string" ? o.id : undefined;
  const type = o.type;
  if (typeof type !== "string" || !(NODE_TYPES as string[]).includes(type)) {
    issues.push({ path, ...(id ? { id } : {}), message: type === undefined
      ? `a node needs a type: one of ${NODE_TYPES.join(", ")}`
      : `unknown type ${JSON.stringify(type)}${typeof type === "string" ? didYouMean(type, NODE_TYPES) : ""}; types: ${NODE_TYPES.join(", ")}` });
    checkInner(o, path, issues, broken);
    return undefined;
  }
  const shape = SHAPES[type as keyof typeof SHAPES] as z.ZodObject;
  const parsed = shape.safeParse(raw);
  if (!parsed.success) {
    const allowed = Object.keys(shape.shape);
    for (const i of parsed.error.issues) {
      issues.push({ path: [path, ...i.path.map(String)].join("."), ...(id ? { id } : {}), message: zodMessage(i, raw, allowed, type) });
    }
    // The nodes inside are still checked for their own shapes, so one pass reports every malformed node.
    checkInner(o, path, issues, broken);
    return undefined;
  }
  const node = { ...(parsed.data as Record<string, unknown>), path } as SpecNode & Record<string, unknown>;
  let ok = true;
  const child = (v: unknown, p: string) => {
    const c = checkNode(v, p, issues, broken);
    if (!c) ok = false;
    return c;
  };
  if (node.type === "sequence" || node.type === "parallel") {
    node.children = (node.children as unknown[]).map((c, i) => checkNode(c, `${path}.children[${i}]`, issues, broken)).filter((c) => c !== undefined);
    return node;
  }
  if (node.type === "map" || node.type === "loop") node.body = child(node.body, `${path}.body`)!;
  if (node.type === "if") {
    // oxlint-disable-next-line unicorn/no-thenable -- `then` is the file format's key (a node, never a function)
    node.then = child(node.then, `${path}.then`)!;
    if (node.else !== undefined) node.else = child(node.else, `${path}.else`)!;
  }
  return ok ? node : undefined;
}

/** The shapes of the nodes inside a malformed node (its children, body, then, else), where they are there. */
function checkInner(o: Record<string, unknown>, path: string, issues: Issue[], broken: Set<string>): void {
  if (Array.isArray(o.children)) o.children.forEach((c, i) => checkNode(c, `${path}.children[${i}]`, issues, broken));
  for (const k of ["body", "then", "else"]) {
    const v = o[k];
    if (typeof v === "object" && v !== null && !Array.isArray(v)) checkNode(v, `${path}.${k}`, issues, broken);
  }
}

/** Every id in a raw subtree. */
function rawIds(raw: unknown, into: Set<string>): void {
  if (typeof raw !== "object" || raw === null) return;
  if (Array.isArray(raw)) return raw.forEach((r) => rawIds(r, into));
  const o = raw as Record<string, unknown>;
  if (typeof o.id === "string") into.add(o.id);
  for (const k of ["children", "body", "then", "else"]) rawIds(o[k], into);
}

/** The ids a later sibling may refer to once `n` has finished: itself, and the insides of sequences and parallels. */
function exportsOf(n: SpecNode): string[] {
  if (n.type === "sequence" || n.type === "parallel") return [n.id, ...n.children.flatMap(exportsOf)];
  return [n.id];
}

class RefChecker {
  private readonly order = new Map<string, number>();
  private readonly seen = new Map<string, string>();

  constructor(
    private readonly args: string[] | undefined, private readonly ctx: SpecContext, private readonly issues: Issue[], private readonly broken: Set<string>,
  ) {}

  check(root: SpecNode): void {
    this.walkIds(root);
    this.visit(root, new Set(), false, []);
  }

  private walkIds(n: SpecNode): void {
    const first = this.seen.get(n.id);
    if (first !== undefined) this.issue(n, `id "${n.id}" is already used by ${first}; ids must be unique in the file`);
    else if ((RESERVED_IDS as readonly string[]).includes(n.id)) this.issue(n, `id "${n.id}" is reserved (templates use ${RESERVED_IDS.join(", ")})`);
    else this.seen.set(n.id, n.path);
    if (!this.order.has(n.id)) this.order.set(n.id, this.order.size);
    for (const c of childrenOf(n)) this.walkIds(c);
  }

  private visit(n: SpecNode, scope: Set<string>, inMap: boolean, outer: string[]): void {
    const enclosing = [...outer, n.id];
    const refs = (field: string, text: string) => this.template(n, field, text, scope, inMap, enclosing);
    const visit = (c: SpecNode, s: Set<string>, m: boolean) => this.visit(c, s, m, enclosing);
    switch (n.type) {
      case "agent":
        refs("prompt", n.prompt);
        this.agent(n, "agent", n.agent);
        if (n.schema) {
          const c = compileSchema(n.schema);
          if (typeof c === "string") this.issue(n, `schema is not a valid JSON Schema: ${c}`);
        }
        break;
      case "bash":
        refs("run", n.run);
        if (n.cwd) refs("cwd", n.cwd);
        if (typeof n.timeout === "string") {
          try {
            parseDuration(n.timeout);
          } catch (err) {
            this.issue(n, `timeout: ${errorMessage(err)}`);
          }
        }
        break;
      case "human":
        refs("question", n.question);
        n.options?.forEach((o, i) => refs(`options[${i}]`, o));
        break;
      case "workflow":
        for (const [k, v] of Object.entries(n.args ?? {})) if (typeof v === "string") refs(`args.${k}`, v);
        break;
      case "sequence": {
        const s = new Set(scope);
        for (const c of n.children) {
          visit(c, s, inMap);
          for (const id of exportsOf(c)) s.add(id);
        }
        break;
      }
      case "parallel":
        for (const c of n.children) visit(c, scope, inMap);
        break;
      case "map": {
        const sel = parseSelector(n.over);
        if (typeof sel === "string") this.issue(n, `over: ${sel}`);
        else this.selector(n, "over", sel, scope, inMap, enclosing);
        visit(n.body, scope, true);
        break;
      }
      case "loop":
        visit(n.body, scope, inMap);
        this.predicate(n, "until", n.until, new Set([...scope, ...exportsOf(n.body)]), inMap, enclosing);
        break;
      case "if":
        this.predicate(n, "cond", n.cond, scope, inMap, enclosing);
        visit(n.then, scope, inMap);
        if (n.else) visit(n.else, scope, inMap);
        break;
    }
  }

  private predicate(n: SpecNode, field: string, p: Predicate, scope: Set<string>, inMap: boolean, enclosing: string[]): void {
    if ("shell" in p) this.template(n, `${field}.shell`, p.shell, scope, inMap, enclosing);
    else {
      this.template(n, `${field}.judge`, p.judge, scope, inMap, enclosing);
      this.agent(n, `${field}.agent`, p.agent);
    }
  }

  private agent(n: SpecNode, field: string, name: string | undefined): void {
    if (!this.ctx.agents) return;
    const agents = [...this.ctx.agents];
    if (name === undefined) {
      if (this.ctx.defaultAgent === undefined) this.issue(n, `${field}: no agent named and the config has no defaultAgent; agents: ${agents.join(", ")}`);
    } else if (!agents.includes(name)) {
      this.issue(n, `unknown agent "${name}"${didYouMean(name, agents)}; agents: ${agents.join(", ") || "(none)"}`);
    }
  }

  private template(n: SpecNode, field: string, text: string, scope: Set<string>, inMap: boolean, enclosing: string[]): void {
    const sels = templateSelectors(text);
    if (typeof sels === "string") return this.issue(n, `${field}: ${sels}`);
    for (const s of sels) this.selector(n, field, s, scope, inMap, enclosing);
  }

  private selector(n: SpecNode, field: string, s: Selector, scope: Set<string>, inMap: boolean, enclosing: string[]): void {
    const r = s.root;
    if (r === "args") {
      const name = s.steps[0];
      if (this.args && (typeof name !== "string" || !this.args.includes(name))) {
        this.issue(n, `${field}: {{ ${s.text} }} names no declared argument${typeof name === "string" ? didYouMean(name, this.args) : ""}; args: ${this.args.join(", ") || "(none)"}`);
      }
      return;
    }
    if (r === "item" || r === "index") {
      if (!inMap) this.issue(n, `${field}: {{ ${s.text} }}: ${r} exists only inside a map's body`);
      return;
    }
    if (scope.has(r) || (this.broken.has(r) && !this.order.has(r))) return;
    const visible = ["args", ...(inMap ? ["item", "index"] : []), ...scope];
    const where = !this.order.has(r) ? `unknown id "${r}"${didYouMean(r, [...this.order.keys()])}`
      : r === n.id ? `"${r}" is this node itself (its output exists once it has finished)`
      : enclosing.includes(r) ? `"${r}" encloses this node, so it has not finished here`
      : this.order.get(r)! > this.order.get(n.id)! ? `"${r}" runs later (only earlier nodes can be referred to)`
      : `"${r}" is not visible here (it is inside a map, loop, if or parallel branch: refer to that node's output instead)`;
    this.issue(n, `${field}: {{ ${s.text} }}: ${where}; visible here: ${visible.join(", ")}`);
  }

  private issue(n: SpecNode, message: string): void {
    this.issues.push({ path: n.path, id: n.id, message });
  }
}

/** The nodes directly inside `n`. */
export function childrenOf(n: SpecNode): SpecNode[] {
  switch (n.type) {
    case "sequence": case "parallel": return n.children;
    case "map": case "loop": return [n.body];
    case "if": return n.else ? [n.then, n.else] : [n.then];
    default: return [];
  }
}

function defaultFits(type: string, v: unknown): boolean {
  switch (type) {
    case "string": return typeof v === "string";
    case "number": return typeof v === "number";
    case "integer": return Number.isInteger(v);
    case "boolean": return typeof v === "boolean";
    case "array": return Array.isArray(v);
    default: return typeof v === "object" && v !== null && !Array.isArray(v);
  }
}

function zodMessage(i: z.core.$ZodIssue, raw: unknown, allowed?: string[], type?: string): string {
  if (i.code === "unrecognized_keys") {
    const keys = allowed ?? Object.keys(FileShape.shape);
    return i.keys.map((k) => `unknown key "${k}"${didYouMean(k, keys)}`).join("; ") + `; ${type ? `a ${type} node takes` : "the file takes"}: ${keys.join(", ")}`;
  }
  const key = i.path.length ? String(i.path.at(-1)) : "the file";
  if (i.code === "invalid_type" && i.path.length === 1 && !(typeof raw === "object" && raw !== null && i.path[0]! in raw)) {
    return `${key} is required`;
  }
  return `${key}: ${i.message.replace(/^Invalid input: /, "")}`;
}

function specError(source: string, issues: Issue[]): ConfigError {
  const lines = issues.map((i) => `${source}: ${i.path}${i.id ? ` (id "${i.id}")` : ""}: ${i.message}`);
  // Each issue also carries the node's id (for `aegis workflow validate --json`).
  const configIssues: ConfigIssue[] = issues.map((i) => ({ path: i.path, ...(i.id ? { id: i.id } : {}), message: i.message }));
  return new ConfigError(lines.length === 1 ? lines[0]! : `${source}: ${lines.length} problems:\n${lines.map((l) => `  ${l}`).join("\n")}`, {
    file: source, issues: configIssues, hint: "aegis workflow schema prints the file format as a JSON Schema (for editors)",
  });
}
