// The only place in aegis that calls Bun.spawn. A child runs in its own session/process group with the aegis
// process's environment (internal variables removed, see env.ts) and a unique AEGIS_PROC_TAG; its stdout is framed
// into lines, its stderr kept as a bounded tail; and `stop()` runs the shutdown ladder (stdin EOF → SIGINT → SIGTERM →
// SIGKILL to the group → tag sweep) so that nothing it started outlives it. Protocols (stream-json, ACP) live in the
// drivers, never here.

import { existsSync } from "node:fs";
import { AegisError, errorMessage } from "../util/errors.ts";
import { buildChildEnv, type InheritEnv, TAG_VAR } from "./env.ts";
import { DEFAULT_MAX_LINE_BYTES, readLines } from "./line-framer.ts";
import { registerChild, unregisterChild } from "./registry.ts";
import { signalGroup, sweepTag } from "./sweep.ts";
import { DEFAULT_STDERR_TAIL_BYTES, TailBuffer } from "./tail-buffer.ts";

export interface SpawnOptions {
  cmd: string[];
  cwd: string;
  /** Explicit variables, added on top of the inherited environment (see env.ts). */
  env?: Record<string, string>;
  /** Which of the aegis process's variables the child inherits: "all" (default) or a list of names and globs. */
  inheritEnv?: InheritEnv;
  /** Aborting stops the process tree. */
  signal?: AbortSignal;
  /** Whole-process timeout: when it fires, the process tree is stopped. */
  timeoutMs?: number;
  /** Default 64 MiB; longer stdout lines are dropped, noted in the stderr tail and reported to `onOversize`. */
  maxLineBytes?: number;
  /** Default 64 KiB. */
  stderrTailBytes?: number;
  /** Called with the size of every dropped stdout line. */
  onOversize?: (bytes: number) => void;
  /** Defaults for `stop()`, also used when the signal or the timeout stops the process. */
  ladder?: StopOptions;
}

export interface ExitStatus {
  code: number | null;
  signal: string | null;
}

export interface StopOptions {
  /** How long each rung of the ladder waits for the process to exit. Default 2000 ms. */
  graceMs?: number;
  /** Send SIGINT to the group before SIGTERM (Claude Code cleans up its tool shells on SIGINT). */
  sigint?: boolean;
}

export interface ChildProcess {
  readonly pid: number;
  /** The unique value of AEGIS_PROC_TAG in the child's environment (inherited by everything it starts). */
  readonly tag: string;
  /** True once the whole-process timeout fired. */
  readonly timedOut: boolean;
  /** Stdout as lines ("\n" or "\r\n"; empty lines skipped). Single consumer. Ends at EOF, or shortly after the
   * process exits even if a leftover grandchild still holds the pipe open. */
  lines(): AsyncIterable<string>;
  /** Writes to stdin and flushes. A no-op after the process exited or stdin was ended. */
  write(data: string): void;
  endStdin(): void;
  stderrTail(): string;
  readonly exited: Promise<ExitStatus>;
  /** The shutdown ladder. Idempotent: every call returns the same promise. Never rejects. */
  stop(opts?: StopOptions): Promise<void>;
}

export const DEFAULT_GRACE_MS = 2000;
/** After the process exits, its pipes get this long without new data before the readers give up on EOF. */
const DRAIN_AFTER_EXIT_MS = 500;

/** Starts a child process. Throws AegisError E_AGENT_MISSING if the executable cannot be started. */
export function spawnProcess(opts: SpawnOptions): ChildProcess {
  return new Child(opts);
}

function newTag(): string {
  const own = Buffer.from(crypto.getRandomValues(new Uint8Array(9))).toString("hex");
  // Nest under our own tag, if aegis itself runs under one, so an outer sweep also reaches our children.
  const parent = process.env[TAG_VAR];
  return parent ? `${parent}/${own}` : own;
}

class Child implements ChildProcess {
  readonly pid: number;
  readonly tag: string;
  readonly exited: Promise<ExitStatus>;
  timedOut = false;
  private readonly proc: Bun.Subprocess<"pipe", "pipe", "pipe">;
  private readonly tail: TailBuffer;
  private readonly drain = new AbortController();
  private drainTimer?: ReturnType<typeof setTimeout>;
  private timeoutTimer?: ReturnType<typeof setTimeout>;
  private hasExited = false;
  private stdinOpen = true;
  private consumed = false;
  private stopping?: Promise<void>;
  private readonly onAbort = () => void this.stop();

