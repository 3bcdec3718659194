// Queue budgets: `usd` or `outputTokens` spent by a queue's finished tasks over a rolling window. An enqueue is
// refused (E_BUDGET) while any budget is spent, with an error naming the budget, what was spent and when the oldest
// counted tasks age out far enough to unblock it. Reads the store only; never dispatches or cancels.

import type { Budget, ResolvedQueue } from "../config/schema.ts";
import { isoSeconds } from "../session/sender.ts";
import type { Store } from "../store/store.ts";
import { spendSince } from "../store/tasks.ts";
import { AegisError } from "../util/errors.ts";

export interface BudgetState {
  kind: Budget["kind"];
  limit: number;
  window: string;
  spent: number;
  blocked: boolean;
  /** When spend drops below the limit again (ms since the epoch), for blocked budgets. */
  unblockAt?: number;
}

export function evaluateBudgets(store: Store, queue: ResolvedQueue, now: number): BudgetState[] {
  return queue.budgets.map((b) => {
    const rows = spendSince(store, queue.name, now - b.windowMs);
    const amount = (r: (typeof rows)[number]) => (b.kind === "usd" ? r.cost_usd : r.output_tokens);
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
  });
}

/** Throws E_BUDGET if any budget of the queue is spent. */
export function checkBudgets(store: Store, queue: ResolvedQueue, now: number): void {
  if (queue.budgets.length === 0) return;
  const states = evaluateBudgets(store, queue, now);
  const blocked = states.filter((s) => s.blocked);
  if (blocked.length === 0) return;
  const unblockAt = Math.max(...blocked.map((s) => s.unblockAt ?? now));
  const parts = blocked.map((s) => `${describe(s)} (spent ${amount(s.kind, s.spent)})`);
  throw new AegisError(
    "E_BUDGET",
    `queue "${queue.name}" is over budget: ${parts.join("; ")}; it unblocks at ${isoSeconds(unblockAt)} (in ${duration(unblockAt - now)})`,
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

/**
 * A USD amount: cents from 10 cents up (`$5.00`, `$0.50`); below that two significant digits, so that a small
 * budget or spend never reads as `$0.00` (`$0.05`, `$0.012`, `$0.0001`, `$0.00012`).
 */
export function formatUsd(n: number): string {
  const abs = Math.abs(n);
  if (abs === 0 || abs >= 0.1 || !Number.isFinite(n)) return `$${n.toFixed(2)}`;
  const decimals = Math.min(20, 1 - Math.floor(Math.log10(abs)));
  // Trailing zeros go, down to cents: 0.00010 → 0.0001, 0.050 → 0.05.
  return `$${n.toFixed(decimals).replace(/(\.\d\d\d*?)0+$/, "$1")}`;
}

/** A short human duration: `45s`, `12m`, `3h 5m`, `2d 4h`. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.ceil(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${m % 60 ? ` ${m % 60}m` : ""}`;
  const d = Math.floor(h / 24);
  return `${d}d${h % 24 ? ` ${h % 24}h` : ""}`;
}
