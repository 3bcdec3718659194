// Asks a person to allow or refuse a tool call, for agents whose permission is `auto`. Only used on a TTY; without
// one the drivers refuse such requests, so CI never blocks on a question nobody can answer.

import { createInterface } from "node:readline/promises";
import type { PermissionRequest } from "../drivers/driver.ts";

let chain: Promise<unknown> = Promise.resolve();

/** A permission asker for a TTY, or undefined when stdin/stderr are not terminals. Questions are asked one at a time. */
export function ttyPermissionPrompt(): ((req: PermissionRequest) => Promise<boolean>) | undefined {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return undefined;
  return (req) => {
    const next = chain.then(async () => {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        const answer = await rl.question(`\nallow ${req.kind} tool ${req.toolName}: ${req.title}? [y/N] `);
        return /^y(es)?$/i.test(answer.trim());
      } finally {
        rl.close();
      }
    });
    chain = next.catch(() => false);
    return next;
  };
}
