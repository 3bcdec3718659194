#!/usr/bin/env bun
// The aegis CLI entry point. `--version` (and `--version --json`) is answered before anything else is loaded, so
// start-up stays cheap; everything else goes through cli/root.ts, the only place that maps errors to exit codes.

import { versionText } from "./version.ts";

const argv = process.argv.slice(2);
const version = versionText(argv);
if (version !== undefined) {
  console.log(version); // console.log is native; process.stdout would cost a node stream's set-up
} else {
  const { runCli } = await import("./cli/root.ts");
  const code = await runCli(argv);
  process.exitCode = code;
  // The command is over. A stray timer or socket must not keep aegis alive: give pending output a moment, then go.
  setTimeout(() => process.exit(code), 1000).unref();
}
