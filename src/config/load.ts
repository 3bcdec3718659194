// Finds and imports a project's `.aegis.ts`, turning every failure (missing file, syntax error, a throw inside the
// file) into one ConfigError with a location. The "aegis" module that config files import is provided by
// module-plugin.ts, so this works inside the compiled binary with no node_modules.

import { existsSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { ConfigError } from "../util/errors.ts";
import { registerAegisModule } from "./module-plugin.ts";
import { validateConfig, type LoadedConfig } from "./validate.ts";

export const CONFIG_FILE = ".aegis.ts";

/** The closest ancestor of `start` (itself included) holding a `.aegis.ts` file, or null. */
export function findProjectRoot(start: string = process.cwd()): string | null {
  let dir = resolve(start);
  for (;;) {
    if (isFile(join(dir, CONFIG_FILE))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

export interface LoadOptions {
  /** Use this project root instead of searching from the cwd. */
  root?: string;
  /** Load this file; overrides AEGIS_CONFIG and the search. */
  file?: string;
  /** Where the search starts; default the cwd. */
  cwd?: string;
}

/** Which config file applies: `file`, then AEGIS_CONFIG, then the project root's, then `~/.aegis.ts`. */
export function resolveConfigFile(opts: LoadOptions = {}): string {
  const cwd = opts.cwd ?? process.cwd();
  const explicit = opts.file ?? (process.env.AEGIS_CONFIG || undefined);
  if (explicit) {
    const file = resolve(cwd, explicit);
    if (!isFile(file)) {
      const from = opts.file ? "--config" : "AEGIS_CONFIG";
      throw new ConfigError(`config file not found: ${file} (from ${from})`, { file });
    }
    return file;
  }
  const root = opts.root ? resolve(cwd, opts.root) : findProjectRoot(cwd);
  if (root && isFile(join(root, CONFIG_FILE))) return join(root, CONFIG_FILE);
  const home = join(homeDir(), CONFIG_FILE);
  if (isFile(home)) return home;
  throw new ConfigError(`no ${CONFIG_FILE} found in ${opts.root ? resolve(cwd, opts.root) : `${cwd} or any parent folder`}, nor in ${homeDir()}`, {
    hint: "run `aegis init` to create one, or pass --config <file>",
  });
}

const importedAt = new Map<string, number>();

/** Loads, validates and resolves the configuration. Throws ConfigError (only) for every user mistake. */
export async function loadConfig(opts: LoadOptions = {}): Promise<LoadedConfig> {
  const file = resolveConfigFile(opts);
  const raw = await importConfigModule(file);
  const config = validateConfig(raw, file, dirname(file));
  checkWorkflowPaths(config);
  return config;
}

/** Every `workflows` entry must exist, so `aegis config validate` catches what `aegis run` would trip on. */
function checkWorkflowPaths(config: LoadedConfig): void {
  const issues = config.workflows.flatMap((p, i) => existsSync(p) ? [] : [{
    path: `workflows.${i}`,
    message: `workflows.${i} must be an existing file or folder; got ${JSON.stringify(relative(config.root, p) || p)} (${p} does not exist)`,
  }]);
  if (issues.length) {
    throw new ConfigError(`invalid config ${config.file} (${issues.length} problem${issues.length === 1 ? "" : "s"}):\n${issues.map((i) => `  ${i.path}: ${i.message}`).join("\n")}`, { file: config.file, issues });
  }
}

async function importConfigModule(file: string): Promise<unknown> {
  await registerAegisModule();
  // A file changed since it was imported in this process is imported again under a fresh specifier.
  const mtime = statSync(file).mtimeMs;
  const seen = importedAt.get(file);
  const specifier = seen === undefined || seen === mtime ? file : `${file}?v=${mtime}`;
  importedAt.set(file, mtime);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(specifier)) as Record<string, unknown>;
  } catch (err) {
    throw loadFailure(file, err);
  }
  if (!("default" in mod) || mod.default === undefined) {
    throw new ConfigError(`${file} has no default export`, {
      file, issues: [{ path: "", message: "missing `export default defineConfig({...})`" }],
      hint: "end the file with `export default defineConfig({ agents: { ... } })`",
    });
  }
  return mod.default;
}

interface BuildMessageLike { message: string; position?: { file?: string; line: number; column: number; lineText?: string } | null }

/** Turns a syntax error, a failed import or a throw inside the config into a ConfigError with its location. */
export function loadFailure(file: string, err: unknown): ConfigError {
  const errors: BuildMessageLike[] = err instanceof AggregateError ? (err.errors as BuildMessageLike[]) : [];
  if (errors.length) {
    const issues = errors.map((e) => {
      const p = e.position;
      const at = p ? `${p.file ?? file}:${p.line}:${p.column}` : file;
      return { path: "", message: `${at}: ${e.message}${p?.lineText ? `\n      ${p.lineText.trim()}` : ""}` };
    });
    return new ConfigError(`syntax error in ${file}:\n${issues.map((i) => `  ${i.message}`).join("\n")}`, { file, issues });
  }
  const e = err as BuildMessageLike & { stack?: string; name?: string };
  if (e?.position) {
    const p = e.position;
    return new ConfigError(`cannot load ${file}: ${p.file ?? file}:${p.line}:${p.column}: ${e.message}`, { file, issues: [{ path: "", message: e.message }] });
  }
  const location = stackLocation(e?.stack, file);
  const message = e instanceof Error ? `${e.name === "Error" ? "" : `${e.name}: `}${e.message}` : String(err);
  return new ConfigError(`error while loading ${location ?? file}: ${message}`, { file, issues: [{ path: "", message }], cause: err });
}

function stackLocation(stack: string | undefined, file: string): string | undefined {
  if (!stack) return undefined;
  for (const line of stack.split("\n")) {
    const i = line.indexOf(file);
    if (i >= 0) {
      const m = /:(\d+):(\d+)/.exec(line.slice(i + file.length));
      if (m) return `${file}:${m[1]}:${m[2]}`;
    }
  }
  return undefined;
}

/** $HOME when set (it may change at run time, e.g. in tests), else the OS's idea of it. */
function homeDir(): string {
  return process.env.HOME || homedir();
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false; // missing or unreadable: not a config file
  }
}

