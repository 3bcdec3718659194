// The one way aegis prints money and durations, everywhere a user reads them (CLI output, summaries, errors, logs).
// Pure functions, no I/O.

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

/** A human duration: `850 ms`, `1.5s`, `42s`, `12m 5s`, `3h 5m`, `2d 4h` (the two largest units, rounded down). */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 0) return `-${formatDuration(-ms)}`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${+(Math.floor(ms / 100) / 10).toFixed(1)}s`;
  const s = Math.floor(ms / 1000);
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${s % 60 ? ` ${s % 60}s` : ""}`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${m % 60 ? ` ${m % 60}m` : ""}`;
  const d = Math.floor(h / 24);
  return `${d}d${h % 24 ? ` ${h % 24}h` : ""}`;
}
