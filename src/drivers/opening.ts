// What a provider session is told once, before the user's first words in it: the session primer (StartOptions
// .systemPrompt: who the agent is in aegis, its persona) and, for a fresh session replacing one the provider could not
// resume, the earlier conversation (StartOptions.replay). Each driver delivers these its own way, but always as
// pieces of their own: never glued onto the user's text, which must reach the model exactly as written.
// Pure; it decides what to send, never how.

import type { StartOptions } from "./driver.ts";

/**
 * The texts to send before the user's first text, in order, each as a separate piece (a content block of its own).
 * `primerElsewhere`: the driver delivers the primer through the provider's own system prompt (Claude Code's
 * --append-system-prompt), so it is not repeated here. A resumed session already holds its primer. Blank texts are
 * left out: APIs refuse empty text blocks.
 */
export function openingTexts(opts: Pick<StartOptions, "systemPrompt" | "replay" | "resumeId">, o: { primerElsewhere: boolean }): string[] {
  const texts: string[] = [];
  if (!o.primerElsewhere && !opts.resumeId && opts.systemPrompt?.trim()) texts.push(opts.systemPrompt);
  if (opts.replay?.trim()) texts.push(opts.replay);
  return texts;
}
