import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..", "..");
const FAKE_CLAUDE = join(ROOT, "test", "fixtures", "bin", "fake-claude");
const base = mkdtempSync(join(tmpdir(), "aegis-ask-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const project = join(base, "proj");
mkdirSync(project);
writeFileSync(join(project, ".aegis.ts"), `import { defineConfig, ClaudeCode, Scripted } from "aegis";
export default defineConfig({
  defaultAgent: "echo",
  agents: {
    echo: { provider: new Scripted({ reply: (p, { turn }) => \`turn \${turn}: \${p}\` }) },
    fake: { provider: new ClaudeCode({ model: "sonnet", permission: "write", bin: ${JSON.stringify(FAKE_CLAUDE)}, env: { FAKE_CLAUDE_STATE_DIR: ${JSON.stringify(join(base, "state"))} } }) },
    missing: { provider: new ClaudeCode({ model: "sonnet", bin: "/nonexistent/claude" }) },
  },
});
`);

async function aegis(args: string[], stdin?: string) {
  const p = Bun.spawn([process.execPath, join(ROOT, "src", "main.ts"), ...args], {
    cwd: project, stdout: "pipe", stderr: "pipe", stdin: stdin === undefined ? "ignore" : new Blob([stdin]),
    env: { ...process.env, NO_COLOR: "1", AEGIS_STATE_DIR: join(base, "aegis-state"), PATH: `${join(ROOT, "node_modules", ".bin")}:${process.env.PATH}` },
  });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout, stderr };
}

test("ask runs one turn of the default agent and prints the answer, then usage on stderr", async () => {
  const r = await aegis(["ask", "hello"]);
  expect(r.code).toBe(0);
  expect(r.stdout).toBe("turn 1: hello\n");
  expect(r.stderr).toMatch(/1 in \/ \d+ out tokens/);
});

test("ask reads the prompt from stdin with -", async () => {
  const r = await aegis(["ask", "echo", "-"], "from stdin");
  expect(r.code).toBe(0);
  expect(r.stdout).toBe("turn 1: from stdin\n");
});

test("ask --json prints normalized events ending in one turn_end", async () => {
  const r = await aegis(["ask", "fake", "MEMO: kiwi", "--json"]);
  expect(r.code).toBe(0);
  const events = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
  expect(events[0].type).toBe("init");
  expect(events.filter((e) => e.type === "turn_end")).toHaveLength(1);
  expect(events.at(-1)).toMatchObject({ type: "turn_end", isError: false });
  expect(events.some((e) => e.type === "text")).toBe(true);
});

test("an error turn exits 1 with the reason", async () => {
  const r = await aegis(["ask", "fake", "MODE:crash"]);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain("the turn failed");
});

test("a missing CLI exits 2 with the install command", async () => {
  const r = await aegis(["ask", "missing", "hi"]);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain("npm i -g @anthropic-ai/claude-code");
});

test("an unknown agent exits 2 naming the known ones", async () => {
  const r = await aegis(["ask", "nobody", "hi"]);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain("echo");
});

test("an agent name with no prompt is a usage error, not a prompt (#3)", async () => {
  const r = await aegis(["ask", "fake"]);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain("no prompt given for agent fake");
});

test("an unquoted multi-word prompt is refused instead of losing words (#3)", async () => {
  const r = await aegis(["ask", "echo", "two", "words"]);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain("quote");
});
