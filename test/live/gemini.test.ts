// Gemini CLI 0.61.0 (`--acp`) driven by the aegis ACP driver against the loopback mock LLM.
// Skips when .live/ lacks it (scripts/install-live-clis.sh installs it).

import { ageGeminiChats } from "./gemini-chats.ts";
import { defineLiveSuite } from "./live-suite.ts";

defineLiveSuite("gemini", {
  api: "gemini",
  // Gemini ignores retry-after-ms: a 500 costs 6.5 s even with maxAttempts 2, a 400 fails at once (measured).
  errorStatus: 400,
  // Its shell tool output goes to the model only; the tool_call_update content is empty.
  shellOutputInToolResult: false,
  testTimeoutMs: 30_000,
  // Within the minute a session was created, Gemini's session/load wipes and then misses it (gemini-chats.ts):
  // moving its chat files to an earlier minute stands in for resuming later, which is the normal case.
  beforeResume: (env) => ageGeminiChats(env.home),
});
