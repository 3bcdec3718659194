// Fault injection for the durability tests: `AEGIS_FAILPOINT=<point>:<step>` makes aegis SIGKILL itself at that point
// of that journaled step (`start`: row written, effect not begun; `effect`: effect done, not yet committed;
// `commit`: committed, not yet returned to the workflow; `mid:<step>:<ms>`: that long after the effect began).
// Unset (always, outside tests) it costs one string comparison per step. It must not do anything else.

const SPEC = process.env.AEGIS_FAILPOINT ?? "";

export type FailPoint = "start" | "effect" | "commit";

/** Kills this process with SIGKILL if the failpoint names this point of this step. */
export function failpoint(point: FailPoint, seq: number): void {
  if (SPEC === "" || SPEC !== `${point}:${seq}`) return;
  process.kill(process.pid, "SIGKILL");
}

/** Arms a timer that SIGKILLs this process `ms` after step `seq`'s effect began, if the failpoint says so. */
export function failpointMid(seq: number): void {
  if (SPEC === "" || !SPEC.startsWith(`mid:${seq}:`)) return;
  const ms = Number(SPEC.slice(`mid:${seq}:`.length)) || 0;
  setTimeout(() => process.kill(process.pid, "SIGKILL"), ms);
}
