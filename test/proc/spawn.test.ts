import { describe, expect, test } from "bun:test";
import { spawnProcess } from "../../src/proc/spawn.ts";
import { tempDir } from "../fixtures/helpers/temp-dir.ts";
import { collect, within } from "../fixtures/helpers/wait.ts";

const bun = process.execPath;
const cwd = process.cwd();

/** Runs a short Bun program as the child. */
function bunChild(code: string, extra: Partial<Parameters<typeof spawnProcess>[0]> = {}) {
  return spawnProcess({ cmd: [bun, "-e", code], cwd, ...extra });
}

describe("spawnProcess", () => {
  test("round-trips stdin to stdout as lines and reports the exit code", async () => {
    const child = bunChild(`for await (const l of console) { if (l === "quit") process.exit(7); console.log("echo:" + l); }`);
    const it = child.lines()[Symbol.asyncIterator]();
    child.write("one\n");
    expect((await it.next()).value).toBe("echo:one");
    child.write("two\n");
    expect((await it.next()).value).toBe("echo:two");
    child.write("quit\n");
    expect(await child.exited).toEqual({ code: 7, signal: null });
    expect((await it.next()).done).toBe(true);
    await child.stop();
  });

  test("frames CRLF, garbage and a 16 MiB line from a real pipe", async () => {
    const child = bunChild(
      `const out = Bun.stdout.writer();
       out.write("crlf\\r\\n");
       out.write(new Uint8Array([0xff, 0xfe, 0x41, 0x0a]));
       out.write(Buffer.alloc(16 * 1024 * 1024, "x"));
       out.write("\\nlast");
       await out.end();`,
    );
    const lines = await collect(child.lines());
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe("crlf");
    expect(lines[1]).toContain("A");
    expect(lines[2]?.length).toBe(16 * 1024 * 1024);
    expect(lines[3]).toBe("last");
    await child.stop();
  });

  test("drops lines over maxLineBytes and notes it in the stderr tail", async () => {
    const sizes: number[] = [];
    const child = bunChild(`console.log("a".repeat(2000)); console.log("small");`, {
      maxLineBytes: 1000,
      onOversize: (b) => sizes.push(b),
    });
    expect(await collect(child.lines())).toEqual(["small"]);
    expect(sizes).toEqual([2000]);
    expect(child.stderrTail()).toContain("dropped a stdout line of 2000 bytes");
    await child.stop();
  });

  test("keeps only the last stderrTailBytes of stderr", async () => {
    const child = bunChild(`for (let i = 0; i < 2000; i++) console.error("line " + i); console.error("THE END");`, {
      stderrTailBytes: 256,
    });
    await child.exited;
    await child.stop();
    const tail = child.stderrTail();
    expect(tail.length).toBeLessThanOrEqual(256);
    expect(tail).toContain("THE END");
    expect(tail).not.toContain("line 1\n");
  });

  test("captures stderr of a child that dies at start-up", async () => {
    const child = bunChild(`console.error("fatal: cannot be used with root"); process.exit(1);`);
    expect((await child.exited).code).toBe(1);
    await child.stop();
    expect(child.stderrTail()).toContain("fatal: cannot be used with root");
  });

  test("the child gets the parent's env minus internal variables, explicit keys and a unique tag (#9)", async () => {
    process.env.AEGIS_TEST_PROBE = "reaches-the-child";
    process.env.AEGIS_FAILPOINT = "never:0";
    try {
      const run = () => bunChild(`console.log(JSON.stringify(process.env))`, { env: { EXPLICIT: "yes" } });
      const a = run();
      const b = run();
      const envA = JSON.parse((await collect(a.lines()))[0] as string);
      const envB = JSON.parse((await collect(b.lines()))[0] as string);
      expect(envA.EXPLICIT).toBe("yes");
      expect(envA.AEGIS_TEST_PROBE).toBe("reaches-the-child");
      expect(envA.PATH).toBe(process.env.PATH);
      expect(envA.AEGIS_FAILPOINT).toBeUndefined();
      expect(envA.AEGIS_PROC_TAG).toBe(a.tag);
      expect(envB.AEGIS_PROC_TAG).toBe(b.tag);
      expect(a.tag).not.toBe(b.tag);
      await Promise.all([a.stop(), b.stop()]);
    } finally {
      delete process.env.AEGIS_TEST_PROBE;
      delete process.env.AEGIS_FAILPOINT;
    }
  });

  test("inheritEnv narrows the inherited part to the names and globs listed; the tag is still set (#9)", async () => {
    process.env.AEGIS_TEST_PROBE = "not-listed";
    process.env.AEGIS_TEST_LISTED_A = "a";
    try {
      const child = bunChild(`console.log(JSON.stringify(process.env))`, { env: { EXPLICIT: "yes" }, inheritEnv: ["AEGIS_TEST_LISTED_*"] });
      const env = JSON.parse((await collect(child.lines()))[0] as string);
      await child.stop();
      expect(env.AEGIS_TEST_LISTED_A).toBe("a");
      expect(env.EXPLICIT).toBe("yes");
      expect(env.AEGIS_TEST_PROBE).toBeUndefined();
      expect(env.AEGIS_PROC_TAG).toBe(child.tag);
      // Bun itself may add a few variables to a child; nothing else of ours leaked (PATH, HOME were not listed).
      expect(env.HOME).toBeUndefined();
    } finally {
      delete process.env.AEGIS_TEST_PROBE;
      delete process.env.AEGIS_TEST_LISTED_A;
    }
  });

  test("write after exit is a no-op and lines() has a single consumer", async () => {
    const child = bunChild(`process.exit(0)`);
    await child.exited;
    expect(() => child.write("ignored\n")).not.toThrow();
    child.lines();
    expect(() => child.lines()).toThrow(/single consumer/);
    await child.stop();
  });

  test("runs in its own process group", async () => {
    const child = bunChild(`console.log(require("fs").readFileSync("/proc/self/stat", "utf8")); await Bun.stdin.text();`);
    const stat = (await within(child.lines()[Symbol.asyncIterator]().next(), 5000, "stat line")).value as string;
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    expect(Number(fields[2])).toBe(child.pid); // pgrp
    expect(Number(fields[3])).toBe(child.pid); // session
    await child.stop();
  });

  test("a missing executable or cwd is a clear error", () => {
    expect(() => spawnProcess({ cmd: ["/nonexistent/cli"], cwd })).toThrow(expect.objectContaining({ code: "E_AGENT_MISSING" }));
    using dir = tempDir();
    expect(() => spawnProcess({ cmd: [bun, "-e", "1"], cwd: dir.join("nope") })).toThrow(
      expect.objectContaining({ code: "E_NOT_FOUND" }),
    );
  });

  test("lines() ends after exit even if an escaped grandchild holds stdout open", async () => {
    // The grandchild inherits stdout and lives in its own session; the child exits at once.
    const child = spawnProcess({ cmd: ["bash", "-c", "setsid sleep 30 & echo started"], cwd });
    const lines = await within(collect(child.lines()), 4000, "lines to end");
    expect(lines).toEqual(["started"]);
    await child.stop({ graceMs: 0 });
  });
});