  constructor(private readonly opts: SpawnOptions) {
    const argv0 = opts.cmd[0];
    if (!argv0) throw new AegisError("E_USAGE", "spawnProcess needs a command");
    if (!existsSync(opts.cwd)) {
      throw new AegisError("E_NOT_FOUND", `working directory does not exist: ${opts.cwd}`, { data: { cwd: opts.cwd } });
    }
    this.tag = newTag();
    this.tail = new TailBuffer(opts.stderrTailBytes ?? DEFAULT_STDERR_TAIL_BYTES);
    const env = buildChildEnv(opts.env, opts.inheritEnv);
    env[TAG_VAR] = this.tag;
    try {
      this.proc = Bun.spawn(opts.cmd, {
        cwd: opts.cwd, env, stdin: "pipe", stdout: "pipe", stderr: "pipe", detached: true,
      });
    } catch (err) {
      const code = (err as { code?: string }).code;
      throw new AegisError("E_AGENT_MISSING", `cannot start ${argv0}: ${code ?? errorMessage(err)}`, {
        // Only the executable: the rest of the argv may hold a secret (an MCP bearer token in --mcp-config).
        data: { bin: argv0, errno: code }, cause: err,
      });
    }
    this.pid = this.proc.pid;
    registerChild(this);
    void this.pumpStderr();
    this.exited = this.proc.exited.then(() => this.onExit());
    if (opts.timeoutMs !== undefined && opts.timeoutMs > 0) {
      this.timeoutTimer = setTimeout(() => {
        this.timedOut = true;
        void this.stop();
      }, opts.timeoutMs);
    }
    if (opts.signal?.aborted) void this.stop();
    else opts.signal?.addEventListener("abort", this.onAbort, { once: true });
  }

  lines(): AsyncIterable<string> {
    if (this.consumed) throw new AegisError("E_INTERNAL", "ChildProcess.lines() has a single consumer");
    this.consumed = true;
    return readLines(this.proc.stdout, {
      maxLineBytes: this.opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
      onOversize: (bytes) => {
        this.tail.note(`dropped a stdout line of ${bytes} bytes (limit ${this.opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES})`);
        this.opts.onOversize?.(bytes);
      },
      onChunk: () => this.armDrain(),
      signal: this.drain.signal,
    });
  }

  write(data: string): void {
    if (!this.stdinOpen || this.hasExited) return;
    try {
      const written = this.proc.stdin.write(data);
      if (written instanceof Promise) written.catch((err: unknown) => this.stdinFailed(err));
      const flushed = this.proc.stdin.flush();
      if (flushed instanceof Promise) flushed.catch((err: unknown) => this.stdinFailed(err));
    } catch (err) {
      this.stdinFailed(err);
    }
  }

  endStdin(): void {
    if (!this.stdinOpen) return;
    this.stdinOpen = false;
    try {
      const ended = this.proc.stdin.end();
      if (ended instanceof Promise) ended.catch((err: unknown) => this.stdinFailed(err));
    } catch (err) {
      this.stdinFailed(err);
    }
  }

  stderrTail(): string {
    return this.tail.text();
  }

  stop(opts: StopOptions = {}): Promise<void> {
    this.stopping ??= this.runLadder({ ...this.opts.ladder, ...opts });
    return this.stopping;
  }

  private async runLadder(opts: StopOptions): Promise<void> {
    const grace = opts.graceMs ?? DEFAULT_GRACE_MS;
    this.endStdin();
    let gone = await this.waitExit(grace);
    if (!gone && opts.sigint) {
      signalGroup(this.pid, "SIGINT");
      gone = await this.waitExit(grace);
    }
    if (!gone) {
      signalGroup(this.pid, "SIGTERM");
      gone = await this.waitExit(grace);
    }
    // Whether the leader left on its own or not, whatever remains of its group and its tag is an orphan now.
    signalGroup(this.pid, "SIGKILL");
    await sweepTag(this.tag);
    if (!(await this.waitExit(5000))) this.tail.note(`process ${this.pid} did not exit after SIGKILL`);
    this.opts.signal?.removeEventListener("abort", this.onAbort);
    unregisterChild(this);
  }

  /** Resolves true once the process has exited, false after `ms`. */
  private waitExit(ms: number): Promise<boolean> {
    if (this.hasExited) return Promise.resolve(true);
    if (ms <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), ms);
      void this.exited.then(() => {
        clearTimeout(t);
        resolve(true);
      });
    });
  }

  private onExit(): ExitStatus {
    this.hasExited = true;
    this.stdinOpen = false;
    clearTimeout(this.timeoutTimer);
    this.armDrain();
    const signal = this.proc.signalCode;
    return { code: this.proc.exitCode, signal: signal === null || signal === undefined ? null : String(signal) };
  }

  /** After exit, give the pipes a short window without data, then stop waiting for an EOF that may never come. */
  private armDrain(): void {
    if (!this.hasExited) return;
    clearTimeout(this.drainTimer);
    this.drainTimer = setTimeout(() => this.drain.abort(), DRAIN_AFTER_EXIT_MS);
    // Only a reader still waiting on a pipe needs this timer; it must not keep an otherwise finished aegis alive.
    this.drainTimer.unref?.();
  }

  private async pumpStderr(): Promise<void> {
    // Read from the first byte, so a CLI that dies at start-up still leaves its message in the tail.
    const reader = this.proc.stderr.getReader();
    const onDrain = () => {
      reader.cancel().catch((err: unknown) => this.tail.note(`stderr cancel failed: ${String(err)}`));
    };
    this.drain.signal.addEventListener("abort", onDrain, { once: true });
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        this.tail.push(value);
        this.armDrain();
      }
    } catch (err) {
      this.tail.note(`stderr read failed: ${String(err)}`);
    } finally {
      this.drain.signal.removeEventListener("abort", onDrain);
    }
  }

  private stdinFailed(err: unknown): void {
    // The child closed its stdin or died; its exit status and stderr tail tell the story, so only note it.
    this.stdinOpen = false;
    if (!this.hasExited) this.tail.note(`stdin write failed: ${String((err as Error)?.message ?? err)}`);
  }
}
