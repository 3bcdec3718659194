// The terminal screen of `aegis ui` and `aegis chat`: refuses to start without a terminal, imports OpenTUI lazily (no
// other command pays for it), creates the renderer and restores the terminal on every way out: `quit()`, Ctrl-C,
// SIGINT/SIGTERM (through cli/context.ts's `interrupted`), SIGHUP (the SSH connection or terminal went away), and a
// crash (an uncaught exception or rejection: terminal first, then the error on stderr). It knows no aegis data.

import type { CliRenderer, KeyEvent } from "@opentui/core";
import { interrupted } from "../cli/context.ts";
import { writeErr } from "../ui/log.ts";
import { AegisError, formatError } from "../util/errors.ts";
import { colorsAllowed, defaultColorsPass, terminalForegroundPass } from "./theme.ts";

export type OpenTui = typeof import("@opentui/core");

/** How long quitting waits for the terminal to take the restoring writes. */
const CLOSE_WAIT_MS = 1500;

export interface Screen {
  /** The OpenTUI module, imported on open: build renderables with it. */
  readonly core: OpenTui;
  readonly renderer: CliRenderer;
  /** Resolves with the exit code once the terminal is restored. */
  readonly done: Promise<number>;
  /** Restores the terminal, then resolves `done` with `code` (default 0). Idempotent: the first code stands. */
  quit(code?: number): void;
  /** Keys, after the screen's own (Ctrl-C). */
  onKey(fn: (key: KeyEvent) => void): () => void;
}

export interface ScreenOptions {
  /** The command, for the no-terminal message (`aegis ui`). */
  command: string;
  targetFps?: number;
  /** Ctrl-C does this instead of quitting (chat: interrupt the turn first). */
  onCtrlC?: () => void;
}

/** Throws E_USAGE unless stdin and stdout are terminals: the UI would write escape sequences into a file or pipe. */
export function requireTerminal(
  command: string,
  io: { stdin: { isTTY?: boolean }; stdout: { isTTY?: boolean } } = process,
  env: Record<string, string | undefined> = process.env,
): void {
  const hint = "to follow a project without a terminal use `aegis runs`, `aegis tasks` and `aegis logs <handle|run> --follow`";
  if (!io.stdin.isTTY || !io.stdout.isTTY) {
    throw new AegisError("E_USAGE", `${command} needs a terminal, and its ${!io.stdout.isTTY ? "stdout" : "stdin"} is not one`, { hint });
  }
  // A dumb terminal (Emacs shell, some CI consoles) would print the drawing sequences as text.
  if (env.TERM === "dumb") throw new AegisError("E_USAGE", `${command} needs a terminal that draws (TERM=dumb does not)`, { hint });
}

