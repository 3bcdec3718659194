// The error of a task whose worker stopped under it (#15): the old text, then which worker (id, pid, host) and why;
// a workflow's queue delegation re-enqueues such a task whether or not its worker is named.

import { expect, test } from "bun:test";
import { INTERRUPTED, interruptedBy, isInterrupted } from "../../src/queue/task.ts";

test("(#15) a recovered task's error names its worker and why, after the old text", () => {
  expect(interruptedBy({ owner: "own_a", host: "gpu-1", pid: 41, why: "lease expired" }))
    .toBe(`${INTERRUPTED} (worker own_a, pid 41 on gpu-1: its lease expired: paused, cut off or its machine lost)`);
  expect(interruptedBy({ owner: "own_b", host: "laptop", pid: 7, why: "died" })).toBe(`${INTERRUPTED} (worker own_b, pid 7 on laptop: its process died)`);
  expect(interruptedBy({ owner: "own_c", why: "gone" })).toBe(`${INTERRUPTED} (worker own_c: it was no longer registered)`);
});

test("(#15) isInterrupted matches the old text and the named one, nothing else", () => {
  expect(isInterrupted(INTERRUPTED)).toBe(true);
  expect(isInterrupted(interruptedBy({ owner: "own_a", host: "h", pid: 1, why: "died" }))).toBe(true);
  expect(isInterrupted("the worker exited with an error")).toBe(false);
  expect(isInterrupted(null)).toBe(false);
});
