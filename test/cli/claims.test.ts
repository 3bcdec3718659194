// `aegis claims [--json]` (#11) in its own process, against a project whose state holds one live claim, one of a
// closed session and one of a session whose process died: only the live one is listed.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { tryClaim } from "../../src/store/claims.ts";
import { registerOwner } from "../../src/store/owners.ts";
import { closeSessionRow, insertSession } from "../../src/store/sessions.ts";
import { openStore } from "../../src/store/store.ts";
import { tempDir, type TempDir } from "../fixtures/helpers/temp-dir.ts";

const MAIN = join(import.meta.dir, "..", "..", "src", "main.ts");
let dir: TempDir;

const CONFIG = `import { defineConfig, Scripted } from "aegis";
export default defineConfig({ agents: { w: { provider: new Scripted({ reply: (p) => p }) } } });
`;

async function aegis(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const p = Bun.spawn([process.execPath, MAIN, "claims", ...args, "--cwd", dir.path], {
    cwd: dir.path, stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1", AEGIS_STATE_DIR: "" },
  });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout, stderr };
}

beforeAll(() => {
  dir = tempDir("claims-cli");
  writeFileSync(dir.join(".aegis.ts"), CONFIG);
});
afterAll(() => dir.remove());

test("(#11) aegis claims lists live claims only, as text and as JSON", async () => {
  expect((await aegis([])).stdout.trim()).toBe("no live claims");
  const store = openStore(dir.join(".aegis", "state.db"));
  try {
    const owner = registerOwner(store); // this test process: alive while the command runs
    store.db.query("INSERT INTO owners (id, pid, host, proc_start, started_at) VALUES ('own_dead', 999999999, ?, NULL, 0)").run(hostname());
    const sessions = [["alpha", owner], ["bravo", owner], ["ghost", "own_dead"]] as const;
    for (const [handle, o] of sessions) {
      store.write(() => insertSession(store, { id: `ses_${handle}`, handle, agent: "w", provider: "scripted", owner: o, createdAt: Date.now() }));
      tryClaim(store, { sessionId: `ses_${handle}`, handle, intent: "exclusive", paths: [handle], description: `${handle} at work`, at: Date.now() });
    }
    store.write(() => closeSessionRow(store, "ses_bravo", Date.now()));
  } finally {
    store.close();
  }
  const json = await aegis(["--json"]);
  expect(json.code).toBe(0);
  expect(JSON.parse(json.stdout)).toEqual([
    { claimId: expect.stringMatching(/^clm_/), handle: "alpha", intent: "exclusive", paths: ["alpha"], description: "alpha at work", since: expect.any(String) },
  ]);
  const text = await aegis([]);
  expect(text.code).toBe(0);
  expect(text.stdout).toMatch(/^clm_\S+ {2}alpha +exclusive +\S+Z {2}alpha {2}# alpha at work\n$/);
}, 20_000);
