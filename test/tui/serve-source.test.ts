// The UI against a running `aegis serve` (#14): the data source says it reads via the serve and lists the schedules
// that serve fires; a turn of a session the serve hosts is interrupted from the UI (a control row the serve's watch
// consumes); once the serve stops, the source notices and reads the database alone.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { loadConfig } from "../../src/config/load.ts";
import type { LoadedConfig } from "../../src/config/validate.ts";
import { openDataSource, type ProjectSource } from "../../src/tui/source/open.ts";
import type { TranscriptRow } from "../../src/tui/source/model.ts";
import { createSteering } from "../../src/tui/steer.ts";
import { watchServe } from "../../src/serve/watch-client.ts";
import { cli, type Streaming } from "../fixtures/helpers/aegis-cli.ts";
import { tempDir, type TempDir } from "../fixtures/helpers/temp-dir.ts";
import { waitFor } from "../fixtures/helpers/wait.ts";

const CONFIG = `import { defineConfig, Scripted } from "aegis";
export default defineConfig({
  agents: {
    slow: { provider: new Scripted({ reply: (p) => \`slow \${p}\`, delayMs: 60_000 }) },
    // Answers its first turn at once; its second turn writes nothing until it is interrupted.
    twice: { provider: new Scripted({ reply: (p, { turn, signal }) => turn === 1 ? "ready" : new Promise((r) => signal.addEventListener("abort", () => r("stopped"))) }) },
  },
  workflows: ["workflows/"],
  schedules: { nightly: { cron: "0 3 * * *", workflow: "long" } },
});
`;
const WORKFLOWS = `import { workflow } from "aegis";
workflow("long", async (e) => { const h = await e.spawn("slow"); return await e.send(h, "think"); });
workflow("two-turns", async (e) => { const h = await e.spawn("twice"); await e.send(h, "first"); await e.bash("sleep 1"); return await e.send(h, "second"); });
`;

let dir: TempDir;
let serve: Streaming;
let config: LoadedConfig;
let source: ProjectSource;

beforeAll(async () => {
  dir = tempDir("tui-serve");
  writeFileSync(dir.join(".aegis.ts"), CONFIG);
  mkdirSync(dir.join("workflows"));
  writeFileSync(dir.join("workflows", "long.ts"), WORKFLOWS);
  serve = await cli(dir.path).serve();
  config = await loadConfig({ cwd: dir.path });
  source = await openDataSource(config, { pollMs: 20 });
});

afterAll(async () => {
  source?.close();
  if (serve && serve.p.exitCode === null) {
    serve.p.kill("SIGTERM");
    await serve.p.exited;
  }
  dir?.remove();
});

