#!/usr/bin/env bun
// The aegis CLI entry point. `--version` is answered before anything else is loaded, so start-up stays cheap;
// everything else goes through cli/root.ts, the only place that maps errors to exit codes.

import { VERSION } from "./version.ts";

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-v")) {
  process.stdout.write(`${VERSION}\n`);
} else {
  const { runCli } = await import("./cli/root.ts");
  process.exitCode = await runCli(argv);
}
