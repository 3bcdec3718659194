import { describe, expect, test } from "bun:test";
import { nextFireAfter, ON_TIME_MS, overlapAction, planFires, runIsActive } from "../../src/schedule/plan.ts";

const T = (iso: string) => Date.parse(iso);

describe("schedule planning (#12)", () => {
  test("a 6-field pattern fires on seconds", () => {
    const s = { cron: "*/10 * * * * *", catchUp: "all" as const };
    expect(nextFireAfter(s, T("2026-01-01T00:00:00Z"))).toBe(T("2026-01-01T00:00:10Z"));
    expect(planFires(s, T("2026-01-01T00:00:00Z"), T("2026-01-01T00:00:35Z")).due).toEqual([
      T("2026-01-01T00:00:10Z"), T("2026-01-01T00:00:20Z"), T("2026-01-01T00:00:30Z"),
    ]);
  });

  test("a pattern is read in its tz, across daylight saving time", () => {
    const s = { cron: "0 3 * * *", tz: "Europe/Madrid", catchUp: "latest" as const };
    expect(nextFireAfter(s, T("2026-01-10T00:00:00Z"))).toBe(T("2026-01-10T02:00:00Z")); // CET, UTC+1
    expect(nextFireAfter(s, T("2026-07-10T00:00:00Z"))).toBe(T("2026-07-10T01:00:00Z")); // CEST, UTC+2
    const ny = { cron: "0 3 * * *", tz: "America/New_York", catchUp: "latest" as const };
    expect(nextFireAfter(ny, T("2026-01-10T00:00:00Z"))).toBe(T("2026-01-10T08:00:00Z"));
  });

  test("nothing is due before the next fire, and the cursor stays", () => {
    const s = { cron: "0 3 * * *", catchUp: "all" as const };
    expect(planFires(s, T("2026-01-01T03:00:00Z"), T("2026-01-02T02:59:59Z"))).toEqual({ due: [], cursor: T("2026-01-01T03:00:00Z") });
    expect(planFires(s, T("2026-01-01T03:00:00Z"), T("2026-01-02T03:00:00Z")).due).toEqual([T("2026-01-02T03:00:00Z")]);
  });

  test("catchUp: latest runs the most recent missed fire, all runs each, none runs only an on-time one", () => {
    const from = T("2026-01-01T03:00:00Z");
    const now = T("2026-01-04T12:00:00Z"); // three fires missed
    const base = { cron: "0 3 * * *" };
    expect(planFires({ ...base, catchUp: "latest" }, from, now)).toEqual({ due: [T("2026-01-04T03:00:00Z")], cursor: T("2026-01-04T03:00:00Z") });
    expect(planFires({ ...base, catchUp: "all" }, from, now).due).toEqual([T("2026-01-02T03:00:00Z"), T("2026-01-03T03:00:00Z"), T("2026-01-04T03:00:00Z")]);
    expect(planFires({ ...base, catchUp: "none" }, from, now)).toEqual({ due: [], cursor: T("2026-01-04T03:00:00Z") });
    // On time (a tick slightly late) is not missed.
    expect(planFires({ ...base, catchUp: "none" }, from, T("2026-01-02T03:00:00Z") + ON_TIME_MS).due).toEqual([T("2026-01-02T03:00:00Z")]);
  });

  test("a one-shot at fires once, when due, and never again", () => {
    const at = T("2026-06-01T12:00:00Z");
    expect(planFires({ at, catchUp: "latest" }, 0, at - 1)).toEqual({ due: [], cursor: 0 });
    expect(planFires({ at, catchUp: "latest" }, 0, at + 5000)).toEqual({ due: [at], cursor: at });
    expect(planFires({ at, catchUp: "latest" }, at, at + 99_000_000).due).toEqual([]);
    expect(planFires({ at, catchUp: "none" }, 0, at + ON_TIME_MS + 1).due).toEqual([]);
    expect(nextFireAfter({ at, catchUp: "latest" }, at)).toBeNull();
  });

  test("overlap policies and which run statuses count as still going", () => {
    expect(overlapAction("skip", true)).toBe("skip");
    expect(overlapAction("queue", true)).toBe("wait");
    expect(overlapAction("allow", true)).toBe("start");
    expect(overlapAction("skip", false)).toBe("start");
    expect(runIsActive("running")).toBe(true);
    expect(runIsActive("interrupted")).toBe(true);
    expect(runIsActive("done")).toBe(false);
    expect(runIsActive(null)).toBe(false);
  });
});
