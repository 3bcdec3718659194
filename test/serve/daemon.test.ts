// startServe in this process: services get a ServeContext and are stopped at shutdown; the context starts runs; the
// control socket answers, then is gone with the lock once stopped; a serve whose lock is held does not start.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../../src/config/load.ts";
import type { LoadedConfig } from "../../src/config/validate.ts";
import { connectServe } from "../../src/serve/client.ts";
import { defaultServices, startServe } from "../../src/serve/daemon.ts";
import { LOCK_FILE } from "../../src/serve/lock.ts";
import type { ServeContext, ServeService } from "../../src/serve/service.ts";
import { SOCKET_FILE } from "../../src/serve/socket.ts";
import { getRun } from "../../src/store/runs.ts";
import { tempDir, type TempDir } from "../fixtures/helpers/temp-dir.ts";
import { waitFor } from "../fixtures/helpers/wait.ts";

let dir: TempDir;
let config: LoadedConfig;

beforeAll(async () => {
  dir = tempDir("serve-daemon");
  writeFileSync(dir.join(".aegis.ts"), `import { defineConfig, Scripted } from "aegis";
export default defineConfig({ agents: { w: { provider: new Scripted({ reply: (p) => "ok " + p }) } }, workflows: ["wf/"] });
`);
  mkdirSync(dir.join("wf"));
  writeFileSync(dir.join("wf", "a.ts"), `import { workflow } from "aegis";
workflow("serve-daemon-echo", async (_e, args) => args);
`);
  writeFileSync(dir.join("wf", "b.ts"), `import { workflow } from "aegis";
workflow("serve-daemon-wait", async (e) => e.waitFor("go"));
`);
  config = await loadConfig({ cwd: dir.path });
});
afterAll(() => dir.remove());

class Recorder implements ServeService {
  readonly name = "recorder";
  ctx: ServeContext | undefined;
  stoppedWith: number | undefined;
  async start(ctx: ServeContext): Promise<void> {
    this.ctx = ctx;
  }
  async stop(graceMs: number): Promise<void> {
    this.stoppedWith = graceMs;
  }
}

describe("startServe (#12)", () => {
  test("services start with a context that starts runs, and stop with the grace; socket and lock go at the end (#12)", async () => {
    const svc = new Recorder();
    const logs: string[] = [];
    const serve = await startServe({ config, graceMs: 1234, services: [svc], log: (m) => logs.push(m), pollMs: 50 });
    const stateDir = serve.stateDir;
    try {
      expect(svc.ctx?.signal.aborted).toBe(false);
      expect(svc.ctx?.cfg.root).toBe(config.root);
      const runId = await svc.ctx!.startRun("serve-daemon-echo", { n: 1 });
      await waitFor(() => getRun(serve.rt.store, runId)?.status === "done", { what: "the run to finish" });
      expect(JSON.parse(getRun(serve.rt.store, runId)!.result!)).toEqual({ n: 1 });
      await svc.ctx!.resumeRun(runId); // done already: nothing to do

      const client = await connectServe(stateDir);
      expect(client).toBeDefined();
      expect(await client!.call("ping")).toEqual({ pid: process.pid });
      await expect(client!.call("no.such.method")).rejects.toMatchObject({ code: "E_USAGE" });
      await expect(client!.call("run.start", { workflow: "nope", args: {} })).rejects.toMatchObject({ code: "E_NOT_FOUND" });

      await expect(startServe({ config, graceMs: 0, services: [], log: () => {} })).rejects.toMatchObject({ code: "E_STATE" });
    } finally {
      await serve.stop("test over");
    }
    expect(svc.ctx!.signal.aborted).toBe(true);
    expect(svc.stoppedWith).toBe(1234);
    expect(existsSync(join(stateDir, SOCKET_FILE))).toBe(false);
    expect(existsSync(join(stateDir, LOCK_FILE))).toBe(false);
    expect(await connectServe(stateDir)).toBeUndefined();
    await expect(svc.ctx!.startRun("serve-daemon-echo", {})).rejects.toMatchObject({ code: "E_STATE" });
    expect(logs.at(-1)).toBe("stopped");
  });

  test("a resume still importing its workflow when serve begins stopping is refused: the run stays parked, not interrupted (#12)", async () => {
    const svc = new Recorder();
    const serve = await startServe({ config, graceMs: 5000, services: [svc], log: () => {}, pollMs: 50 });
    const dbPath = serve.rt.store.path;
    const runId = await svc.ctx!.startRun("serve-daemon-wait", {});
    await waitFor(() => getRun(serve.rt.store, runId)?.error_code === "E_PARKED", { what: "the run to park" });
    const resumed = svc.ctx!.resumeRun(runId); // as the timer service wakes a run, without awaiting it
    const stopped = serve.stop("test over");
    await expect(resumed).rejects.toMatchObject({ code: "E_STATE" });
    await stopped;
    const db = new Database(dbPath, { readonly: true });
    try {
      expect(db.query("SELECT status, error_code FROM runs WHERE id = ?").get(runId)).toMatchObject({ error_code: "E_PARKED" });
    } finally {
      db.close();
    }
  });
});

