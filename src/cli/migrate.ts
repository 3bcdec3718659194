// `aegis migrate --to <url|path> [--from <url|path>] [--force] [--json]`: copies a project's whole state between
// backends (SQLite → PostgreSQL and back, or to another file or database), every row unchanged, and prints the rows of
// each table on both sides (verified equal). Refuses while aegis processes hold live leases on the source (--force
// copies anyway), a non-empty target, and the same database twice. The source is left as it was. A database URL is
// only ever printed with its password hidden. Parse → store/transfer.ts → print.

import { defineCommand } from "citty";
import type { TableCount } from "../store/copy.ts";
import { describeLocation, locationOf, parseStoreLocation, type StoreLocation } from "../store/location.ts";
import { storeTarget } from "../store/open.ts";
import { out, writeErr } from "../ui/log.ts";
import { AegisError, UsageError } from "../util/errors.ts";
import { silenceLimitMs } from "../store/owner-silence.ts";
import { configArgs, interrupted, jsonArg, loadConfigFromArgs, workDir } from "./context.ts";

export default defineCommand({
  meta: { name: "migrate", description: "Copy this project's state to PostgreSQL or a SQLite file (and back), verifying every table's row count" },
  args: {
    to: { type: "string", description: "The target: postgres://user:password@host/db, or the path of a new SQLite state file", valueHint: "url|path" },
    from: { type: "string", description: "The source (default: this project's state: AEGIS_DATABASE_URL, store.url, else .aegis/state.db)", valueHint: "url|path" },
    force: { type: "boolean", description: "Copy even while aegis processes use the source (what they write meanwhile is not copied)" },
    ...configArgs,
    ...jsonArg,
  },
  async run({ args }) {
    if (!args.to) throw new UsageError("aegis migrate needs --to <url|path>", "e.g. aegis migrate --to postgres://aegis:secret@db.internal/aegis");
    const cwd = workDir(args);
    const to = parseStoreLocation(args.to, cwd, "--to");
    const { from, leaseMs } = await sourceOf(args, cwd);
    const { transferState } = await import("../store/transfer.ts");
    const progress = progressPrinter(!args.json);
    const started = performance.now();
    let result;
    try {
      result = await transferState(from, to, { force: Boolean(args.force), onProgress: progress.update, ...(leaseMs !== undefined ? { leaseMs } : {}) });
    } catch (err) {
      progress.done();
      const counts = (err as AegisError).data?.counts as TableCount[] | undefined;
      if (counts && !args.json) writeErr(countsTable(counts));
      throw err;
    }
    progress.done();
    const ms = Math.round(performance.now() - started);
    const rows = result.counts.filter((c) => c.table !== "queue_counts").reduce((n, c) => n + c.target, 0);
    if (result.live.length) writeErr(`aegis: copied while ${result.live.length} aegis process${result.live.length === 1 ? " was" : "es were"} using the source (--force): ${result.live.map((o) => o.id).join(", ")}\n`);
    if (args.json) return void out(JSON.stringify({ from: result.from, to: result.to, rows, ms, counts: result.counts, forced: result.live }, null, 2));
    out(`copied ${result.from} → ${result.to} in ${(ms / 1000).toFixed(1)} s`);
    out(countsTable(result.counts).trimEnd());
    out(`all ${result.counts.length} tables verified: ${rows.toLocaleString("en-US")} rows; the source is unchanged`);
    out(nextStep(to));
  },
});

/**
 * The source: --from, else the project's configured state (AEGIS_DATABASE_URL needs no config file); with the
 * config's store.leaseMs when it was read (how long another machine's silent process still counts live; else 30 s).
 */
async function sourceOf(args: { from?: string; config?: string; cwd?: string }, cwd: string): Promise<{ from: StoreLocation; leaseMs?: number }> {
  if (args.from) return { from: parseStoreLocation(args.from, cwd, "--from") };
  if (process.env.AEGIS_DATABASE_URL) return { from: parseStoreLocation(process.env.AEGIS_DATABASE_URL, cwd, "AEGIS_DATABASE_URL") };
  const config = await loadConfigFromArgs(args);
  return { from: locationOf(storeTarget(config)), leaseMs: silenceLimitMs(config) };
}

export function countsTable(counts: readonly TableCount[]): string {
  const w = Math.max(5, ...counts.map((c) => c.table.length));
  const n = (x: number) => x.toLocaleString("en-US").padStart(10);
  const lines = [`${"TABLE".padEnd(w)} ${"SOURCE".padStart(10)} ${"TARGET".padStart(10)}`];
  for (const c of counts) lines.push(`${c.table.padEnd(w)} ${n(c.source)} ${n(c.target)}${c.source === c.target ? "" : "  ✗"}`);
  return `${lines.join("\n")}\n`;
}

function nextStep(to: StoreLocation): string {
  if (to.kind === "postgres") return `to use it, set store: { url: "${describeLocation(to)}" } in .aegis.ts (with the real password), or AEGIS_DATABASE_URL, on every machine`;
  return `to use it, leave store.url and AEGIS_DATABASE_URL unset and keep the file at <stateDir>/state.db (or point AEGIS_STATE_DIR at its folder): ${to.path}`;
}

/**
 * Progress of a copy on stderr: a line rewritten in place on a terminal; otherwise a line every 100,000 rows of a
 * big table. Ctrl-C stops the copy at the next chunk (the target is then left unchanged).
 */
function progressPrinter(enabled: boolean) {
  const tty = Boolean(process.stderr.isTTY);
  let shown = false;
  let last = 0;
  return {
    update: (p: { table: string; copied: number; total: number }) => {
      if (interrupted.aborted) throw new AegisError("E_CANCELLED", "the copy was interrupted; the target was left unchanged");
      if (!enabled || p.total < 10_000) return;
      const text = `copying ${p.table}: ${p.copied.toLocaleString("en-US")} of ${p.total.toLocaleString("en-US")} rows`;
      if (tty) {
        const now = performance.now();
        if (now - last < 100 && p.copied < p.total) return;
        last = now;
        writeErr(`\r\x1b[2K${text}`);
        shown = true;
      } else if (p.copied % 100_000 === 0 || p.copied === p.total) writeErr(`aegis: ${text}\n`);
    },
    done: () => {
      if (shown) writeErr("\r\x1b[2K");
      shown = false;
    },
  };
}
