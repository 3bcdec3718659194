// Durable timers, signals and answers under SIGKILL (#12): `aegis serve` (its own process) runs detached workflows
// that wait for a signal, sleep, ask a question, sleep and wait again, and is SIGKILLed at random moments, then
// restarted, AEGIS_DURABLE_KILLS times (default 12; the crash run uses 50). Signals and answers are sent with
// the real CLI while serve is down. Afterwards every run is done with the payloads in the order they were sent: no
// signal or answer was lost or taken twice, every sleep recorded one wake time, every step of the journal is done.
// On both backends (#15): on PostgreSQL serve and every CLI call get AEGIS_DATABASE_URL of a fresh database.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Database } from "bun:sqlite";
import { tempDir, type TempDir } from "../fixtures/helpers/temp-dir.ts";
import { waitFor, within } from "../fixtures/helpers/wait.ts";
import { describeDb } from "../helpers/backends.ts";
import { freshDatabase, sharedPostgres } from "../helpers/postgres.ts";

const MAIN = join(import.meta.dir, "..", "..", "src", "main.ts");
const KILLS = Number(process.env.AEGIS_DURABLE_KILLS ?? 12);
const RUNS = 4;

const CONFIG = `import { defineConfig, Scripted } from "aegis";
export default defineConfig({ agents: { w: { provider: new Scripted({ reply: (p) => p }) } }, workflows: ["wf/"] });
`;

const WORKFLOW = `import { workflow } from "aegis";
workflow("durable", async (e) => {
  const a = await e.waitFor("go");
  await e.sleep(1200);
  const q = await e.askHuman("Continue?", { key: "cont" });
  await e.sleep(1100);
  const b = await e.waitFor("go");
  return { a, q, b };
});
`;

