// Selectors and templates of no-code workflows. A selector is `<root>(.key|.index|.last)*` where the root is a node
// id, `args`, `item` or `index`; a template is text with `{{ selector }}` holes and no logic. Parsing is pure and
// shared by validation (which checks every root names something visible) and by the interpreter (which resolves
// values, failing with an error that says which step of the path missed and why). It must not know node types.

/** One parsed selector: its root name and the steps after it. */
export interface Selector {
  text: string;
  root: string;
  steps: (string | number | "last")[];
}

const SEGMENT = /^[A-Za-z0-9_-]+$/;

/** Parses `review.items.0.title` / `rounds.last`; a string error says what is wrong with it. */
export function parseSelector(text: string): Selector | string {
  const t = text.trim();
  if (t === "") return "an empty selector";
  const parts = t.split(".");
  for (const p of parts) {
    if (!SEGMENT.test(p)) {
      return `"${t}" is not a selector: use <id>(.key|.index|.last)*, e.g. review.verdict or plan.tasks.0 (no spaces, brackets or logic)`;
    }
  }
  const [root, ...rest] = parts as [string, ...string[]];
  if (/^\d/.test(root)) return `"${t}" is not a selector: it must start with a node id, args, item or index`;
  return { text: t, root, steps: rest.map((s) => (/^\d+$/.test(s) ? Number(s) : s === "last" ? "last" : s)) };
}

/** One piece of a template: literal text, or a hole holding a selector. */
export type TemplatePart = string | Selector;

const HOLE = /\{\{([^{}]*)\}\}/g;

/** Splits a template into text and selectors; a string error names the first bad hole. */
export function parseTemplate(text: string): TemplatePart[] | string {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const m of text.matchAll(HOLE)) {
    const sel = parseSelector(m[1]!);
    if (typeof sel === "string") return `template hole {{${m[1]}}}: ${sel}`;
    if (m.index > last) parts.push(text.slice(last, m.index));
    parts.push(sel);
    last = m.index + m[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  const rest = parts.filter((p): p is string => typeof p === "string").join("");
  if (rest.includes("{{") || rest.includes("}}")) return `unbalanced {{ }} in "${short(text)}": each hole is {{ selector }}`;
  return parts;
}

/** The selectors a template uses. */
export function templateSelectors(text: string): Selector[] | string {
  const parts = parseTemplate(text);
  return typeof parts === "string" ? parts : parts.filter((p): p is Selector => typeof p !== "string");
}

/** When a template is exactly one hole (`"{{ plan.tasks }}"`), its selector: the value passes as is, not as text. */
export function wholeSelector(text: string): Selector | undefined {
  const parts = parseTemplate(text);
  return typeof parts !== "string" && parts.length === 1 && typeof parts[0] !== "string" ? parts[0] : undefined;
}

/** Looks up a root name (a node id, args, item, index); `found: false` when it has no value here. */
export type Lookup = (root: string) => { found: true; value: unknown } | { found: false; why: string };

/** The value a selector names; throws an Error saying which step missed (the caller adds the node's place). */
export function resolveSelector(sel: Selector, lookup: Lookup): unknown {
  const got = lookup(sel.root);
  if (!got.found) throw new Error(`{{ ${sel.text} }}: ${got.why}`);
  let v = got.value;
  let at = sel.root;
  for (const step of sel.steps) {
    if (Array.isArray(v)) {
      if (step === "last") {
        if (v.length === 0) throw new Error(`{{ ${sel.text} }}: ${at} is an empty list, so it has no last item`);
        v = v[v.length - 1];
      } else if (typeof step === "number") {
        if (step >= v.length) throw new Error(`{{ ${sel.text} }}: ${at} has ${v.length} item${v.length === 1 ? "" : "s"}, so no index ${step}`);
        v = v[step];
      } else {
        throw new Error(`{{ ${sel.text} }}: ${at} is a list, so "${step}" does not apply (use an index or .last)`);
      }
    } else if (typeof v === "object" && v !== null) {
      const key = String(step);
      if (!Object.hasOwn(v, key)) {
        const keys = Object.keys(v);
        throw new Error(`{{ ${sel.text} }}: ${at} has no key "${key}" (its keys: ${keys.length ? keys.join(", ") : "none"})`);
      }
      v = (v as Record<string, unknown>)[key];
    } else {
      throw new Error(`{{ ${sel.text} }}: ${at} is ${describeValue(v)}, so it has no "${step}"`);
    }
    at = `${at}.${step}`;
  }
  return v;
}

/** Fills a template; each value passes through `format` (text as is, other values as JSON, by default). */
export function renderTemplate(text: string, lookup: Lookup, format: (v: unknown) => string = asText): string {
  const parts = parseTemplate(text);
  if (typeof parts === "string") throw new Error(parts); // validation refuses these first
  return parts.map((p) => (typeof p === "string" ? p : format(resolveSelector(p, lookup)))).join("");
}

/** A value as template text: strings as they are, everything else as JSON. */
export function asText(v: unknown): string {
  if (typeof v === "string") return v;
  return v === undefined ? "" : JSON.stringify(v);
}

/**
 * A value as one shell word (for `run` and `shell`): single-quoted, so replies cannot inject commands; trailing
 * newlines are dropped, as `$(…)` does, so `{{ count.stdout }}` compares as a number.
 */
export function asShellWord(v: unknown): string {
  return `'${asText(v).replace(/\n+$/, "").replaceAll("'", `'\\''`)}'`;
}

function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "string") return `the text "${short(v)}"`;
  return `a ${typeof v} (${String(v)})`;
}

function short(s: string, n = 40): string {
  const one = s.replace(/\s+/g, " ");
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
}
