// The logger: consola, writing everything to stderr so stdout stays for results and NDJSON. Plain output when
// stderr is not a TTY or NO_COLOR is set. Created on first use, so importing this costs nothing.

import { writeSync } from "node:fs";
import type { ConsolaInstance } from "consola";

let instance: ConsolaInstance | undefined;

export function colorEnabled(stream: { isTTY?: boolean } = process.stderr): boolean {
  return Boolean(stream.isTTY) && !process.env.NO_COLOR && process.env.TERM !== "dumb";
}

const LEVELS: Record<string, number> = { silent: -999, error: 0, warn: 1, info: 3, debug: 4, trace: 5 };

export function logger(): ConsolaInstance {
  if (instance) return instance;
  const options = {
    stdout: process.stderr,
    stderr: process.stderr,
    fancy: colorEnabled(),
    level: LEVELS[process.env.AEGIS_LOG_LEVEL ?? ""] ?? 3,
    formatOptions: { colors: colorEnabled(), date: false, compact: true },
  };
  // Loaded on first use: consola's module set-up (Intl.Segmenter, node:util) costs several ms of every start-up.
  const { createConsola } = require("consola") as typeof import("consola");
  // `fancy` is accepted by createConsola but missing from one of consola's type declaration files.
  instance = createConsola(options as Parameters<typeof createConsola>[0]);
  return instance;
}

/** Writes one line to stdout (results, not logs). */
export function out(text: string): void {
  writeOut(text.endsWith("\n") ? text : `${text}\n`);
}

/**
 * Raw writes to stdout and stderr, straight to the file descriptor. Touching process.stdout creates a node stream,
 * which costs about 15 ms of start-up; these writes are also immediate, so stdout and stderr keep their order.
 */
export function writeOut(text: string): void {
  writeFd(1, text);
}

export function writeErr(text: string): void {
  writeFd(2, text);
}

function writeFd(fd: 1 | 2, text: string): void {
  let buf = Buffer.from(text);
  try {
    while (buf.length > 0) buf = buf.subarray(writeSync(fd, buf));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EPIPE") return; // the reader went away (`aegis runs | head`): nothing left to tell it
    if (code !== "EAGAIN") throw err;
    (fd === 1 ? process.stdout : process.stderr).write(buf); // a full non-blocking pipe: let the stream queue the rest
  }
}
