// The user's words reach the model intact on every real CLI (#9): Claude Code, Gemini CLI, OpenCode and Codex CLI from .live/,
// driven by the aegis drivers against the loopback mock LLM, with a session primer (the MCP plane's who-you-are text
// plus a persona) and a replayed conversation. Read from the request each CLI really sent: the user's text is the
// last text part of the last user message, exactly as written, on the first turn and a later one; the primer and the
// replay each arrive once, whole, as pieces of their own (Claude, Codex: the primer in the system prompt). A resumed session
// is not primed again, and a first turn that fails with an API error loses neither (Gemini CLI forgets such a prompt;
// the driver sends them again).
// Skips cleanly, with the reason printed, when a CLI is not installed.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { DriverSession } from "../../src/drivers/driver.ts";
import { startAgent } from "../../src/drivers/registry.ts";
import { planePrompt } from "../../src/mcp/plane.ts";
import { renderReplay } from "../../src/session/replay.ts";
import { makeLiveEnv } from "./cli-env.ts";
import { ageGeminiChats } from "./gemini-chats.ts";
import { runTurn, type TurnResult } from "./live-helpers.ts";
import { type LiveCliName, skipLive } from "./live-install.ts";
import { type MockLlm, type RecordedRequest, startMockLlm } from "./mock-llm.ts";
import { messageTexts, partsContaining, systemText } from "./request-parts.ts";

/** Per CLI: the status its API error turn asks for (one it gives up on quickly) and a bound for one test. */
const CLIS: Record<LiveCliName, { errorStatus: number; timeoutMs: number }> = {
  claude: { errorStatus: 500, timeoutMs: 60_000 },
  gemini: { errorStatus: 400, timeoutMs: 60_000 },
  opencode: { errorStatus: 500, timeoutMs: 90_000 },
  // Codex retries a 5xx five times over ~6 s; a 400 fails at once.
  codex: { errorStatus: 400, timeoutMs: 60_000 },
};
/** CLIs that get the primer in their system prompt (Claude Code's --append-system-prompt, Codex's developer instructions). */
const primerInSystem = (cli: LiveCliName) => cli === "claude" || cli === "codex";

const PRIMER = `${planePrompt("alpha")}\n\nYou are a careful reviewer: prefer small diffs.`;
const PRIMER_MARK = "one session in an aegis team";
const REPLAY = renderReplay([{ user: "the parser drops tabs", assistant: "It is in src/lex.ts, line 40." }], 24_000)!.text;
const REPLAY_MARK = "the parser drops tabs";
// A first word a mention could be glued onto, punctuation, and text that is not the mock's directive vocabulary.
const FIRST = "Fix the bug in main.ts: “tabs” are dropped — keep them.";
const LATER = "and now the tests, please";

let mock: MockLlm;
beforeAll(() => {
  mock = startMockLlm();
});
afterAll(async () => {
  await mock?.stop();
});

/** Runs one turn; returns it with the first model request it caused (the one carrying the user's new text). */
async function turnWithRequest(session: DriverSession, text: string, timeoutMs: number): Promise<{ turn: TurnResult; req: RecordedRequest }> {
  const before = mock.requests.length;
  const turn = await runTurn(session, text, { timeoutMs });
  const req = mock.requests.slice(before).find((r) => r.kind === "model");
  if (!req) throw new Error(`the turn "${text}" sent no model request; stderr:\n${session.stderrTail()}`);
  return { turn, req };
}

/** The user's text is the last part of the last user message, unchanged, and no other part holds it. */
function expectUserText(req: RecordedRequest, text: string): void {
  const lastUser = messageTexts(req).filter((m) => m.role === "user").at(-1);
  expect(lastUser?.texts.at(-1)).toBe(text);
  expect(partsContaining(req, text, "user")).toEqual([text]);
}

