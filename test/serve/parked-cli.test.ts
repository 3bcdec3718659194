// Parked runs under a real `aegis serve` (#12), each command in its own process: a detached run waiting for a signal
// and one asking a question park (`aegis runs` shows them waiting), `aegis signal` and `aegis answer` through the
// socket wake them, and a run parked on a question survives a SIGKILLed serve: the next serve wakes it once answered.
// On both backends (#15): on PostgreSQL every process gets AEGIS_DATABASE_URL of a fresh database.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir, type TempDir } from "../fixtures/helpers/temp-dir.ts";
import { waitFor } from "../fixtures/helpers/wait.ts";
import { describeDb } from "../helpers/backends.ts";
import { freshDatabase, sharedPostgres } from "../helpers/postgres.ts";

const MAIN = join(import.meta.dir, "..", "..", "src", "main.ts");
let dir: TempDir;
/** The database of the backend under test (PostgreSQL), or undefined for the project's .aegis/state.db. */
let url: string | undefined;

const CONFIG = `import { defineConfig, Scripted } from "aegis";
export default defineConfig({ agents: { w: { provider: new Scripted({ reply: (p) => p }) } }, workflows: ["workflows/"] });
`;
const WORKFLOWS = `import { workflow } from "aegis";
workflow("gate", async (e) => "approved by " + (await e.waitFor("approve")).by);
workflow("ask", async (e) => "chose " + await e.askHuman("Ship it?", { options: ["yes", "no"] }));
`;

type Proc = ReturnType<typeof Bun.spawn<"ignore", "pipe", "pipe">>;

function start(cmd: string, args: string[], env: Record<string, string> = {}): Proc {
  return Bun.spawn([process.execPath, MAIN, cmd, ...args, "--cwd", dir.path], {
    cwd: dir.path, stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1", AEGIS_STATE_DIR: "", AEGIS_DATABASE_URL: url ?? "", ...env },
  });
}

async function aegis(cmd: string, args: string[] = [], env: Record<string, string> = {}) {
  const p = start(cmd, args, env);
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout, stderr };
}

async function startServe(): Promise<{ p: Proc; log: () => string }> {
  const p = start("serve", ["--poll-ms", "50"]);
  let seen = "";
  void (async () => {
    for await (const chunk of p.stderr) seen += new TextDecoder().decode(chunk);
  })();
  await waitFor(() => seen.includes("control socket") || p.exitCode !== null, { timeoutMs: 15_000, what: "serve to listen" });
  if (p.exitCode !== null) throw new Error(`serve exited ${p.exitCode}: ${seen}`);
  return { p, log: () => seen };
}

async function run(runId: string): Promise<{ status: string; result?: unknown; parked?: unknown }> {
  return JSON.parse((await aegis("runs", ["show", runId, "--json"], { AEGIS_NO_SERVE: "1" })).stdout);
}

describeDb("parked runs under a real serve", (b) => {
  beforeAll(async () => {
    url = b.name === "postgres" ? await freshDatabase(await sharedPostgres()) : undefined;
    dir = tempDir("parked-cli");
    writeFileSync(dir.join(".aegis.ts"), CONFIG);
    mkdirSync(dir.join("workflows"));
    writeFileSync(dir.join("workflows", "all.ts"), WORKFLOWS);
  });
  afterAll(() => dir.remove());

  test("detached runs park waiting; aegis signal and aegis answer through the serve wake them; a parked question outlives a SIGKILLed serve (#12)", async () => {
    const serve = await startServe();
    let second: Proc | undefined;
    try {
      const gate = (await aegis("run", ["gate", "--detach"])).stdout.trim();
      const ask = (await aegis("run", ["ask", "--detach"])).stdout.trim();
      expect(gate).toMatch(/^run_/);
      await waitFor(async () => (await run(gate)).status === "waiting" && (await run(ask)).status === "waiting", { timeoutMs: 15_000, what: "both runs to park" });
      const listed = await aegis("runs");
      expect(listed.stdout).toContain(`asks: Ship it? (yes | no) → aegis answer ${ask} <answer>`);
      expect(listed.stdout).toContain(`waits for approve → aegis signal ${gate} approve`);
      const shown = (await aegis("runs", ["show", gate])).stdout; // (#12): parked, not an error nor a running step
      expect(shown).toContain("parked: waiting for the signal \"approve\"");
      expect(shown).not.toContain("error:");
      expect(shown).not.toContain("unfinished");
      const sent = await aegis("signal", [gate, "approve", '{"by":"ana"}']);
      expect(sent.stdout).toContain("aegis serve wakes the run");
      await waitFor(async () => (await run(gate)).status === "done", { timeoutMs: 15_000, what: "the signalled run to finish" });
      expect((await run(gate)).result).toBe("approved by ana");

      serve.p.kill("SIGKILL");
      await serve.p.exited;
      const answered = await aegis("answer", [ask, "yes"]); // no serve now: kept in the database
      expect(answered.code).toBe(0);
      const next = await startServe();
      second = next.p;
      await waitFor(async () => (await run(ask)).status === "done", { timeoutMs: 15_000, what: "the answered run to finish under the next serve" });
      expect((await run(ask)).result).toBe("chose yes");
    } finally {
      if (serve.p.exitCode === null) serve.p.kill("SIGKILL");
      second?.kill("SIGTERM");
      await second?.exited;
    }
  }, 60_000);
});
