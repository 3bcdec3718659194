// Queue budgets: `usd` or `outputTokens` spent by a queue's finished tasks over a rolling window. An enqueue is
// refused (E_BUDGET) while any budget is spent, with an error naming the budget, what was spent and when the oldest
// counted tasks age out far enough to unblock it. Reads the store only; never dispatches or cancels.
// `queueBudgets` / `checkBudgets` read through the async contract (#15); `evaluateBudgets` over the synchronous SQLite
// store stays for readers not converted yet.

import type { Budget, ResolvedQueue } from "../config/schema.ts";
import { isoSeconds } from "../session/sender.ts";
import type { DbRepos } from "../store/api.ts";
import type { Store } from "../store/store.ts";
import { spendSince } from "../store/tasks.ts";
import { AegisError } from "../util/errors.ts";
import { formatDuration, formatUsd } from "../util/format.ts";

export interface BudgetState {
  kind: Budget["kind"];
  limit: number;
  window: string;
  spent: number;
  blocked: boolean;
  /** When spend drops below the limit again (ms since the epoch), for blocked budgets. */
  unblockAt?: number;
}

type Spend = { finished_at: number; cost_usd: number; output_tokens: number }[];

export function evaluateBudgets(store: Store, queue: ResolvedQueue, now: number): BudgetState[] {
  return queue.budgets.map((b) => budgetState(b, spendSince(store, queue.name, now - b.windowMs), now));
}

/** The queue's budgets, through the async contract (a Db or a transaction's handle). */
export async function queueBudgets(db: Pick<DbRepos, "tasks">, queue: ResolvedQueue, now: number): Promise<BudgetState[]> {
  const out: BudgetState[] = [];
  for (const b of queue.budgets) out.push(budgetState(b, await db.tasks.spendSince(queue.name, now - b.windowMs), now));
  return out;
}

function budgetState(b: ResolvedQueue["budgets"][number], rows: Spend, now: number): BudgetState {
  const amount = (r: Spend[number]) => (b.kind === "usd" ? r.cost_usd : r.output_tokens);
  let spent = 0;
  for (const r of rows) spent += amount(r);
  if (spent < b.limit) return { kind: b.kind, limit: b.limit, window: b.window, spent, blocked: false };
  // The oldest records leave the window first: unblocked once enough of them have aged out.
  let left = spent;
  let unblockAt = now;
  for (const r of rows) {
    left -= amount(r);
    unblockAt = r.finished_at + b.windowMs;
    if (left < b.limit) break;
  }
  return { kind: b.kind, limit: b.limit, window: b.window, spent, blocked: true, unblockAt };
}

/** Throws E_BUDGET if any budget of the queue is spent. */
export async function checkBudgets(db: Pick<DbRepos, "tasks">, queue: ResolvedQueue, now: number): Promise<void> {
  if (queue.budgets.length === 0) return;
  const states = await queueBudgets(db, queue, now);
  const blocked = states.filter((s) => s.blocked);
  if (blocked.length === 0) return;
  const unblockAt = Math.max(...blocked.map((s) => s.unblockAt ?? now));
  const parts = blocked.map((s) => `${describe(s)} (spent ${amount(s.kind, s.spent)})`);
  throw new AegisError(
    "E_BUDGET",
    `queue "${queue.name}" is over budget: ${parts.join("; ")}; it unblocks at ${isoSeconds(unblockAt)} (in ${formatDuration(unblockAt - now)})`,
    {
      data: {
        queue: queue.name,
        unblockAt: isoSeconds(unblockAt),
        blockedBy: blocked.map((s) => ({ budget: describe(s), kind: s.kind, limit: s.limit, window: s.window, spent: s.spent, unblockAt: isoSeconds(s.unblockAt ?? now) })),
      },
      hint: "wait until then, or raise the budget in .aegis.ts",
    },
  );
}

function describe(s: BudgetState): string {
  return `${amount(s.kind, s.limit)} per ${s.window}`;
}

function amount(kind: Budget["kind"], n: number): string {
  return kind === "usd" ? formatUsd(n) : `${String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ",")} output tokens`;
}
