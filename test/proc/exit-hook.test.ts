import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { pidAlive, waitForPidsGone, within } from "../fixtures/helpers/wait.ts";

const SCRIPT = join(import.meta.dir, "../fixtures/helpers/spawn-then-exit.ts");

/** Runs the script, returns it and the pids of the tree it started (its child and the child's escapee). */
async function start(mode: "exit" | "signal") {
  const p = Bun.spawn([process.execPath, SCRIPT, mode], { stdin: "pipe", stdout: "pipe", stderr: "inherit" });
  const reader = p.stdout.getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { done, value } = await within(reader.read(), 5000, "PIDS line");
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  const pids = (/PIDS:\s*([\d ]+)/.exec(text)?.[1] ?? "").trim().split(/\s+/).map(Number);
  expect(pids).toHaveLength(3);
  for (const pid of pids) expect(pidAlive(pid)).toBe(true);
  return { p, pids };
}

describe("aegis exiting takes its children down", () => {
  test("process.exit kills every live child tree, escapees included", async () => {
    const { p, pids } = await start("exit");
    await p.stdin.end(); // the tree was seen alive: let the script exit
    expect(await within(p.exited, 5000, "exit")).toBe(0);
    await waitForPidsGone(pids, 2000);
  });

  test("SIGTERM to aegis with the signal hooks stops the children, then exits 143", async () => {
    const { p, pids } = await start("signal");
    p.kill("SIGTERM");
    expect(await within(p.exited, 5000, "exit")).toBe(143);
    await waitForPidsGone(pids, 2000);
  });
});
