// How aegis is compiled into one executable, in one place: the build script, the benchmarks and the tests that run
// the binary all call this, so they all measure and test the same build.
//   bytecode + ESM + splitting: start-up parses only what a command needs (measured: --version as fast as hello-world);
//   no .env / bunfig autoload: a binary must not pick up files from whatever folder it runs in.

import { join } from "node:path";
import { hostNativeTarget, nativePlan, type NativePlan, type NativeTarget } from "./opentui-native.ts";
import { ensurePublicTypes } from "./public-types.ts";

export const ROOT = join(import.meta.dir, "..");

export const COMPILE_FLAGS = [
  "--compile", "--bytecode", "--format=esm", "--splitting", "--minify-syntax",
  "--no-compile-autoload-dotenv", "--no-compile-autoload-bunfig",
  // OpenTUI (aegis ui/chat) imports its musl library package when OPENTUI_LIBC=musl, an env check the bundler cannot
  // fold; those packages do not exist for @opentui/core 0.8.1, so they stay run-time imports (never taken on glibc).
  "--external", "@opentui/core-linux-x64-musl", "--external", "@opentui/core-linux-arm64-musl",
] as const;

/**
 * Compiles src/main.ts to `outfile` for `target` (the host by default; `extra` then carries its --target). Throws with
 * bun's stderr on failure. The public types (dist/types/aegis.d.ts, embedded for `aegis init`) are regenerated first
 * when src/ changed. OpenTUI's native library for the target is embedded when installed (scripts/opentui-native.ts);
 * the returned plan says whether it was, and warns when that target's `aegis ui` will lack it.
 */
export async function compileAegis(outfile: string, extra: string[] = [], target: NativeTarget = hostNativeTarget()): Promise<NativePlan> {
  await ensurePublicTypes();
  const native = nativePlan(target, ROOT);
  await compile(["src/main.ts", ...COMPILE_FLAGS, ...native.flags, ...extra, "--outfile", outfile], ROOT);
  return native;
}

/** A compiled Bun hello-world in `dir` (the start-up baseline the benchmarks compare against); returns its path. */
export async function compileHelloWorld(dir: string): Promise<string> {
  await Bun.write(join(dir, "hello.ts"), 'console.log("hello");\n');
  await compile(["hello.ts", "--compile", "--bytecode", "--format=esm", "--outfile", "hello"], dir);
  return join(dir, "hello");
}

async function compile(args: string[], cwd: string): Promise<void> {
  const p = Bun.spawn([process.execPath, "build", ...args], { cwd, stdout: "ignore", stderr: "pipe" });
  const [code, stderr] = await Promise.all([p.exited, new Response(p.stderr).text()]);
  if (code !== 0) throw new Error(`bun build ${args.join(" ")} failed:\n${stderr}`);
}
