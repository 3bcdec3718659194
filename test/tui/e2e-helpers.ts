// Shared by the terminal UI's end-to-end tests (#14): the compiled aegis binary (built once per test process into an
// empty folder, so it runs with no node_modules near it; AEGIS_TUI_BIN=<path> reuses one), a project of Scripted
// agents in a temp folder, `aegis ui` / `aegis chat` started in a private tmux pane, and other aegis commands started
// as plain background processes against the same project (the "other terminal").

import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileAegis } from "../../scripts/compile.ts";
import { Tmux } from "../fixtures/helpers/tmux.ts";
import { pidAlive, waitFor } from "../fixtures/helpers/wait.ts";

let built: Promise<string> | undefined;

/** The aegis binary under test, compiled on first use (alone in a fresh folder). */
export function aegisBinary(): Promise<string> {
  if (process.env.AEGIS_TUI_BIN) return Promise.resolve(process.env.AEGIS_TUI_BIN);
  built ??= (async () => {
    // Shared by every test file of this process, and bun test runs no exit hook, so the ~130 MB binary outlives the
    // run: each run removes the ones whose test process is gone (the folder name carries its pid).
    for (const old of readdirSync(tmpdir()).filter((f) => f.startsWith("aegis-tui-bin-"))) {
      const pid = Number(old.split("-")[3]);
      if (Number.isInteger(pid) && !pidAlive(pid)) rmSync(join(tmpdir(), old), { recursive: true, force: true });
    }
    const dir = mkdtempSync(join(tmpdir(), `aegis-tui-bin-${process.pid}-`));
    const out = join(dir, "aegis");
    await compileAegis(out);
    return out;
  })();
  return built;
}

/** The project every e2e test uses: echo replies at once, hang works until interrupted, two queues, two workflows. */
export const PROJECT_CONFIG = `import { defineConfig, Scripted } from "aegis";
const hang = async (_p: string, { signal }: { signal: AbortSignal }) => {
  await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
  return "stopped";
};
export default defineConfig({
  defaultAgent: "echo",
  agents: {
    echo: { provider: new Scripted({ reply: (p, { turn }) => \`reply \${turn}: \${p.split("\\n").pop()}\` }) },
    hang: { provider: new Scripted({ reply: hang }) },
  },
  queues: { q: { agent: "echo", maxParallel: 1 }, slow: { agent: "hang", maxParallel: 1 } },
  workflows: ["workflows/"],
  // Never due during a test (1 January, 03:00 UTC): listed by the dashboard while a serve runs.
  schedules: { "new-year": { cron: "0 3 1 1 *", workflow: "stall", tz: "UTC" } },
});
`;

/**
 * watch: one echo turn, then a hang turn (until interrupted), then one more echo turn. stall: a hang turn only.
 * ship: asks "Ship it?" (parks under aegis serve until answered), then tells echo the answer.
 */
const WORKFLOWS: Record<string, string> = {
  "watch.ts": `import { workflow } from "aegis";
workflow("watch", async (e) => {
  const a = await e.spawn("echo");
  await e.send(a, "look at the plan");
  const h = await e.spawn("hang");
  const r = await e.send(h, "wait for a signal").then(() => "went on", (err) => \`stopped: \${err}\`);
  await e.send(a, "after the wait");
  return r;
});
`,
  "ship.ts": `import { workflow } from "aegis";
workflow("ship", async (e) => {
  const answer = await e.askHuman("Ship it?", { key: "ship", options: ["yes", "no"] });
  const a = await e.spawn("echo");
  return await e.send(a, \`shipping: \${answer}\`);
});
`,
  "stall.ts": `import { workflow } from "aegis";
workflow("stall", async (e) => {
  const h = await e.spawn("hang");
  return await e.send(h, "stall forever");
});
`,
};

