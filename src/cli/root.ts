// The command tree and the one place that maps outcomes to exit codes: 0 ok, 1 failed, 2 usage or config error,
// 130 interrupted. Subcommands are imported lazily, one file each.

import { defineCommand, renderUsage, runCommand, type CommandDef } from "citty";
import { didYouMean } from "../config/validate.ts";
import { AegisError, UsageError, errorCode, formatError, isAegisError, isUsageLike } from "../util/errors.ts";
import { VERSION, versionText } from "../version.ts";
import { interrupt, interrupted } from "./context.ts";
import { checkArgs } from "./strict-args.ts";
import { writeOut, writeErr } from "../ui/log.ts";

type Lazy = () => Promise<CommandDef<any>>;
const lazy = (load: () => Promise<{ default: CommandDef<any> }>): Lazy => () => load().then((m) => m.default);

export const subCommands: Record<string, Lazy> = {
  init: lazy(() => import("./init.ts")),
  config: lazy(() => import("./config.ts")),
  doctor: lazy(() => import("./doctor.ts")),
  ask: lazy(() => import("./ask.ts")),
  run: lazy(() => import("./run.ts")),
  resume: lazy(() => import("./resume.ts")),
  runs: lazy(() => import("./runs.ts")),
  workflow: lazy(() => import("./workflow.ts")),
  mcp: lazy(() => import("./mcp.ts")),
  enqueue: lazy(() => import("./enqueue.ts")),
  tasks: lazy(() => import("./tasks.ts")),
  task: lazy(() => import("./task.ts")),
  cancel: lazy(() => import("./cancel.ts")),
  work: lazy(() => import("./work.ts")),
  logs: lazy(() => import("./logs.ts")),
};

export const rootCommand = defineCommand({
  meta: {
    name: "aegis",
    version: VERSION,
    description: "Drive Claude Code, Gemini CLI and OpenCode as a team, orchestrated by TypeScript workflows.",
  },
  subCommands,
});

export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

/** Global flags may come before the command (`aegis --cwd dir run x`): they are moved after it for citty. */
const GLOBAL_FLAGS_WITH_VALUE = new Set(["--cwd", "--config"]);

export function hoistGlobalFlags(argv: string[]): string[] {
  const leading: string[] = [];
  let i = 0;
  while (i < argv.length) {
    const a = argv[i]!;
    const name = a.split("=")[0]!;
    if (!GLOBAL_FLAGS_WITH_VALUE.has(name) && a !== "--json") break;
    if (a.includes("=") || a === "--json") {
      leading.push(a);
      i += 1;
    } else {
      leading.push(a, argv[i + 1] ?? "");
      i += 2;
    }
  }
  if (i === 0 || i >= argv.length) return argv;
  // Keep the command words (up to the first flag) in front, then the hoisted flags, then the rest.
  const rest = argv.slice(i);
  let words = 0;
  while (words < rest.length && !rest[words]!.startsWith("-")) words++;
  return [...rest.slice(0, words), ...leading, ...rest.slice(words)];
}

export async function runCli(rawArgv: string[]): Promise<number> {
  const argv = hoistGlobalFlags(rawArgv);
  const onSignal = (sig: string) => () => {
    if (interrupted.aborted) process.exit(EXIT.interrupted); // second Ctrl-C: leave now
    interrupt(`interrupted by ${sig}`);
  };
  process.on("SIGINT", onSignal("SIGINT"));
  process.on("SIGTERM", onSignal("SIGTERM"));
  try {
    if (argv.length === 0 || argv.includes("--help") || argv.includes("-h") || argv[0] === "help") {
      const target = argv[0] === "help" ? argv.slice(1) : argv;
      writeOut(`${await usageFor(target)}\n`);
      return EXIT.ok;
    }
    const version = versionText(rawArgv);
    if (version !== undefined) {
      writeOut(`${version}\n`);
      return EXIT.ok;
    }
    // The leaf command is resolved here (not by citty) so that its return value, an exit code, comes back to us.
    const { cmd, rest, path } = await resolveCommand(argv);
    await checkArgs(cmd, rest, path.join(" "));
    const result = (await runCommand(cmd, { rawArgs: rest })).result;
    if (interrupted.aborted) return EXIT.interrupted;
    return typeof result === "number" ? result : EXIT.ok;
  } catch (err) {
    return report(await explainSqlite(err));
  }
}

