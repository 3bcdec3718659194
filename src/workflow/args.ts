// The values of `aegis run` / `aegis resume`'s own flags (--json, --answer, --timeout, --max-cost, --config, --cwd),
// parsed by cli/parse.ts, checked and typed; durations. The workflow's own arguments are typed in arg-schema.ts.
// Pure; UsageError on mistakes.

import { UsageError } from "../util/errors.ts";

export interface RunFlags {
  json: boolean;
  answers: Record<string, string>;
  timeoutMs?: number;
  maxCostUsd?: number;
  config?: string;
  cwd?: string;
}

/** The values cli/parse.ts parsed for the run flags (declared once, in cli/run.ts), checked and typed. */
export function runFlags(args: { json?: boolean; answer?: string | string[]; timeout?: string; "max-cost"?: string; config?: string; cwd?: string }): RunFlags {
  const f: RunFlags = { json: args.json === true, answers: {} };
  for (const value of [args.answer ?? []].flat()) {
    const eq = value.indexOf("=");
    if (eq <= 0) throw new UsageError(`--answer needs key=value; got "${value}"`, "e.g. --answer ship-it=yes");
    f.answers[value.slice(0, eq)] = value.slice(eq + 1);
  }
  if (args.timeout !== undefined) f.timeoutMs = parseDuration(args.timeout);
  if (args["max-cost"] !== undefined) {
    const usd = Number(args["max-cost"].replace(/^\$/, ""));
    if (!Number.isFinite(usd) || usd <= 0) throw new UsageError(`--max-cost needs a positive amount in USD; got "${args["max-cost"]}"`);
    f.maxCostUsd = usd;
  }
  if (args.config !== undefined) f.config = args.config;
  if (args.cwd !== undefined) f.cwd = args.cwd;
  return f;
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
