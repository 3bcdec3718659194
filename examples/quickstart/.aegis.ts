// The quickstart project: built-in Scripted agents, so everything runs with no account and no network.
// Swap a provider for `new ClaudeCode({ model: "opus" })`, `new GeminiCLI(...)` or `new OpenCode(...)` to use a real CLI.
import { defineConfig, Scripted } from "aegis";

// The Bun API the scripted agents use (aegis runs on Bun); declared so this file type-checks without @types/bun.
declare const Bun: {
  write(path: string, text: string): Promise<number>;
  spawnSync(cmd: string[], o: { cwd: string }): { exitCode: number; stderr: { toString(): string } };
};
const write = async (path: string, text: string) => (await Bun.write(path, text), `I wrote ${path.split("/").pop()}.`);

export default defineConfig({
  defaultAgent: "writer",
  agents: {
    writer: {
      provider: new Scripted({
        reply: (prompt, { turn }) => `draft ${turn}: ${prompt.split("\n").pop()}`,
      }),
    },
    reviewer: {
      provider: new Scripted({
        reply: (prompt) => (prompt.includes("draft") ? "LGTM: the draft reads well." : `review: ${prompt}`),
      }),
    },
    // For workflows/parallel.ts: each edits files in its session's folder (ctx.cwd: its worktree under isolation).
    alice: { provider: new Scripted({ reply: (_prompt, { cwd }) => write(`${cwd}/greeting.txt`, "Hello from alice\n") }) },
    bob: {
      provider: new Scripted({
        reply: async (prompt, { cwd }) => {
          const into = /Merge (\S+) into your branch/.exec(prompt)?.[1];
          if (!into) return write(`${cwd}/greeting.txt`, "Hello from bob\n");
          // Asked to resolve a conflict: merge the target branch in, keep both greetings, commit.
          const git = (...args: string[]) => Bun.spawnSync(["git", "-c", "user.name=bob", "-c", "user.email=bob@example.invalid", ...args], { cwd });
          git("merge", "--no-edit", into);
          await write(`${cwd}/greeting.txt`, "Hello from alice\nHello from bob\n");
          git("add", "greeting.txt");
          const done = git("commit", "--no-edit");
          return done.exitCode === 0 ? `I merged ${into} and kept both greetings.` : `I could not commit: ${done.stderr.toString()}`;
        },
      }),
    },
  },
  queues: {
    review: { agent: "reviewer", maxParallel: 2, budgets: [{ usd: 5, window: "24h" }] },
  },
  workflows: ["workflows/"],
});
