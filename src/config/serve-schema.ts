// The config of what `aegis serve` runs besides queues (#12): `schedules` (cron or one-shot `at`), `webhooks`
// (HMAC-verified HTTP hooks) and `serve.http` (the listener the hooks are served on). It owns their zod schemas and
// their resolution into plain records; it must not start anything. A cron pattern is checked with croner here so a
// bad one is reported with its key path and croner's reason when the config loads, not when serve fires it.

import { Cron } from "croner";
import { z } from "zod";
import type { ConfigIssue } from "../util/errors.ts";
import { errorMessage } from "../util/errors.ts";

export const OverlapSchema = z.enum(["skip", "queue", "allow"]);
export const CatchUpSchema = z.enum(["none", "latest", "all"]);

const scheduleFields = {
  workflow: z.string().min(1).describe("The workflow each fire runs (by name)."),
  args: z.record(z.string(), z.unknown()).optional().describe("The workflow's arguments for every fire."),
  tz: z.string().min(1).optional().describe('The IANA time zone the cron pattern is read in, e.g. "Europe/Madrid". Default: the machine\'s.'),
  overlap: OverlapSchema.optional().describe(
    'When a fire comes while the previous run of this schedule still runs: "skip" (default; the fire is recorded as skipped), "queue" (it starts when the previous run ends), "allow" (it starts at once).',
  ),
  catchUp: CatchUpSchema.optional().describe(
    'Fires missed while no serve was running: "latest" (default) runs the most recent one, "all" runs each, "none" runs none.',
  ),
  enabled: z.boolean().optional().describe("false keeps the schedule in the config without firing it. Default true."),
};

export const ScheduleSchema = z.union([
  z.strictObject({ cron: z.string().min(1).describe('A 5-field cron pattern, or 6 fields with seconds first: "0 3 * * *", "*/10 * * * * *".'), ...scheduleFields }),
  z.strictObject({ at: z.string().min(1).describe('One shot: an ISO 8601 time, e.g. "2026-12-24T18:00:00Z".'), ...scheduleFields }),
]);
/** A schedule of `.aegis.ts`: a workflow fired by a cron pattern or once at a time. */
export type ScheduleConfig = z.input<typeof ScheduleSchema>;

export const WebhookSchema = z.strictObject({
  workflow: z.string().min(1).describe("The workflow a verified POST /hooks/<name> starts; the JSON body is its `payload` argument."),
  secret: z.strictObject({ env: z.string().min(1).describe("The environment variable holding the HMAC-SHA256 secret.") })
    .describe("Where the hook's secret comes from; requests carry GitHub's X-Hub-Signature-256 header."),
});
export type WebhookConfig = z.input<typeof WebhookSchema>;

export const ServeSchema = z.strictObject({
  http: z.strictObject({
    host: z.string().min(1).optional().describe('The address to listen on. Default "127.0.0.1".'),
    port: z.number().int().min(0).max(65535).describe("The TCP port (0: any free port)."),
  }).optional().describe("The HTTP listener for webhooks and GET /healthz. Off unless set."),
});

export interface ResolvedSchedule {
  name: string;
  workflow: string;
  args: Record<string, unknown>;
  /** Exactly one of cron and at. */
  cron?: string;
  /** The one-shot time, in ms since the epoch. */
  at?: number;
  tz?: string;
  overlap: "skip" | "queue" | "allow";
  catchUp: "none" | "latest" | "all";
  enabled: boolean;
}
export interface ResolvedWebhook { name: string; workflow: string; secretEnv: string }
export interface ResolvedServe { http?: { host: string; port: number } }

type Collect = (error: z.ZodError, prefix: (string | number)[]) => void;

