// OpenCode 1.18.33 (`opencode acp`) driven by the aegis ACP driver against the loopback mock LLM.
// Skips when .live/ lacks it (scripts/install-live-clis.sh installs it).

import { defineLiveSuite } from "./live-suite.ts";

defineLiveSuite("opencode", {
  api: "openai",
  // OpenCode honours the mock's retry-after-ms: 100, so a 500 fails after its retries in about a second.
  errorStatus: 500,
  shellOutputInToolResult: true,
  // Its start is the slowest (initialize + session/new ≈ 2 s here, more on a cold cache).
  testTimeoutMs: 45_000,
});
