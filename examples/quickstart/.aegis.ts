// The quickstart project: two built-in Scripted agents, so everything runs with no account and no network.
// Swap a provider for `new ClaudeCode({ model: "opus" })`, `new GeminiCLI(...)` or `new OpenCode(...)` to use a real CLI.
import { defineConfig, Scripted } from "aegis";

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
  },
  queues: {
    review: { agent: "reviewer", maxParallel: 2, budgets: [{ usd: 5, window: "24h" }] },
  },
  workflows: ["workflows/"],
});
