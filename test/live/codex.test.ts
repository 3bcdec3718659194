// Codex CLI 0.169.0 (`codex app-server`) driven by the aegis Codex driver against the loopback mock LLM's Responses
// API: the shared live suite (text, memory, shell, MCP, interrupt, API error, close; read-only refused a write, full
// allowed it and addressed only 127.0.0.1 under strace; resume from a new process).
// Skips when .live/ lacks it (scripts/install-live-clis.sh installs it).

import { defineLiveSuite } from "./live-suite.ts";

defineLiveSuite("codex", {
  api: "responses",
  // Codex retries a 5xx five times (~6 s); a 400 fails the turn at once with the body as its message.
  errorStatus: 400,
  shellOutputInToolResult: true,
  // initialize answers 0.3–0.7 s after spawn here; the catalog is read from the binary first.
  testTimeoutMs: 45_000,
});
