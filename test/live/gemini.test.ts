// Gemini CLI 0.61.0 (`--acp`) driven by the aegis ACP driver against the loopback mock LLM.
// Skips when .live/ lacks it (scripts/install-live-clis.sh installs it).

import { readdir, rename } from "node:fs/promises";
import { join } from "node:path";
import { defineLiveSuite } from "./live-suite.ts";

defineLiveSuite("gemini", {
  api: "gemini",
  // Gemini ignores retry-after-ms: a 500 costs 6.5 s even with maxAttempts 2, a 400 fails at once (measured).
  errorStatus: 400,
  // Its shell tool output goes to the model only; the tool_call_update content is empty.
  shellOutputInToolResult: false,
  testTimeoutMs: 30_000,
  // Gemini names a chat file `session-<YYYY-MM-DDTHH-MM>-<id8>.jsonl` by the current minute. session/load first starts
  // a fresh recording for the id (appending `$set messages: [<session_context>]` to the file of that name), then looks
  // the session up: within the minute it was created, that lands in the same file, wipes the history, and the load
  // fails with "No previous sessions found for this project." (measured with 0.61.0). Moving the files to an earlier
  // minute stands in for resuming later, which is the normal case.
  beforeResume: async (env) => {
    const tmp = join(env.home, ".gemini", "tmp");
    for (const project of await readdir(tmp)) {
      const chats = join(tmp, project, "chats");
      const files = await readdir(chats).catch((err: NodeJS.ErrnoException) => {
        if (err.code === "ENOENT") return []; // not a project folder with chats
        throw err;
      });
      for (const f of files) await rename(join(chats, f), join(chats, f.replace(/T\d\d-\d\d-/, "T00-00-")));
    }
  },
});