export async function openScreen(opts: ScreenOptions): Promise<Screen> {
  requireTerminal(opts.command);
  let core: OpenTui;
  let renderer: CliRenderer;
  try {
    core = await import("@opentui/core");
    // OpenTUI writes an explicit white where no colour is given. NO_COLOR: the terminal's own colours on every cell;
    // else its own foreground where OpenTUI would write that white. From the first frame on.
    const { RGBA } = core;
    const pass = colorsAllowed()
      ? terminalForegroundPass(RGBA.fromInts(255, 255, 255, 255).buffer, RGBA.defaultForeground().buffer)
      : defaultColorsPass(RGBA.defaultForeground().buffer, RGBA.defaultBackground().buffer);
    renderer = await core.createCliRenderer({
      postProcessFns: [(buffer) => pass(buffer.buffers)],
      // The exits are ours: OpenTUI's own signal handler restores the terminal but leaves the process running.
      exitOnCtrlC: false,
      exitSignals: [],
      targetFps: opts.targetFps ?? 30,
      useMouse: false,
      openConsoleOnError: false,
    });
  } catch (err) {
    throw nativeLoadError(err, opts.command) ?? err;
  }
  let settle!: (code: number) => void;
  const done = new Promise<number>((resolve) => (settle = resolve));
  let quitting = false;
  const cleanups: (() => void)[] = [];
  const quit = (code = 0, after?: () => void): void => {
    if (quitting) return;
    quitting = true;
    for (const c of cleanups.splice(0)) c();
    try {
      renderer.destroy();
    } catch (err) {
      writeErr(`aegis: restoring the terminal failed: ${formatError(err)}\n`);
    }
    let finished = false;
    const finish = (err?: unknown) => {
      if (finished) return;
      finished = true;
      clearTimeout(deadline);
      // The terminal is gone after a hang-up: nothing left to tell it.
      if (err !== undefined && code !== 129) writeErr(`aegis: restoring the terminal failed: ${formatError(err)}\n`);
      after?.();
      settle(code);
    };
    // A terminal that went away (SSH dropped, tmux killed) may never take the restoring writes: do not wait forever.
    const deadline = setTimeout(() => finish(), CLOSE_WAIT_MS);
    void renderer.closed.then(() => finish(), (err: unknown) => finish(err ?? new Error("unknown")));
  };
  const listen = (target: NodeJS.EventEmitter | AbortSignal, event: string, fn: (...a: any[]) => void) => {
    if (target instanceof AbortSignal) {
      target.addEventListener(event, fn, { once: true });
      cleanups.push(() => target.removeEventListener(event, fn));
    } else {
      target.on(event, fn);
      cleanups.push(() => target.off(event, fn));
    }
  };
  if (interrupted.aborted) quit(130);
  listen(interrupted, "abort", () => quit(130));
  listen(process, "SIGHUP", () => quit(129));
  const crash = (err: unknown) => quit(1, () => writeErr(`aegis: ${opts.command} crashed: ${formatError(err, { stack: true })}\n`));
  listen(process, "uncaughtException", crash);
  listen(process, "unhandledRejection", crash);
  // A process.exit() elsewhere: the native side restores the terminal at exit (nativeProcessExitHandler) as well.
  const keyFns = new Set<(key: KeyEvent) => void>();
  // For the end-to-end tests of the crash path: this key throws from a timer, as a bug in a handler would.
  const crashKey = process.env.AEGIS_TUI_CRASH_KEY;
  const onKeypress = (key: KeyEvent) => {
    if (crashKey && key.sequence === crashKey) {
      setTimeout(() => {
        throw new Error(`crash on purpose (AEGIS_TUI_CRASH_KEY=${crashKey})`);
      });
      return;
    }
    if (key.ctrl && key.name === "c") {
      if (opts.onCtrlC) opts.onCtrlC();
      else quit(0);
      return;
    }
    for (const fn of keyFns) {
      try {
        fn(key);
      } catch (err) {
        crash(err);
      }
    }
  };
  renderer.keyInput.on("keypress", onKeypress);
  cleanups.push(() => renderer.keyInput.off("keypress", onKeypress));
  return {
    core, renderer, done,
    quit: (code) => quit(code ?? 0),
    onKey(fn) {
      keyFns.add(fn);
      return () => keyFns.delete(fn);
    },
  };
}

/**
 * The AegisError for OpenTUI's native library failing to load (reference/opentui.md): the binary extracts it to
 * $TMPDIR and dlopens it there, which fails when TMPDIR is missing, read-only or mounted noexec; a build for a
 * platform whose library package was not installed has none at all. Undefined for any other error.
 */
export function nativeLoadError(err: unknown, command: string): AegisError | undefined {
  const text = String((err as Error)?.message ?? err);
  const platform = `${process.platform === "win32" ? "win32" : process.platform}-${process.arch}`;
  if (/Cannot find (package|module) '@opentui\/core-|not supported on the current platform/.test(text)) {
    return new AegisError("E_STATE", `${command} cannot start: this aegis build has no terminal UI library for ${platform} (${firstLine(text)})`, {
      cause: err,
      hint: `put libopentui.so for this platform at <dir>/@opentui/core-${platform}/libopentui.so and set OTUI_ASSET_ROOT=<dir>; ` +
        "meanwhile `aegis runs`, `aegis tasks` and `aegis logs` show the same data",
    });
  }
  if (/render library|Failed to open library|failed to map segment|dlopen/i.test(text)) {
    return new AegisError("E_STATE", `${command} cannot load its terminal UI library (${firstLine(text)})`, {
      cause: err,
      hint: "the library is unpacked into $TMPDIR and loaded from there: point TMPDIR at a writable folder that is not " +
        "mounted noexec, or set OTUI_ASSET_ROOT=<dir> holding @opentui/core-<os>-<arch>/libopentui.so",
    });
  }
  return undefined;
}

function firstLine(text: string): string {
  const l = text.split("\n", 1)[0] ?? "";
  return l.length > 200 ? `${l.slice(0, 197)}...` : l;
}