test("a service failing to start stops those already started before the database closes; lock and socket go (#12)", async () => {
  const first = new Recorder();
  const failing: ServeService = {
    name: "failing",
    start: () => Promise.reject(new Error("no secret")),
    stop: () => Promise.resolve(),
  };
  const logs: string[] = [];
  await expect(startServe({ config, graceMs: 1000, services: [first, failing], log: (m) => logs.push(m) })).rejects.toThrow("no secret");
  expect(first.ctx!.signal.aborted).toBe(true);
  expect(first.stoppedWith).toBe(0);
  const stateDir = join(config.root, ".aegis");
  expect(existsSync(join(stateDir, SOCKET_FILE))).toBe(false);
  expect(existsSync(join(stateDir, LOCK_FILE))).toBe(false);
  expect(logs).toEqual([]);
});

test("webhooks start before timers and schedules, so a refused start (secret unset, port taken) fires and wakes nothing (#12)", () => {
  expect(defaultServices().map((s) => s.name)).toEqual(["webhooks", "timers", "schedules"]);
});

test("a run that parks is logged as parked with what it waits for, not as interrupted (#12)", async () => {
  const svc = new Recorder();
  const logs: string[] = [];
  const serve = await startServe({ config, graceMs: 1000, services: [svc], log: (m) => logs.push(m), pollMs: 50 });
  try {
    const runId = await svc.ctx!.startRun("serve-daemon-wait", {});
    await waitFor(() => logs.some((l) => l.startsWith(`run ${runId} `)), { what: "the run's log line" });
    expect(logs.find((l) => l.startsWith(`run ${runId} `))).toBe(`run ${runId} (serve-daemon-wait) parked: waiting for the signal "go"`);
  } finally {
    await serve.stop("test over");
  }
});

describe("control socket (#12)", () => {
  test("a socket file nobody listens on means no serve; a path too long for a Unix socket is refused with a hint (#12)", async () => {
    using tmp = tempDir("serve-sock");
    // A serve killed with SIGKILL leaves its socket file behind, with nobody listening.
    const child = Bun.spawn([process.execPath, "-e", `Bun.listen({ unix: ${JSON.stringify(tmp.join(SOCKET_FILE))}, socket: { data() {} } }); console.log("up"); setInterval(() => {}, 1000);`], { stdout: "pipe" });
    const reader = child.stdout.getReader();
    await reader.read();
    child.kill("SIGKILL");
    await child.exited;
    expect(existsSync(tmp.join(SOCKET_FILE))).toBe(true);
    expect(await connectServe(tmp.path)).toBeUndefined();
    rmSync(tmp.join(SOCKET_FILE));
    writeFileSync(tmp.join(SOCKET_FILE), ""); // not even a socket
    expect(await connectServe(tmp.path)).toBeUndefined();
    const deep = tmp.join("x".repeat(120));
    mkdirSync(deep);
    const { listenControl } = await import("../../src/serve/socket.ts");
    expect(() => listenControl(deep, {} as never)).toThrow(/too long for a Unix socket/);
  });
});

test("a serve that does not answer its ping within the limit is reported, not waited on forever (#12)", async () => {
  using tmp = tempDir("serve-stuck");
  // Accepts connections and never answers, like a serve stopped with SIGSTOP.
  const mute = Bun.listen({ unix: tmp.join(SOCKET_FILE), socket: { data() {} } });
  try {
    await expect(connectServe(tmp.path)).rejects.toMatchObject({ code: "E_TIMEOUT", hint: expect.stringContaining("AEGIS_NO_SERVE=1") });
  } finally {
    mute.stop(true);
  }
}, 15_000);
