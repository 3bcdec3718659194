// Gemini CLI's chat files, for live tests that resume a Gemini session. Gemini names a chat file
// `session-<YYYY-MM-DDTHH-MM>-<id8>.jsonl` by the current minute. session/load first starts a fresh recording for the
// id (appending `$set messages: [<session_context>]` to the file of that name), then looks the session up: within the
// minute it was created, that lands in the same file, wipes the history, and the load fails with "No previous
// sessions found for this project." (measured with 0.61.0). Moving the files to an earlier minute stands in for
// resuming later, which is the normal case. Test code only; it touches nothing outside the given home.

import { readdir, rename } from "node:fs/promises";
import { join } from "node:path";

/** Renames every chat file under `<home>/.gemini/tmp/<project>/chats` to minute 00:00 of its day. */
export async function ageGeminiChats(home: string): Promise<void> {
  const tmp = join(home, ".gemini", "tmp");
  for (const project of await readdir(tmp)) {
    const chats = join(tmp, project, "chats");
    const files = await readdir(chats).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return []; // not a project folder with chats
      throw err;
    });
    for (const f of files) await rename(join(chats, f), join(chats, f.replace(/T\d\d-\d\d-/, "T00-00-")));
  }
}
