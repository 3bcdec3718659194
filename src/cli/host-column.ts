// The HOST column of listings of machine-bound things (`aegis runs`, `aegis worktrees`, `aegis tasks`): shown only
// when some row is another machine's, so one machine's listing stays as it was; `--json` always carries `host` (#15).

import { hostName } from "../store/owners.ts";

/** The column's width, or 0 for no column: no row was recorded by another host (rows from before #15 have none). */
export function hostColumn(hosts: readonly (string | null | undefined)[]): number {
  const here = hostName();
  if (!hosts.some((h) => h && h !== here)) return 0;
  return Math.max(...hosts.map((h) => (h ?? "-").length));
}

/** The cell of one row: its host padded to `width`, then two spaces; nothing when there is no column. */
export function hostCell(host: string | null | undefined, width: number): string {
  return width ? `${(host ?? "-").padEnd(width)}  ` : "";
}
