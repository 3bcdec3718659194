// The session `aegis ask` hosts can be steered from another process, like one hosted by serve or `aegis run` (#14):
// an interrupt `aegis ui` sends (a control row in its inbox) stops its turn, and a message sent while it works gets
// its own turn, streamed to ask's stdout, before ask ends (it used to be dropped when ask closed the session). On
// SQLite and, when available, PostgreSQL. The other process is test/fixtures/steer-session.ts (aegis ui's steering).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freshDatabase, pgAvailability, sharedPostgres } from "../helpers/postgres.ts";

const ROOT = join(import.meta.dir, "..", "..");
const MAIN = join(ROOT, "src", "main.ts");
const STEER = join(ROOT, "test", "fixtures", "steer-session.ts");
const pg = pgAvailability();
const base = mkdtempSync(join(tmpdir(), "aegis-ask-steer-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** hang works until interrupted; gate answers each message once the release file exists. */
function makeProject(name: string): { dir: string; release: string } {
  const dir = join(base, name);
  const release = join(dir, "release");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, ".aegis.ts"), `import { existsSync } from "node:fs";
import { defineConfig, Scripted } from "aegis";
const hang = async (_p: string, { signal }: { signal: AbortSignal }) => {
  await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
  return "stopped";
};
const gate = async (p: string, { signal }: { signal: AbortSignal }) => {
  while (!existsSync(${JSON.stringify(release)}) && !signal.aborted) await new Promise((r) => setTimeout(r, 20));
  return \`answer: \${p.split("\\n").pop()}\`;
};
export default defineConfig({
  agents: { hang: { provider: new Scripted({ reply: hang }) }, gate: { provider: new Scripted({ reply: gate }) } },
});
`);
  return { dir, release };
}

interface Done { code: number; stdout: string; stderr: string }

function run(argv: string[], cwd: string, env: Record<string, string>): Promise<Done> {
  const p = Bun.spawn([process.execPath, ...argv], {
    cwd, stdin: "ignore", stdout: "pipe", stderr: "pipe",
    env: { ...process.env, NO_COLOR: "1", AEGIS_STATE_DIR: "", AEGIS_DATABASE_URL: "", ...env },
  });
  const killer = setTimeout(() => p.kill("SIGKILL"), 60_000); // a hung ask must not outlive the test
  return Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]).then(([stdout, stderr, code]) => {
    clearTimeout(killer);
    return { code, stdout, stderr };
  });
}

const backends: { name: string; env: () => Promise<Record<string, string>> }[] = [
  { name: "sqlite", env: async () => ({ AEGIS_STATE_DIR: mkdtempSync(join(base, "state-")) }) },
];
if (pg.ok) backends.push({ name: "postgres", env: async () => ({ AEGIS_DATABASE_URL: await freshDatabase(await sharedPostgres()) }) });

for (const b of backends) {
  describe(`[${b.name}] aegis ask's session answers to aegis ui (#14)`, () => {
    let env: Record<string, string>;
    beforeAll(async () => {
      env = await b.env();
    }, 60_000);

    test("an interrupt sent from another process stops the turn ask hosts: exit 1, saying so", async () => {
      const { dir } = makeProject(`interrupt-${b.name}`);
      const ask = run([MAIN, "ask", "hang", "wait for a signal"], dir, env);
      const steer = await run([STEER, dir, "interrupt"], dir, env);
      expect({ code: steer.code, stderr: steer.stderr }).toEqual({ code: 0, stderr: "" });
      expect(JSON.parse(steer.stdout)).toMatchObject({ result: "requested" });
      const r = await ask;
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("the turn was interrupted");
      expect(r.stderr).toMatch(/· (cancelled|interrupted)\n/);
    }, 90_000);

    test("a message sent while ask's turn runs gets its own turn, streamed, before ask ends", async () => {
      const { dir, release } = makeProject(`message-${b.name}`);
      const ask = run([MAIN, "ask", "gate", "first question"], dir, env);
      const steer = await run([STEER, dir, "message", "a follow-up"], dir, env);
      expect({ code: steer.code, stderr: steer.stderr }).toEqual({ code: 0, stderr: "" });
      expect(JSON.parse(steer.stdout)).toMatchObject({ result: { disposition: "queued" } });
      writeFileSync(release, "go");
      const r = await ask;
      expect({ code: r.code, stderr: r.code === 0 ? "" : r.stderr }).toEqual({ code: 0, stderr: "" });
      expect(r.stdout).toContain("answer: first question");
      expect(r.stdout).toContain("answer: a follow-up");
      expect(r.stdout.indexOf("answer: first question")).toBeLessThan(r.stdout.indexOf("answer: a follow-up"));
      expect(r.stderr).toContain("· 2 turns ·");
    }, 90_000);
  });
}
