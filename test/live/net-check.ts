// Watching a real CLI's network use: a wrapper executable that runs the CLI under `strace -f` (connect, sendto and
// sendmsg only; --seccomp-bpf so that no other syscall stops the tracee), given to the driver as the provider's `bin`, and a parser that lists every IPv4/IPv6 destination the
// process tree addressed. Used to prove each CLI talks to nothing but 127.0.0.1. Never used outside the live tests.

import { chmod, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

export interface NetTrace {
  /** The wrapper to use as `provider.bin`. */
  bin: string;
  /** Every IPv4/IPv6 destination seen, `addr:port`, in order of first appearance. */
  destinations(): Promise<string[]>;
}

/** The strace binary, or undefined when it is not installed (the caller skips then). */
export function findStrace(): string | undefined {
  return Bun.which("strace") ?? undefined;
}

/** Writes `<dir>/traced-cli`, which execs `strace … <realBin> "$@"` logging to `<dir>/net.strace`. */
export async function makeNetTrace(dir: string, strace: string, realBin: string): Promise<NetTrace> {
  const log = join(dir, "net.strace");
  const bin = join(dir, "traced-cli");
  const q = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
  await writeFile(bin, `#!/bin/sh\nexec ${q(strace)} -f -qq --seccomp-bpf -e trace=connect,sendto,sendmsg -o ${q(log)} ${q(realBin)} "$@"\n`);
  await chmod(bin, 0o755);
  return {
    bin,
    destinations: async () => parseDestinations(await readFile(log, "utf8")),
  };
}

const INET4 = /sa_family=AF_INET, sin_port=htons\((\d+)\), sin_addr=inet_addr\("([^"]+)"\)/g;
const INET6 = /sa_family=AF_INET6, sin6_port=htons\((\d+)\),.*?inet_pton\(AF_INET6, "([^"]+)"/g;

/** `addr:port` for each IPv4/IPv6 socket address in an strace log, first appearance order, no duplicates. */
export function parseDestinations(log: string): string[] {
  const seen = new Set<string>();
  for (const line of log.split("\n")) {
    for (const m of line.matchAll(INET4)) seen.add(`${m[2]}:${m[1]}`);
    for (const m of line.matchAll(INET6)) seen.add(`[${m[2]}]:${m[1]}`);
  }
  return [...seen];
}

/**
 * True for what a CLI may address in the live tests: loopback (127.0.0.0/8, ::1, IPv4-mapped loopback), except port 53,
 * since a DNS query to a local resolver (127.0.0.53) still means the CLI tried to reach a named host.
 */
export function isAllowedDestination(destination: string): boolean {
  const loopback = /^127\./.test(destination) || destination.startsWith("[::1]") || destination.startsWith("[::ffff:127.");
  return loopback && !destination.endsWith(":53");
}
