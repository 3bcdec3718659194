// Claude Code 2.1.197 (stream-json) driven by the aegis claude driver against the loopback mock LLM.
// Skips when .live/ lacks it (scripts/install-live-clis.sh installs it).

import { defineLiveSuite } from "./live-suite.ts";

defineLiveSuite("claude", {
  api: "anthropic",
  // With CLAUDE_CODE_MAX_RETRIES=1 a 500 fails after one retry (~0.6 s), exercising the retry path too.
  errorStatus: 500,
  shellOutputInToolResult: true,
  testTimeoutMs: 30_000,
});
