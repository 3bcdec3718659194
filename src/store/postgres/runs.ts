// The runs family on PostgreSQL (#15): RunsApi over Bun.sql — the `runs` rows and their journal (`steps`), the same
// rows and guarantees as src/store/runs.ts. A step row is replaced whole when an attempt starts it again (SQLite's
// INSERT OR REPLACE); every status change is guarded as there. It holds SQL only; replay policy lives in src/workflow/.

import type { SQL } from "bun";
import type { RunsApi } from "../api/runs.ts";
import type { NewRun, NewStep, RunEnd, RunRow, RunStatus, StepEnd, StepRow } from "../runs.ts";
import { logIgnored } from "../../util/log-ignored.ts";
import { numbered, numberedRows } from "./rows.ts";

/** Columns Bun.sql returns as strings (int8, and float8 sums to be safe). */
const RUN_NUMS = ["created_at", "started_at", "finished_at", "duration_ms", "cost_usd", "input_tokens", "output_tokens"] as const;
const STEP_NUMS = ["started_at", "finished_at", "cost_usd", "input_tokens", "output_tokens"] as const;

/** A runs row with its int8 columns as numbers (SELECT * also brings start_branch, as on SQLite). */
export function pgRunRow(r: Record<string, unknown>): RunRow {
  return numbered<RunRow>(r, RUN_NUMS);
}

const json = (v: unknown): string | null => (v === undefined ? null : JSON.stringify(v));

/**
 * A buffered write's statement, started now: Bun.sql runs a query only once it is awaited or executed, and inside a
 * transaction nobody awaits a buffered write (it returns nothing). The transaction's connection runs statements in
 * order, so a failure aborts the transaction and fails the next awaited statement; on the pool, db.ts awaits it.
 */
function started(q: unknown): void {
  const p = (q as { execute(): Promise<unknown> }).execute();
  // Reported through the awaited path described above; this handler only keeps it from being an unhandled rejection.
  p.catch(logIgnored("a buffered run write (its failure is reported where the write is awaited)"));
  return p as unknown as void;
}

/** RunsApi on a pool or inside a transaction (`sql` is then the transaction handle). */
export function pgRuns(sql: SQL): RunsApi {
  const runs = (q: Promise<Record<string, unknown>[]>) => numberedRows<RunRow>(q, RUN_NUMS);
  const steps = (q: Promise<Record<string, unknown>[]>) => numberedRows<StepRow>(q, STEP_NUMS);
  return {
    async insertRun(r: NewRun) {
      await sql`INSERT INTO runs (id, workflow, file, args, status, owner, caller, created_at, started_at, host)
        VALUES (${r.id}, ${r.workflow}, ${r.file ?? null}, ${JSON.stringify(r.args ?? {})}, 'running', ${r.owner ?? null},
          ${r.caller ?? null}, ${r.at}, ${r.at}, ${r.host ?? null})`;
    },
    async restartRun(id, owner, at) {
      await sql`UPDATE runs SET status = 'running', owner = ${owner}, attempt = attempt + 1, started_at = ${at}, finished_at = NULL,
        result = NULL, error = NULL, error_code = NULL, error_stack = NULL, cancel_requested = 0 WHERE id = ${id}`;
    },
    async finishRun(id, e: RunEnd) {
      await sql`UPDATE runs SET status = ${e.status}, result = ${json(e.result)}, error = ${e.error ?? null},
        error_code = ${e.errorCode ?? null}, error_stack = ${e.errorStack ?? null}, finished_at = ${e.at},
        duration_ms = duration_ms + ${Math.round(e.attemptMs)} WHERE id = ${id}`;
    },
    async markRunCrashed(id, at, why) {
      return (await sql`UPDATE runs SET status = 'crashed', error = ${why}, error_code = 'E_CRASHED', finished_at = ${at}
        WHERE id = ${id} AND status = 'running' RETURNING id`).length > 0;
    },
    async requestRunCancel(id) {
      await sql`UPDATE runs SET cancel_requested = 1 WHERE id = ${id}`;
    },
    async getRun(id) {
      return (await runs(sql`SELECT * FROM runs WHERE id = ${id}`))[0] ?? null;
    },
    async listRuns(limit = 50) {
      return await runs(sql`SELECT * FROM runs ORDER BY created_at DESC, id DESC LIMIT ${limit}`);
    },
    async runStatusesOfFile(file) {
      return (await sql`SELECT status FROM runs WHERE file = ${file}`).map((r: { status: RunStatus }) => r.status);
    },
    async crashedRunIds() {
      return (await sql`SELECT id FROM runs WHERE status = 'crashed' ORDER BY created_at, id`).map((r: { id: string }) => r.id);
    },
    async runningRuns() {
      return await runs(sql`SELECT * FROM runs WHERE status = 'running'`);
    },
    async cancelRequested(id) {
      const [r] = await sql`SELECT cancel_requested AS c FROM runs WHERE id = ${id}`;
      return Number(r?.c ?? 0) === 1;
    },
    async listSteps(runId) {
      return await steps(sql`SELECT * FROM steps WHERE run_id = ${runId} ORDER BY seq`);
    },
    // Buffered on the Db (PG-DESIGN.md §2.1): db.ts queues it in program order; here it is one statement.
    startStep(s: NewStep) {
      return started(sql`INSERT INTO steps (run_id, seq, kind, label, digest, status, attempt, started_at)
        VALUES (${s.runId}, ${s.seq}, ${s.kind}, ${s.label}, ${s.digest}, 'running', ${s.attempt}, ${s.at})
        ON CONFLICT (run_id, seq) DO UPDATE SET kind = excluded.kind, label = excluded.label, digest = excluded.digest,
          status = 'running', done_seq = NULL, output = NULL, error = NULL, attempt = excluded.attempt,
          started_at = excluded.started_at, finished_at = NULL, cost_usd = 0, input_tokens = 0, output_tokens = 0`);
    },
    async finishStep(runId, seq, e: StepEnd) {
      await sql`UPDATE steps SET status = ${e.status}, done_seq = ${e.doneSeq}, output = ${json(e.output)}, error = ${e.error ?? null},
        finished_at = ${e.at}, cost_usd = ${e.costUsd ?? 0}, input_tokens = ${e.inputTokens ?? 0}, output_tokens = ${e.outputTokens ?? 0}
        WHERE run_id = ${runId} AND seq = ${seq}`;
    },
    async failDoneStep(runId, seq, error) {
      await sql`UPDATE steps SET status = 'failed', error = ${error} WHERE run_id = ${runId} AND seq = ${seq} AND status = 'done'`;
    },
    addRunUsage(runId, costUsd, inputTokens, outputTokens) {
      return started(sql`UPDATE runs SET cost_usd = cost_usd + ${costUsd}, input_tokens = input_tokens + ${inputTokens},
        output_tokens = output_tokens + ${outputTokens} WHERE id = ${runId}`);
    },
    async supersedeUnread(target, sender, at) {
      return (await sql`UPDATE inbox SET delivered_at = ${at}, session_id = 'superseded'
        WHERE target = ${target} AND sender = ${sender} AND delivered_at IS NULL RETURNING id`).length;
    },
    async setStepDoneSeq(runId, seq, doneSeq) {
      await sql`UPDATE steps SET done_seq = ${doneSeq} WHERE run_id = ${runId} AND seq = ${seq}`;
    },
  };
}