/** A fresh project folder (no node_modules anywhere above it but the system temp folder). */
export function makeProject(): string {
  const dir = mkdtempSync(join(tmpdir(), "aegis-tui-e2e-"));
  writeFileSync(join(dir, ".aegis.ts"), PROJECT_CONFIG);
  mkdirSync(join(dir, "workflows"));
  for (const [name, text] of Object.entries(WORKFLOWS)) writeFileSync(join(dir, "workflows", name), text);
  return dir;
}

/** `aegis <args>` in a new 120x30 tmux pane in `project`, NO_COLOR=1 unless `env` says otherwise (undefined unsets). */
export async function openInTmux(args: string[], project: string, env: Record<string, string | undefined> = {}, bin?: string): Promise<Tmux> {
  const t = new Tmux();
  await t.start([bin ?? (await aegisBinary()), ...args], { cwd: project, env: { NO_COLOR: "1", ...env } });
  return t;
}

export interface Background {
  p: ReturnType<typeof Bun.spawn>;
  err: () => string;
  out: () => string;
  /** Ends it: SIGTERM, then SIGKILL if it is still there after 10 s (a test must not leave it behind). */
  stop(): Promise<void>;
}

/** `aegis <args>` in `project` as a background process (another terminal), its output collected. */
export async function background(args: string[], project: string): Promise<Background> {
  const p = Bun.spawn([await aegisBinary(), ...args], {
    cwd: project, stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1", AEGIS_STATE_DIR: "" },
  });
  let out = "";
  let err = "";
  const pump = async (s: ReadableStream<Uint8Array>, add: (t: string) => void) => {
    const d = new TextDecoder();
    for await (const c of s) add(d.decode(c, { stream: true }));
  };
  void pump(p.stdout, (t) => (out += t));
  void pump(p.stderr, (t) => (err += t));
  return {
    p, err: () => err, out: () => out,
    async stop() {
      if (p.exitCode !== null) return;
      p.kill("SIGTERM");
      const killer = setTimeout(() => p.kill("SIGKILL"), 10_000);
      await p.exited;
      clearTimeout(killer);
    },
  };
}

/** One-shot `aegis <args>` in `project`. */
export async function aegis(args: string[], project: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const p = Bun.spawn([await aegisBinary(), ...args], {
    cwd: project, stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1", AEGIS_STATE_DIR: "" },
  });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout, stderr };
}

/** Waits for `text` in a background process's stderr. */
export async function untilErr(b: Background, text: string | RegExp, timeoutMs = 20_000): Promise<string> {
  const seen = () => (typeof text === "string" ? b.err().includes(text) : text.test(b.err()));
  await waitFor(seen, { timeoutMs, intervalMs: 25, what: `${text} from aegis ${b.p.pid}; stderr so far:\n${b.err()}` });
  return b.err();
}

/** The session handles an `aegis run` reports spawning, by agent (`session <handle> (<agent>) spawned`). */
export function spawnedHandles(stderr: string): Record<string, string> {
  const found: Record<string, string> = {};
  for (const m of stderr.matchAll(/session (\S+) \((\w+)\) spawned/g)) found[m[2]!] = m[1]!;
  return found;
}

/** The line of the list marked as selected (▶). */
export function selectedRow(screen: string): string {
  return screen.split("\n").find((l) => l.includes("▶")) ?? "";
}

/** Presses `key` until the selected row contains `text` (at most `max` presses, each waiting for the marker to move). */
export async function selectRow(t: Tmux, text: string, key = "Down", max = 20): Promise<void> {
  for (let i = 0; i <= max; i++) {
    const screen = await t.capture();
    if (selectedRow(screen).includes(text)) return;
    const before = selectedRow(screen);
    await t.send([key]);
    await t.waitForScreen((s) => selectedRow(s) !== before, `the selection to move off "${before.trim()}"`, 5000);
  }
  throw new Error(`no row with ${text} after ${max} presses of ${key}:\n${await t.capture()}`);
}
