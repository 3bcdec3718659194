// The `prompt` workflow of the built-in catalog: one agent, one message, its reply. The smallest durable run: the
// turn is journaled, so `aegis resume` of a run that crashed after the reply returns it without paying again.

import { workflow, z } from "../index.ts";
import { pickAgent } from "./common.ts";

export default workflow("prompt", async (engine, args) => {
  const agent = pickAgent(engine, args.agent, "agent");
  const handle = await engine.spawn(agent);
  return engine.send(handle, args.text);
}, {
  description: "Send one prompt to an agent and print its reply",
  args: z.object({
    text: z.string().min(1).describe("The prompt"),
    agent: z.string().optional().describe("The agent profile (default: the config's defaultAgent)"),
  }),
  usage: `Starts one session of the agent, sends the text as one turn and returns the agent's final message (printed on
stdout by aegis run). Like every run it is journaled: aegis runs lists it, aegis logs shows the transcript.`,
  plan: () => ({ agents: 1, turns: 1, exact: true }),
  examples: [
    'aegis run prompt --text "Summarise README.md in three bullets"',
    'aegis run prompt --agent reviewer --text "Is src/main.ts too long?"',
  ],
});