describeDb("durable waits under SIGKILL of serve", (b) => {
  let dir: TempDir;
  let url: string | undefined;

  beforeAll(async () => {
    url = b.name === "postgres" ? await freshDatabase(await sharedPostgres()) : undefined;
    dir = tempDir("durable-crash");
    writeFileSync(dir.join(".aegis.ts"), CONFIG);
    mkdirSync(dir.join("wf"));
    writeFileSync(dir.join("wf", "durable.ts"), WORKFLOW);
  });
  afterAll(() => dir.remove());

  function spawn(args: string[], stderr: "pipe" | "ignore" = "pipe") {
    return Bun.spawn([process.execPath, MAIN, ...args, "--cwd", dir.path], {
      cwd: dir.path, stdin: "ignore", stdout: "pipe", stderr, env: { ...process.env, NO_COLOR: "1", AEGIS_STATE_DIR: "", AEGIS_DATABASE_URL: url ?? "" },
    });
  }

  async function aegis(args: string[]): Promise<string> {
    const p = spawn(args);
    const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr!).text(), p.exited]);
    if (code !== 0) throw new Error(`aegis ${args.join(" ")} exited ${code}: ${err}`);
    return out;
  }

  /** Starts `aegis serve`; resolves once it listens on its socket. */
  async function serve() {
    const p = spawn(["serve"]);
    let seen = "";
    let ready!: () => void;
    const listening = new Promise<void>((resolve) => (ready = resolve));
    const reading = (async () => {
      for await (const chunk of p.stderr!) {
        seen += new TextDecoder().decode(chunk);
        if (seen.includes("control socket")) ready();
      }
    })();
    await within(Promise.race([listening, reading.then(() => Promise.reject(new Error(`aegis serve exited: ${seen}`)))]), 15_000, "aegis serve to listen");
    return { p, log: () => seen };
  }

  test(`(#12) ${KILLS} SIGKILLs of serve while runs sleep, wait for signals and ask: nothing lost, nothing taken twice`, async () => {
    const first = await serve();
    const runIds: string[] = [];
    for (let i = 0; i < RUNS; i++) runIds.push((await aegis(["run", "durable", "--detach"])).trim());
    first.p.kill("SIGKILL");
    await first.p.exited;
    const sends: Record<number, (id: string) => string[]> = {
      1: (id) => ["signal", id, "go", '{"n":1}'],
      [Math.max(2, Math.floor(KILLS / 3))]: (id) => ["answer", id, "cont=yes"], // with its key: the run may not have reached the question yet
      [Math.max(3, Math.floor((2 * KILLS) / 3))]: (id) => ["signal", id, "go", '{"n":2}'],
    };
    for (let i = 0; i < KILLS; i++) {
      const { p } = await serve();
      await Bun.sleep(150 + Math.floor(Math.random() * 1200)); // the kill moment itself is what is being randomized
      p.kill("SIGKILL");
      await p.exited;
      const send = sends[i];
      if (send) for (const id of runIds) await aegis(send(id)); // serve is down: straight into the database
    }
    for (let i = KILLS; i <= 3; i++) for (const id of runIds) if (sends[i]) await aegis(sends[i]!(id));
    const last = await serve();
    const status = async () => (JSON.parse(await aegis(["runs", "--json"])) as { runId: string; status: string }[]).filter((r) => runIds.includes(r.runId));
    await waitFor(async () => (await status()).every((r) => r.status === "done"), { timeoutMs: 30_000, what: "every run to finish" });
    last.p.kill("SIGTERM");
    expect(await last.p.exited).toBe(0);

    const db = await readState();
    try {
      for (const id of runIds) {
        const [run] = await db.query<{ result: string; attempt: number }>("SELECT result, attempt FROM runs WHERE id = $1", id);
        expect(JSON.parse(run!.result)).toEqual({ a: { n: 1 }, q: "yes", b: { n: 2 } });
        const steps = await db.query<{ seq: number; kind: string; status: string }>("SELECT seq, kind, status FROM steps WHERE run_id = $1 ORDER BY seq", id);
        expect(steps.map((s) => [s.kind, s.status])).toEqual([["wait", "done"], ["sleep", "done"], ["ask", "done"], ["sleep", "done"], ["wait", "done"]]);
        const timers = await db.query<{ seq: number }>("SELECT seq FROM timers WHERE run_id = $1 ORDER BY seq", id);
        expect(timers.map((t) => Number(t.seq))).toEqual([2, 4]);
        const signals = await db.query<{ event: string; consumed_seq: number | null }>("SELECT event, consumed_seq FROM signals WHERE run_id = $1 ORDER BY id", id);
        expect(signals.map((x) => ({ event: x.event, consumed_seq: x.consumed_seq === null ? null : Number(x.consumed_seq) })))
          .toEqual([{ event: "go", consumed_seq: 1 }, { event: "answer:cont", consumed_seq: 3 }, { event: "go", consumed_seq: 5 }]);
      }
      const [sum] = await db.query<{ n: number }>("SELECT sum(attempt) AS n FROM runs");
      console.error(`(#12) durable crash [${b.name}]: ${KILLS} kills, ${RUNS} runs, ${Number(sum!.n)} attempts in all, every signal and answer taken once`);
    } finally {
      await db.close();
    }
  }, 120_000 + KILLS * 5_000);

  /** The state as the serve left it, read with plain SQL ($1 parameters on both backends). */
  async function readState(): Promise<{ query<R>(text: string, ...params: unknown[]): Promise<R[]>; close(): Promise<void> }> {
    if (url) {
      const sql = new Bun.SQL({ url, max: 1 });
      return { query: async <R,>(text: string, ...params: unknown[]) => (await sql.unsafe(text, params)) as R[], close: () => sql.close() };
    }
    const db = new Database(dir.join(".aegis", "state.db"), { readonly: true });
    return { query: async <R,>(text: string, ...params: unknown[]) => db.query(text.replace(/\$\d+/g, "?")).all(...(params as string[])) as R[], close: async () => db.close() };
  }
});
