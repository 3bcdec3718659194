// The command tree and the one place that maps outcomes to exit codes: 0 ok, 1 failed, 2 usage or config error,
// 130 interrupted. Subcommands are imported lazily, one file each. citty holds the tree and each command's `args`
// declaration and renders --help from it; the command line is parsed once, by cli/parse.ts, from that declaration.

import { defineCommand, renderUsage, type ArgsDef, type CommandDef } from "citty";
import { didYouMean } from "../config/validate.ts";
import { AegisError, UsageError, errorCode, formatError, isAegisError, isUsageLike } from "../util/errors.ts";
import { VERSION, versionText } from "../version.ts";
import { interrupt, interrupted } from "./context.ts";
import { hoistGlobalFlags, parseCommandLine } from "./parse.ts";
import { writeOut, writeErr } from "../ui/log.ts";
import { ignoreError } from "../util/log-ignored.ts";

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
  workers: lazy(() => import("./workers.ts")),
  cancel: lazy(() => import("./cancel.ts")),
  work: lazy(() => import("./work.ts")),
  logs: lazy(() => import("./logs.ts")),
  merge: lazy(() => import("./merge.ts")),
  worktrees: lazy(() => import("./worktrees.ts")),
  claims: lazy(() => import("./claims.ts")),
  signal: lazy(() => import("./signal.ts")),
  answer: lazy(() => import("./answer.ts")),
  schedules: lazy(() => import("./schedules.ts")),
  serve: lazy(() => import("./serve.ts")),
  chat: lazy(() => import("./chat.ts")),
  ui: lazy(() => import("./ui.ts")),
  migrate: lazy(() => import("./migrate.ts")),
};

export const rootCommand = defineCommand({
  meta: {
    name: "aegis",
    version: VERSION,
    description: "Drive Claude Code, Gemini CLI, OpenCode, Codex CLI and any ACP agent as a team, orchestrated by TypeScript workflows.",
  },
  subCommands,
});

export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

/** Commands for which SIGTERM / Ctrl-C is the normal way to end: their own exit code stands (aegis serve exits 0). */
const STOPPED_BY_SIGNAL = new Set(["serve"]);

/** Commands whose undeclared `--key=value` options are data (a workflow's arguments), not mistakes. */
const PASSTHROUGH = new Set(["run", "workflow plan"]);


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
      // `aegis run <workflow> --help` adds the workflow's own arguments, read from its schema.
      const extra = target[0] === "run" && target.slice(1).some((a) => !a.startsWith("-")) ? await (await import("./run.ts")).workflowUsage(target.slice(1)) : "";
      writeOut(`${await usageFor(target)}\n${extra}`);
      return EXIT.ok;
    }
    const version = versionText(rawArgv);
    if (version !== undefined) {
      writeOut(`${version}\n`);
      return EXIT.ok;
    }
    // The leaf command is resolved here (not by citty) so that its return value, an exit code, comes back to us.
    const { cmd, rest, path } = await resolveCommand(argv);
    // Parsed once, here, against the command's declaration (the one --help shows); citty does not parse again.
    const defs = ((typeof cmd.args === "function" ? await cmd.args() : await cmd.args) ?? {}) as ArgsDef;
    const parsed = parseCommandLine(defs, rest, path.join(" "), { passthrough: PASSTHROUGH.has(path.join(" ")) });
    const args = { _: parsed.positionals, ...parsed.args, ...(PASSTHROUGH.has(path.join(" ")) ? { extra: parsed.extra } : {}) };
    const result = await cmd.run?.({ rawArgs: rest, args: args as never, cmd });
    if (interrupted.aborted && !(STOPPED_BY_SIGNAL.has(path.join(" ")) && typeof result === "number")) return EXIT.interrupted;
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
    // A command that runs on its own (`aegis worktrees --json`) owns the flags after it; others look past them.
    if (word.startsWith("-")) {
      if (cmd.run) break;
      continue;
    }
    const next = subs[word];
    if (!next) {
      const where = ["aegis", ...path].join(" "); // `aegis worktrees bogus` points at `aegis worktrees --help`
      const what = path.length ? `subcommand of \`${where}\`` : "command";
      throw new UsageError(`unknown ${what} ${JSON.stringify(word)}${didYouMean(word, Object.keys(subs))}`, `run \`${where} --help\` for the list of ${path.length ? "subcommands" : "commands"}`);
    }
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
  } catch (err) {
    // An unknown word in a --help request: show the closest level we could resolve (the root).
    ignoreError("resolving the command for --help", err);
  }
  return stripAnsiIfPlain(await renderUsage(found.cmd, found.parent));
}

function stripAnsi(s: string): string {
  // oxlint-disable-next-line no-control-regex -- ESC is what starts an ANSI colour sequence
  return s.replace(/\x1b\[[0-9;]*m/g, "");
}

function stripAnsiIfPlain(s: string): string {
  return process.stdout.isTTY && !process.env.NO_COLOR ? s : stripAnsi(s);
}