/** Resolves `schedules`, reporting each problem (bad cron with croner's reason, bad tz, bad `at`) with its key path. */
export function resolveSchedules(raw: Record<string, unknown>, issues: ConfigIssue[], collect: Collect): Record<string, ResolvedSchedule> {
  const out: Record<string, ResolvedSchedule> = {};
  for (const [name, value] of Object.entries(raw)) {
    const o = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
    if ("cron" in o === "at" in o) {
      issues.push({ path: `schedules.${name}`, message: `a schedule needs exactly one of cron (e.g. "0 3 * * *") or at (an ISO time); got ${"cron" in o ? "both" : "neither"}` });
      continue;
    }
    const branch = ScheduleSchema.options["cron" in o ? 0 : 1];
    const r = branch.safeParse(value, { reportInput: true });
    if (!r.success) {
      collect(r.error, ["schedules", name]);
      continue;
    }
    const s = r.data as z.infer<typeof branch> & { cron?: string; at?: string };
    const base = {
      name, workflow: s.workflow, args: s.args ?? {}, overlap: s.overlap ?? "skip", catchUp: s.catchUp ?? "latest", enabled: s.enabled ?? true,
      ...(s.tz !== undefined ? { tz: s.tz } : {}),
    } as const;
    if (s.tz !== undefined && !validTimeZone(s.tz)) {
      issues.push({ path: `schedules.${name}.tz`, message: `tz must be an IANA time zone such as "Europe/Madrid" or "UTC"; got ${JSON.stringify(s.tz)}` });
      continue;
    }
    if (s.cron !== undefined) {
      const why = cronProblem(s.cron, s.tz);
      if (why) {
        issues.push({ path: `schedules.${name}.cron`, message: `invalid cron pattern ${JSON.stringify(s.cron)}: ${why}` });
        continue;
      }
      out[name] = { ...base, cron: s.cron };
    } else {
      const at = Date.parse(s.at!);
      if (!/^\d{4}-\d\d-\d\dT/.test(s.at!) || Number.isNaN(at)) {
        issues.push({ path: `schedules.${name}.at`, message: `at must be an ISO 8601 time such as "2026-12-24T18:00:00Z"; got ${JSON.stringify(s.at)}` });
        continue;
      }
      out[name] = { ...base, at };
    }
  }
  return out;
}

/** Resolves `webhooks`; the secret's variable is read when serve starts (its absence is reported there). */
export function resolveWebhooks(raw: Record<string, unknown>, issues: ConfigIssue[], collect: Collect): Record<string, ResolvedWebhook> {
  const out: Record<string, ResolvedWebhook> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (!/^[A-Za-z0-9._-]+$/.test(name)) {
      issues.push({ path: `webhooks.${name}`, message: `a webhook name is its URL path (/hooks/<name>): use letters, digits, ".", "_" and "-" only; got ${JSON.stringify(name)}` });
      continue;
    }
    const r = WebhookSchema.safeParse(value, { reportInput: true });
    if (!r.success) {
      collect(r.error, ["webhooks", name]);
      continue;
    }
    out[name] = { name, workflow: r.data.workflow, secretEnv: r.data.secret.env };
  }
  return out;
}

export function resolveServe(raw: unknown, collect: Collect): ResolvedServe {
  if (raw === undefined) return {};
  const r = ServeSchema.safeParse(raw, { reportInput: true });
  if (!r.success) {
    collect(r.error, ["serve"]);
    return {};
  }
  return r.data.http ? { http: { host: r.data.http.host ?? "127.0.0.1", port: r.data.http.port } } : {};
}

/** Croner's reason a pattern is invalid (5 or 6 fields), or undefined if it is valid. */
export function cronProblem(pattern: string, tz?: string): string | undefined {
  const fields = pattern.trim().split(/\s+/).length;
  if (fields !== 5 && fields !== 6) {
    // Croner's own text here mentions 7 fields (years), which aegis does not take.
    return `it has ${fields} field${fields === 1 ? "" : "s"}; a pattern has 5 (minute hour day-of-month month day-of-week) or 6 with seconds first`;
  }
  try {
    new Cron(pattern, { paused: true, mode: "5-or-6-parts", ...(tz ? { timezone: tz } : {}) });
    return undefined;
  } catch (err) {
    return errorMessage(err).replace(/^CronPattern: /, "");
  }
}

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** The allowed keys of the object at `path` inside schedules, webhooks or serve, for an unknown-key message. */
export function serveAllowedKeys(path: (string | number)[]): string[] | undefined {
  const [top] = path;
  if (top === "schedules" && path.length === 2) return ["cron", "at", ...Object.keys(scheduleFields)];
  if (top === "webhooks" && path.length === 2) return Object.keys(WebhookSchema.shape);
  if (top === "webhooks" && path.length === 3) return ["env"];
  if (top === "serve" && path.length === 1) return Object.keys(ServeSchema.shape);
  if (top === "serve" && path.length === 2) return ["host", "port"];
  return undefined;
}