/** Primer and replay each once, whole, as parts of their own, before the first user text (Claude: primer in system). */
function expectOpening(cli: LiveCliName, req: RecordedRequest): void {
  if (primerInSystem(cli)) {
    expect(systemText(req)).toContain(PRIMER);
    expect(partsContaining(req, PRIMER_MARK)).toEqual([]);
  } else {
    expect(partsContaining(req, PRIMER_MARK)).toEqual([PRIMER]);
  }
  expect(partsContaining(req, REPLAY_MARK)).toEqual([REPLAY]);
  // The first user message of the conversation (Codex puts an <environment_context> message of its own before it).
  const opening = messageTexts(req).find((m) => m.role === "user" && !m.texts.every((t) => t.startsWith("<environment_context>")))!.texts;
  const at = (t: string) => opening.indexOf(t);
  expect(at(REPLAY)).toBeGreaterThanOrEqual(0);
  if (!primerInSystem(cli)) expect(at(PRIMER)).toBeLessThan(at(REPLAY));
  expect(at(REPLAY)).toBeLessThan(opening.length - 1); // something follows: the first turn's own text
}

for (const cli of ["claude", "gemini", "opencode", "codex"] as const) {
  const { errorStatus, timeoutMs } = CLIS[cli];
  const turnMs = Math.round(timeoutMs / 3);

  describe.skipIf(skipLive(cli))(`live ${cli}: the user's words reach the model intact (#9)`, () => {
    test("first and later turn: the exact user text; primer and replay once, each a piece of its own", async () => {
      await using env = await makeLiveEnv(cli, mock);
      const session = await startAgent(env.provider, { cwd: env.workDir, handle: "alpha", systemPrompt: PRIMER, replay: REPLAY });
      try {
        const first = await turnWithRequest(session, FIRST, turnMs);
        expect(first.turn.text).toBe(`ECHO: ${FIRST}`);
        expectUserText(first.req, FIRST);
        expectOpening(cli, first.req);

        const later = await turnWithRequest(session, LATER, turnMs);
        expect(later.turn.text).toBe(`ECHO: ${LATER}`);
        expectUserText(later.req, LATER);
        // The earlier turn and the opening stay in the conversation, still once each.
        expect(partsContaining(later.req, FIRST, "user")).toEqual([FIRST]);
        expectOpening(cli, later.req);
      } finally {
        await session.close();
      }
    }, timeoutMs);

    test("a resumed session: the exact user text, and the primer still once (from its history, or Claude's system prompt)", async () => {
      await using env = await makeLiveEnv(cli, mock);
      const start = { cwd: env.workDir, handle: "alpha", systemPrompt: PRIMER };
      const first = await startAgent(env.provider, start);
      let id: string | undefined;
      try {
        expect((await runTurn(first, FIRST, { timeoutMs: turnMs })).text).toBe(`ECHO: ${FIRST}`);
        id = first.providerSessionId;
      } finally {
        await first.close();
      }
      if (cli === "gemini") await ageGeminiChats(env.home);
      const second = await startAgent(env.provider, { ...start, resumeId: id });
      try {
        const { turn, req } = await turnWithRequest(second, LATER, turnMs);
        expect(turn.text).toBe(`ECHO: ${LATER}`);
        expectUserText(req, LATER);
        expect(partsContaining(req, FIRST, "user")).toEqual([FIRST]);
        if (primerInSystem(cli)) expect(systemText(req)).toContain(PRIMER);
        expect(partsContaining(req, PRIMER_MARK)).toEqual(primerInSystem(cli) ? [] : [PRIMER]);
      } finally {
        await second.close();
      }
    }, timeoutMs);

    test("a first turn failing with an API error loses neither the primer nor the replay, nor repeats them", async () => {
      await using env = await makeLiveEnv(cli, mock);
      const session = await startAgent(env.provider, { cwd: env.workDir, handle: "alpha", systemPrompt: PRIMER, replay: REPLAY });
      try {
        const failed = await runTurn(session, `MOCK_ERROR: ${errorStatus}`, { timeoutMs: turnMs });
        expect(failed.end.isError).toBe(true);
        const next = await turnWithRequest(session, LATER, turnMs);
        expect(next.turn.text).toBe(`ECHO: ${LATER}`);
        expectUserText(next.req, LATER);
        expectOpening(cli, next.req);
      } finally {
        await session.close();
      }
    }, timeoutMs);
  });
}