/** A damaged state database can surface from any query, not only at open: say so instead of printing SQLite's stack. */
async function explainSqlite(err: unknown): Promise<unknown> {
  if (!String((err as { code?: unknown })?.code ?? "").startsWith("SQLITE_")) return err;
  const { unusableStateError } = await import("../store/store.ts");
  return unusableStateError(err, process.env.AEGIS_STATE_DIR ? `${process.env.AEGIS_STATE_DIR}/state.db` : "the state database (.aegis/state.db)") ?? err;
}

/** Prints an error for a human (never a stack trace for the user's own mistakes) and picks the exit code. */
export function report(err: unknown): number {
  if (interrupted.aborted && (errorCode(err) === "E_CANCELLED" || !isAegisError(err))) {
    writeErr(`aegis: interrupted\n`);
    return EXIT.interrupted;
  }
  const citty = (err as { code?: string })?.code;
  if (citty === "E_UNKNOWN_COMMAND" || citty === "EARG" || citty === "E_NO_COMMAND") {
    writeErr(`aegis: ${stripAnsi((err as Error).message)}\n  run \`aegis --help\` for the list of commands\n`);
    return EXIT.usage;
  }
  if (errorCode(err) === "E_CANCELLED") {
    writeErr(`aegis: ${formatError(err)}\n`);
    return EXIT.interrupted;
  }
  const debug = Boolean(process.env.AEGIS_DEBUG);
  writeErr(`aegis: ${formatError(err, { stack: debug || !isAegisError(err) })}\n`);
  if (debug && err instanceof AegisError && err.stack) writeErr(`${err.stack}\n`);
  return isUsageLike(err) ? EXIT.usage : EXIT.failed;
}

/** Follows command words (`config validate`) down the tree; the rest of argv belongs to the leaf command. */
async function resolveCommand(argv: string[], forHelp = false): Promise<{ cmd: CommandDef<any>; parent?: CommandDef<any>; rest: string[]; path: string[] }> {
  let cmd: CommandDef<any> = rootCommand;
  const path: string[] = [];
  let parent: CommandDef<any> | undefined;
  let i = 0;
  for (; i < argv.length; i++) {
    const word = argv[i]!;
    const subs = typeof cmd.subCommands === "function" ? await cmd.subCommands() : await cmd.subCommands;
    if (!subs || Object.keys(subs).length === 0) break;
    if (word.startsWith("-")) continue;
    const next = subs[word];
    if (!next) throw new UsageError(`unknown command ${JSON.stringify(word)}${didYouMean(word, Object.keys(subs))}`, "run `aegis --help` for the list of commands");
    parent = cmd;
    path.push(word);
    cmd = typeof next === "function" ? await (next as () => Promise<CommandDef<any>>)() : await next;
  }
  const subs = typeof cmd.subCommands === "function" ? await cmd.subCommands() : await cmd.subCommands;
  if (!forHelp && subs && Object.keys(subs).length && !cmd.run) {
    throw new UsageError(`${parent ? "a subcommand" : "a command"} is required: ${Object.keys(subs).join(", ")}`, "add --help to see what each does");
  }
  return { cmd, ...(parent ? { parent } : {}), rest: argv.slice(i), path };
}

async function usageFor(argv: string[]): Promise<string> {
  const words = argv.filter((a) => !a.startsWith("-"));
  let found: { cmd: CommandDef<any>; parent?: CommandDef<any> } = { cmd: rootCommand };
  try {
    found = await resolveCommand(words, true);
  } catch {
    // An unknown word in a --help request: show the closest level we could resolve (the root).
  }
  return stripAnsiIfPlain(await renderUsage(found.cmd, found.parent));
}

function stripAnsi(s: string): string {
  return s.replace(/\x1b\[[0-9;]*m/g, "");
}

function stripAnsiIfPlain(s: string): string {
  return process.stdout.isTTY && !process.env.NO_COLOR ? s : stripAnsi(s);
}
