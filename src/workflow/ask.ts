// How `engine.askHuman` gets its answer: an `--answer key=value` given up front, else a prompt on the terminal (when
// there is one), else whatever route the caller supplies (e.g. the MCP plane asking the agent that started the run),
// else a clear error naming the flag to pass (or the stop's reason, when the run was stopped while asking). It must
// not journal; the engine records the answer as a step.

import { AegisError } from "../util/errors.ts";
import { abortReason } from "./bash.ts";

export interface AskRequest {
  question: string;
  /** The name `--answer <key>=<value>` uses. */
  key: string;
  options?: string[];
}

/** A route to a human: resolves with the answer, or undefined when it cannot ask. */
export type AskRoute = (req: AskRequest, signal: AbortSignal) => Promise<string | undefined>;

/** The default key of a question: its words, lowercased and dashed (`Ship it now?` → `ship-it-now`). */
export function questionKey(question: string): string {
  const words = question.toLowerCase().match(/[a-z0-9]+/g) ?? [];
  return words.slice(0, 6).join("-") || "answer";
}

/** Checks an answer against the options: an option (any case) or its 1-based number. Undefined if it matches none. */
export function matchOption(options: readonly string[] | undefined, raw: string): string | undefined {
  const a = raw.trim();
  if (!options?.length) return a;
  const exact = options.find((o) => o.toLowerCase() === a.toLowerCase());
  if (exact !== undefined) return exact;
  const n = Number(a);
  return Number.isInteger(n) && n >= 1 && n <= options.length ? options[n - 1] : undefined;
}

/** Resolves an answer through the routes in order; throws E_USAGE naming `--answer` when none can answer. */
export async function resolveAnswer(req: AskRequest, answers: Record<string, string>, route: AskRoute | undefined, signal: AbortSignal): Promise<string> {
  const given = answers[req.key];
  if (given !== undefined) {
    const ok = matchOption(req.options, given);
    if (ok === undefined) {
      throw new AegisError("E_USAGE", `--answer ${req.key}=${given} is not one of: ${req.options!.join(", ")}`, { data: { key: req.key } });
    }
    return ok;
  }
  const answered = route ? await route(req, signal) : undefined;
  if (answered !== undefined) return answered;
  // A route that gave up because the run was stopped (Ctrl-C closes the prompt) did have a human: say why it stopped.
  if (signal.aborted) throw abortReason(signal);
  const choices = req.options?.length ? req.options.join("|") : "<value>";
  throw new AegisError("E_USAGE", `the workflow asks "${req.question}" and there is no terminal to ask on`, {
    data: { key: req.key, question: req.question, options: req.options },
    hint: `pass --answer ${req.key}=${choices} (to \`aegis run\` or \`aegis resume\`)`,
  });
}

/** Asks on the terminal (stderr for the prompt, stdin for the reply), repeating until the reply fits the options. */
export function askOnTerminal(opts: { input?: NodeJS.ReadableStream; output?: NodeJS.WritableStream } = {}): AskRoute {
  return async (req, signal) => {
    const input = opts.input ?? process.stdin;
    const output = opts.output ?? process.stderr;
    const { createInterface } = await import("node:readline"); // loaded only when a terminal is asked
    const rl = createInterface({ input, output, terminal: false });
    const lines = rl[Symbol.asyncIterator]();
    const onAbort = () => rl.close();
    signal.addEventListener("abort", onAbort, { once: true });
    if (signal.aborted) rl.close(); // stopped while readline was loading: the listener above will never fire
    try {
      const menu = req.options?.length ? `\n${req.options.map((o, i) => `  ${i + 1}) ${o}`).join("\n")}\n` : " ";
      for (;;) {
        output.write(`? ${req.question}${menu}> `);
        const next = await lines.next();
        if (next.done) return undefined; // stdin closed: this terminal cannot answer
        const ok = matchOption(req.options, String(next.value));
        if (ok !== undefined && ok !== "") return ok;
        output.write(req.options?.length ? `  please answer one of: ${req.options.join(", ")} (or its number)\n` : "  please type an answer\n");
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
      rl.close();
    }
  };
}