describe("the UI with aegis serve (#14)", () => {
  test("the source reads via the serve and shows its schedules", () => {
    expect(source.via).toBe("serve");
    expect(source.snapshot().via).toBe("serve");
    expect(source.snapshot().schedules?.map((s) => s.name)).toEqual(["nightly"]);
  });

  test("a turn of a session the serve hosts is interrupted from the UI", async () => {
    const started = await cli(dir.path).run("run", ["long", "--detach"]);
    expect(started.code).toBe(0);
    const s = await waitFor(() => source.snapshot().sessions.find((x) => x.agent === "slow" && x.state === "working"), { timeoutMs: 15_000, what: "the serve's session" });
    const rows: TranscriptRow[] = [];
    const stop = source.transcript(s.id, (r) => rows.push(...r));
    const steering = createSteering({ config, cwd: dir.path });
    try {
      expect(await steering.interrupt(s.handle)).toBe("requested");
      const end = await waitFor(() => rows.find((r) => r.event.type === "turn_end"), { timeoutMs: 10_000, what: "the interrupted turn's end" });
      expect(end.event).toMatchObject({ type: "turn_end", isError: true });
    } finally {
      stop();
      await steering.close();
    }
  });

  test("a turn of a session the serve hosts streams to the UI before it is written; no row comes twice", async () => {
    expect((await cli(dir.path).run("run", ["two-turns", "--detach"])).code).toBe(0);
    const s = await waitFor(() => source.snapshot().sessions.find((x) => x.agent === "twice" && x.turns === 1), { timeoutMs: 15_000, what: "the first turn" });
    const rows: TranscriptRow[] = [];
    const stop = source.transcript(s.id, (r) => rows.push(...r));
    const steering = createSteering({ config, cwd: dir.path });
    try {
      // The second turn's prompt sits in the serve's buffer (no event, no flush) until the turn ends: only the
      // stream can show it now.
      const prompt = await waitFor(() => rows.find((r) => r.event.type === "prompt" && r.event.text.endsWith("second")), { timeoutMs: 10_000, what: "the streamed prompt" });
      expect(prompt.id).toBeLessThan(0);
      await steering.interrupt(s.handle);
      await waitFor(() => rows.filter((r) => r.event.type === "turn_end").length === 2, { timeoutMs: 10_000, what: "the second turn's end" });
      source.poke();
      const prompts = rows.filter((r) => r.event.type === "prompt").map((r) => (r.event.type === "prompt" ? r.event.text : ""));
      expect(prompts).toHaveLength(2);
      expect(prompts[1]).toEndWith("second");
    } finally {
      stop();
      await steering.close();
    }
  });

  test("a session started from the UI in the serve outlives the UI's steering and is closed from it", async () => {
    const steering = createSteering({ config, cwd: dir.path });
    const { handle, id } = await steering.spawn("twice", "hello", "serve");
    await steering.close(); // the UI quits: the serve's session stays
    const other = createSteering({ config, cwd: dir.path });
    try {
      const s = await waitFor(() => source.snapshot().sessions.find((x) => x.id === id && x.turns === 1), { timeoutMs: 10_000, what: "its first turn" });
      expect(s.closedAt).toBeNull();
      expect(s.lastLine).toBe("ready");
      await other.closeSession(handle);
      await waitFor(() => source.snapshot().sessions.find((x) => x.id === id)?.closedAt, { what: "the session closed" });
    } finally {
      await other.close();
    }
  });

  test("a session a run started is not closed from the UI (its run closes it)", async () => {
    expect((await cli(dir.path).run("run", ["long", "--detach"])).code).toBe(0);
    const s = await waitFor(() => source.snapshot().sessions.find((x) => x.agent === "slow" && x.state === "working"), { timeoutMs: 15_000, what: "the run's session" });
    const steering = createSteering({ config, cwd: dir.path });
    try {
      await expect(steering.closeSession(s.handle)).rejects.toMatchObject({ code: "E_USAGE", message: expect.stringContaining("belongs to workflow:long") });
      await steering.interrupt(s.handle); // end the run's turn, so the serve stops at once later
      await waitFor(() => source.snapshot().sessions.find((x) => x.id === s.id)?.state !== "working", { timeoutMs: 10_000, what: "the turn to end" });
    } finally {
      await steering.close();
    }
  });

  test("a watch the serve refuses (unknown method, bad params) ends with the serve's reason", async () => {
    const stateDir = dir.join(".aegis");
    for (const [method, params, why] of [["events.nope", {}, /unknown control method/], ["events.watch", {}, /sessionId/]] as const) {
      const ended = await new Promise<Error | undefined>((resolve) => watchServe(stateDir, method, params, () => undefined, resolve));
      expect(ended?.message).toMatch(why);
    }
  });

  test("after the serve stops, the source reads the database alone", async () => {
    serve.p.kill("SIGTERM");
    await serve.p.exited;
    await source.refreshServe();
    expect(source.via).toBe("database");
    await waitFor(() => source.snapshot().via === "database", { what: "the next snapshot" });
    expect(source.snapshot().schedules).toBeUndefined();
  });
});
