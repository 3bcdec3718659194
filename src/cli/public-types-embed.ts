// The public type declarations as text. scripts/compile.ts generates dist/types/aegis.d.ts before compiling, so the
// binary embeds them; the npm package ships the file. Only public-types.ts imports this, knowing it may be absent.

// @ts-expect-error tsc has no text loader for a .d.ts (and in a fresh checkout the generated file does not exist yet)
import text from "../../dist/types/aegis.d.ts" with { type: "text" };

export const PUBLIC_TYPES: string = String(text);
