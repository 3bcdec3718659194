// Command-line arguments of `aegis run` / `aegis resume`: aegis's own flags (--json, --answer, --timeout,
// --max-cost, --config, --cwd) and the workflow's `--key=value` arguments, typed by the workflow's defaults (numbers
// and booleans where a default says so, JSON for object defaults, else strings). Pure parsing; UsageError on mistakes.

import { UsageError } from "../util/errors.ts";

export interface RunFlags {
  /** The positional words (the workflow name or file, the run id). */
  positionals: string[];
  json: boolean;
  answers: Record<string, string>;
  timeoutMs?: number;
  maxCostUsd?: number;
  config?: string;
  cwd?: string;
  /** The workflow's arguments, still as text (bare flags as `true`). */
  rest: Record<string, string | true>;
}

const VALUE_FLAGS = new Set(["--answer", "--timeout", "--max-cost", "--config", "--cwd"]);

export function parseRunFlags(argv: readonly string[]): RunFlags {
  const f: RunFlags = { positionals: [], json: false, answers: {}, rest: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      f.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith("--")) {
      f.positionals.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const name = eq < 0 ? a : a.slice(0, eq);
    if (name === "--json") {
      f.json = eq < 0 || a.slice(eq + 1) !== "false";
      continue;
    }
    if (VALUE_FLAGS.has(name)) {
      let value: string;
      if (eq >= 0) value = a.slice(eq + 1);
      else {
        const next = argv[i + 1];
        if (next === undefined || next.startsWith("--")) throw new UsageError(`${name} needs a value`);
        value = next;
        i++;
      }
      applyOwnFlag(f, name, value);
      continue;
    }
    const key = a.slice(2, eq < 0 ? undefined : eq);
    if (!key) throw new UsageError(`bad argument "${a}"`);
    if (eq >= 0) f.rest[key] = a.slice(eq + 1);
    else if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith("--") && !key.startsWith("no-")) {
      f.rest[key] = argv[i + 1]!;
      i++;
    } else f.rest[key] = true;
  }
  return f;
}

function applyOwnFlag(f: RunFlags, name: string, value: string): void {
  switch (name) {
    case "--answer": {
      const eq = value.indexOf("=");
      if (eq <= 0) throw new UsageError(`--answer needs key=value; got "${value}"`, "e.g. --answer ship-it=yes");
      f.answers[value.slice(0, eq)] = value.slice(eq + 1);
      return;
    }
    case "--timeout":
      f.timeoutMs = parseDuration(value);
      return;
    case "--max-cost": {
      const usd = Number(value.replace(/^\$/, ""));
      if (!Number.isFinite(usd) || usd <= 0) throw new UsageError(`--max-cost needs a positive amount in USD; got "${value}"`);
      f.maxCostUsd = usd;
      return;
    }
    case "--config":
      f.config = value;
      return;
    case "--cwd":
      f.cwd = value;
  }
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `500ms`, `90s`, `30m`, `2h`, `1h30m`, or a bare number of seconds. */
export function parseDuration(text: string): number {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * 1000;
  const parts = [...t.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== t) {
    throw new UsageError(`bad duration "${text}"`, "use e.g. 90s, 30m, 2h, 1h30m (a bare number is seconds)");
  }
  const ms = parts.reduce((sum, p) => sum + Number(p[1]) * UNITS[p[2]!]!, 0);
  if (ms <= 0) throw new UsageError(`bad duration "${text}": it must be positive`);
  return ms;
}

/**
 * Types the workflow's arguments by its defaults: `--n=3` is the number 3 when the default of `n` is a number,
 * `--dry-run` / `--no-dry-run` are booleans, object defaults take JSON; other values stay strings. Dashed names
 * become camelCase unless the defaults use the dashed name.
 */
export function coerceArgs(rest: Record<string, string | true>, defaults: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [rawKey, raw] of Object.entries(rest)) {
    let key = rawKey;
    let value: string | boolean = raw;
    if (raw === true && key.startsWith("no-") && !(key in defaults)) {
      key = key.slice(3);
      value = false;
    }
    if (!(key in defaults)) key = camel(key) in defaults || key.includes("-") ? camel(key) : key;
    out[key] = typed(key, value, defaults[key]);
  }
  return out;
}

function typed(key: string, value: string | boolean, def: unknown): unknown {
  if (typeof value === "boolean") return value;
  if (typeof def === "number") {
    const n = Number(value);
    if (value.trim() === "" || !Number.isFinite(n)) throw new UsageError(`--${key} must be a number (its default is ${def}); got "${value}"`);
    return n;
  }
  if (typeof def === "boolean") {
    const v = value.toLowerCase();
    if (["true", "1", "yes", "on"].includes(v)) return true;
    if (["false", "0", "no", "off"].includes(v)) return false;
    throw new UsageError(`--${key} must be true or false; got "${value}"`);
  }
  if (def !== null && typeof def === "object") {
    try {
      return JSON.parse(value);
    } catch {
      throw new UsageError(`--${key} must be JSON (its default is ${JSON.stringify(def)}); got "${value}"`);
    }
  }
  return value;
}

function camel(s: string): string {
  return s.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}
