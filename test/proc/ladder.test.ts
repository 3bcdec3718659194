import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { liveChildren, stopAllChildren } from "../../src/proc/registry.ts";
import { spawnProcess, type ChildProcess } from "../../src/proc/spawn.ts";
import { environHasTag, findTaggedPids } from "../../src/proc/sweep.ts";
import { pidAlive, waitForPidsGone, within } from "../fixtures/helpers/wait.ts";

const TREE = join(import.meta.dir, "../fixtures/helpers/stubborn-tree.sh");
const cwd = process.cwd();

/** Starts the stubborn tree and returns it with the pids it reported. */
async function startTree(mode: "ignore" | "polite", extra: Partial<Parameters<typeof spawnProcess>[0]> = {}) {
  const child = spawnProcess({ cmd: [TREE, mode], cwd, ...extra });
  const first = await within(child.lines()[Symbol.asyncIterator]().next(), 5000, "PIDS line");
  const pids = String(first.value).replace("PIDS:", "").trim().split(/\s+/).map(Number);
  expect(pids).toHaveLength(3);
  expect(pids[0]).toBe(child.pid);
  for (const p of pids) expect(pidAlive(p)).toBe(true);
  return { child, pids };
}

async function expectAllGone(child: ChildProcess, pids: number[]) {
  await waitForPidsGone(pids, 2000);
  expect(findTaggedPids(child.tag)).toEqual([]);
  expect(liveChildren()).not.toContain(child);
}

describe("shutdown ladder", () => {
  test("kills a tree that ignores SIGTERM, including a grandchild in its own session", async () => {
    const { child, pids } = await startTree("ignore");
    await within(child.stop({ graceMs: 100 }), 4000, "stop");
    const status = await child.exited;
    expect(status.signal).toBe("SIGKILL");
    await expectAllGone(child, pids);
  });

  test("sweeps the escapee left by a child that exits politely at stdin EOF", async () => {
    const { child, pids } = await startTree("polite");
    await within(child.stop({ graceMs: 2000 }), 4000, "stop");
    expect(await child.exited).toEqual({ code: 0, signal: null });
    await expectAllGone(child, pids);
  });

  test("sigint rung reaches a child that ends on SIGINT", async () => {
    const child = spawnProcess({
      cmd: [process.execPath, "-e", `process.on("SIGTERM", () => {}); process.on("SIGINT", () => process.exit(42)); console.log("up"); setInterval(() => {}, 1000);`],
      cwd,
    });
    await within(child.lines()[Symbol.asyncIterator]().next(), 5000, "up");
    await within(child.stop({ graceMs: 100, sigint: true }), 4000, "stop");
    expect((await child.exited).code).toBe(42);
  });

  test("stop is idempotent", async () => {
    const { child, pids } = await startTree("ignore");
    const a = child.stop({ graceMs: 50 });
    const b = child.stop({ graceMs: 5000 });
    expect(a).toBe(b);
    await within(Promise.all([a, b]), 4000, "stop");
    await expectAllGone(child, pids);
  });

  test("timeoutMs stops the whole tree", async () => {
    const { child, pids } = await startTree("ignore", { timeoutMs: 200, ladder: { graceMs: 50 } });
    await within(child.exited, 10000, "exit after timeout");
    expect(child.timedOut).toBe(true);
    await within(child.stop(), 10000, "ladder started by the timeout");
    await expectAllGone(child, pids);
  });

  test("aborting the signal stops the whole tree", async () => {
    const ac = new AbortController();
    const { child, pids } = await startTree("ignore", { signal: ac.signal, ladder: { graceMs: 50 } });
    ac.abort();
    await within(child.exited, 10000, "exit after abort");
    await within(child.stop(), 10000, "ladder started by the abort");
    await expectAllGone(child, pids);
    expect(child.timedOut).toBe(false);
  });

  test("an already-aborted signal stops the child at once", async () => {
    const ac = new AbortController();
    ac.abort();
    const child = spawnProcess({ cmd: [TREE, "ignore"], cwd, signal: ac.signal, ladder: { graceMs: 50 } });
    await within(child.exited, 10000, "exit");
    await child.stop();
    expect(findTaggedPids(child.tag)).toEqual([]);
  });

  test("stopAllChildren stops every live child", async () => {
    const a = await startTree("ignore");
    const b = await startTree("polite");
    expect(liveChildren()).toEqual(expect.arrayContaining([a.child, b.child]));
    await within(stopAllChildren({ graceMs: 50 }), 4000, "stopAllChildren");
    await expectAllGone(a.child, a.pids);
    await expectAllGone(b.child, b.pids);
  });
});

describe("environHasTag", () => {
  const env = (s: string) => new TextEncoder().encode(s.replaceAll("|", "\0"));
  test("matches the exact tag and nested tags, not prefixes of other tags", () => {
    expect(environHasTag(env("A=1|AEGIS_PROC_TAG=abc|B=2|"), "abc")).toBe(true);
    expect(environHasTag(env("AEGIS_PROC_TAG=abc"), "abc")).toBe(true);
    expect(environHasTag(env("AEGIS_PROC_TAG=abc/def|"), "abc")).toBe(true);
    expect(environHasTag(env("AEGIS_PROC_TAG=abcd|"), "abc")).toBe(false);
    expect(environHasTag(env("XAEGIS_PROC_TAG=abc|"), "abc")).toBe(false);
    expect(environHasTag(env("OTHER=AEGIS_PROC_TAG=abc|"), "abc")).toBe(false);
    expect(environHasTag(env("AEGIS_PROC_TAG=zzz/abc|"), "abc")).toBe(false);
  });
});
