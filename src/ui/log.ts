// The logger: consola, writing everything to stderr so stdout stays for results and NDJSON. Plain output when
// stderr is not a TTY or NO_COLOR is set. Created on first use, so importing this costs nothing.

import type { ConsolaInstance } from "consola";
import { createConsola } from "consola";

let instance: ConsolaInstance | undefined;

export function colorEnabled(stream: { isTTY?: boolean } = process.stderr): boolean {
  return Boolean(stream.isTTY) && !process.env.NO_COLOR && process.env.TERM !== "dumb";
}

const LEVELS: Record<string, number> = { silent: -999, error: 0, warn: 1, info: 3, debug: 4, trace: 5 };

export function logger(): ConsolaInstance {
  const options = {
    stdout: process.stderr,
    stderr: process.stderr,
    fancy: colorEnabled(),
    level: LEVELS[process.env.AEGIS_LOG_LEVEL ?? ""] ?? 3,
    formatOptions: { colors: colorEnabled(), date: false, compact: true },
  };
  // `fancy` is accepted by createConsola but missing from one of consola's type declaration files.
  instance ??= createConsola(options as Parameters<typeof createConsola>[0]);
  return instance;
}

/** Writes one line to stdout (results, not logs). */
export function out(text: string): void {
  process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
}
