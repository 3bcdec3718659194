// A throwaway PostgreSQL cluster for tests and benches: Debian's `postgresql` binaries (initdb + postgres) in a temp
// folder, listening on 127.0.0.1 only on a free port, run as the `postgres` user when this process is root (initdb
// refuses root), with a login role and a database of its own. `sharedPostgres()` starts one per test process and stops
// it on exit; a watchdog shell stops it too if this process is SIGKILLed, so no postgres outlives its test run.
// It must not touch any system cluster (no pg_ctlcluster, no port 5432) nor read PG* / DATABASE_URL variables.

import { spawn, spawnSync, type Subprocess } from "bun";
import { existsSync, mkdtempSync, readdirSync, rmSync, chownSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestPostgres {
  /** postgres://aegis:…@127.0.0.1:<port>/aegis */
  readonly url: string;
  readonly port: number;
  /** The postmaster's pid (for tests that check nothing is left behind). */
  readonly pid: number;
  /** Fast shutdown, waits until the postmaster is gone, removes the folder. Idempotent. */
  stop(): Promise<void>;
}

export type PgAvailability = { ok: true; bin: string } | { ok: false; reason: string };

/** Where the postgres binaries are: $AEGIS_PG_BIN, `pg_config --bindir`, or the newest /usr/lib/postgresql/<v>/bin. */
export function findPgBin(): PgAvailability {
  const candidates: string[] = [];
  if (process.env.AEGIS_PG_BIN) candidates.push(process.env.AEGIS_PG_BIN);
  const cfg = spawnSync(["sh", "-c", "pg_config --bindir 2>/dev/null"], { stdout: "pipe" });
  const dir = cfg.stdout.toString().trim();
  if (dir) candidates.push(dir);
  if (existsSync("/usr/lib/postgresql")) {
    const versions = readdirSync("/usr/lib/postgresql").filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => `/usr/lib/postgresql/${v}/bin`));
  }
  for (const bin of candidates) {
    if (existsSync(join(bin, "initdb")) && existsSync(join(bin, "postgres"))) return { ok: true, bin };
  }
  return { ok: false, reason: `no PostgreSQL server binaries (initdb, postgres) in ${candidates.join(", ") || "pg_config --bindir or /usr/lib/postgresql/*/bin"}: apt-get install postgresql` };
}

/**
 * Whether PostgreSQL tests run here. Without the binaries they skip with the reason, except under AEGIS_PG=1 (CI),
 * where a missing server is an error.
 */
export function pgAvailability(): PgAvailability {
  const found = findPgBin();
  if (!found.ok && process.env.AEGIS_PG === "1") throw new Error(`AEGIS_PG=1 but ${found.reason}`);
  return found;
}

let shared: Promise<TestPostgres> | undefined;
let databases = 0;

/** A new empty database on the cluster (owned by the `aegis` role), for a test that needs a clean schema; its URL. */
export async function freshDatabase(pg: TestPostgres): Promise<string> {
  const name = `aegis_t${process.pid}_${++databases}`;
  const db = new Bun.SQL({ url: pg.url, max: 1 });
  try {
    await db.unsafe(`CREATE DATABASE ${name}`);
  } finally {
    await db.close();
  }
  return pg.url.replace(/\/aegis$/, `/${name}`);
}

/** One cluster per test process, started on first use and stopped when the process exits. */
export function sharedPostgres(): Promise<TestPostgres> {
  shared ??= startPostgres();
  return shared;
}

export interface StartOptions {
  /** fsync and synchronous commits on, as in production (benches); default off, for speed. */
  durable?: boolean;
}

const live = new Set<{ stopSync(): void }>();
let exitHook = false;

/** Starts a new private cluster. Prefer sharedPostgres(); use this when a test needs a cluster of its own. */
export async function startPostgres(opts: StartOptions = {}): Promise<TestPostgres> {
  const found = pgAvailability();
  if (!found.ok) throw new Error(found.reason);
  const bin = found.bin;
  const root = mkdtempSync(join(tmpdir(), "aegis-pg-"));
  const asRoot = process.getuid?.() === 0;
  const prefix = asRoot ? dropToPostgres(root) : [];
  const data = join(root, "data");
  const superPw = `su-${crypto.randomUUID()}`;
  const pwFile = join(root, "pw.txt");
  writeFileSync(pwFile, superPw, { mode: 0o600 });
  if (asRoot) chownSync(pwFile, pgUser().uid, pgUser().gid);
  const initdb = () => spawnSync([...prefix, join(bin, "initdb"), "-D", data, "-U", "postgres", "--auth-local=trust",
    "--auth-host=scram-sha-256", `--pwfile=${pwFile}`, "-E", "UTF8", "--no-sync", "--locale=C"], { stdout: "pipe", stderr: "pipe", env: cleanEnv() });
  let init = initdb();
  if (init.exitCode !== 0) {
    // Seen once on a loaded machine: exit 1 with an empty stderr. One more try in a clean folder; its output then says why.
    const first = `${init.exitCode ?? init.signalCode}: ${init.stderr.toString().slice(-1000)} ${init.stdout.toString().slice(-1000)}`.trim();
    rmSync(data, { recursive: true, force: true });
    init = initdb();
    if (init.exitCode !== 0) {
      rmSync(root, { recursive: true, force: true });
      throw new Error(`initdb failed twice (${first}; then ${init.exitCode ?? init.signalCode}): ${init.stderr.toString().slice(-2000)} ${init.stdout.toString().slice(-2000)}`);
    }
    console.warn(`initdb failed once (${first}), the second try worked`);
  }
  rmSync(pwFile, { force: true });
  const settings = opts.durable ? [] : ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"];
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const server = spawn([...prefix, join(bin, "postgres"), "-D", data, "-p", String(port), "-c", "listen_addresses=127.0.0.1",
      "-c", `unix_socket_directories=${root}`, "-c", "max_connections=200", ...settings], {
      stdout: "ignore", stderr: Bun.file(join(root, "server.log")), env: cleanEnv(),
    });
    // `bun test` fires no "exit" event, so this shell is what stops the cluster there: within 0.2 s of this process
    // ending (normally or SIGKILLed) it asks the postmaster for a fast shutdown, waits for it, and removes the folder.
    const watchdog = spawn(["sh", "-c", `while kill -0 ${process.pid} 2>/dev/null; do sleep 0.2; done; kill -INT ${server.pid} 2>/dev/null;
      for i in $(seq 100); do kill -0 ${server.pid} 2>/dev/null || break; sleep 0.1; done; kill -KILL ${server.pid} 2>/dev/null; rm -rf '${root}'`], {
      stdio: ["ignore", "ignore", "ignore"],
    });
    watchdog.unref();
    const started = await waitReady(server, root, port);
    if (started !== true) {
      watchdog.kill();
      if (attempt < 3 && /already in use|could not bind/i.test(started)) continue;
      rmSync(root, { recursive: true, force: true });
      throw new Error(`postgres did not start on 127.0.0.1:${port}: ${started}`);
    }
    const pw = `aegis-${crypto.randomUUID()}`;
    const admin = new Bun.SQL({ url: `postgres://postgres:${superPw}@127.0.0.1:${port}/postgres`, max: 1 });
    try {
      await admin.unsafe(`CREATE ROLE aegis LOGIN CREATEDB PASSWORD '${pw}'`);
      await admin.unsafe("CREATE DATABASE aegis OWNER aegis");
    } finally {
      await admin.close();
    }
    return track(server, watchdog, root, port, `postgres://aegis:${pw}@127.0.0.1:${port}/aegis`);
  }
}

function track(server: Subprocess, watchdog: Subprocess, root: string, port: number, url: string): TestPostgres {
  let stopped = false;
  const cleanup = () => {
    watchdog.kill();
    rmSync(root, { recursive: true, force: true });
  };
  const entry = {
    stopSync() {
      if (stopped) return;
      stopped = true;
      live.delete(entry);
      server.kill("SIGINT");
      // postmaster.pid goes away at the end of a clean shutdown; a zombie (not yet reaped) would fool kill -0.
      const deadline = Date.now() + 10_000;
      while (existsSync(join(root, "data", "postmaster.pid")) && Date.now() < deadline) Bun.sleepSync(10);
      if (existsSync(join(root, "data", "postmaster.pid"))) server.kill("SIGKILL");
      cleanup();
    },
  };
  live.add(entry);
  if (!exitHook) {
    exitHook = true;
    process.on("exit", () => {
      for (const e of [...live]) e.stopSync();
    });
  }
  return {
    url,
    port,
    pid: server.pid,
    async stop() {
      if (stopped) return;
      stopped = true;
      live.delete(entry);
      server.kill("SIGINT");
      const exited = await Promise.race([server.exited.then(() => true), Bun.sleep(10_000).then(() => false)]);
      if (!exited) {
        server.kill("SIGKILL");
        await server.exited;
      }
      cleanup();
    },
  };
}

/** `setpriv` switches to the postgres user in place (no forked PAM session in between), so the pid is the postmaster's. */
function dropToPostgres(root: string): string[] {
  const u = pgUser();
  chownSync(root, u.uid, u.gid);
  return ["setpriv", `--reuid=${u.uid}`, `--regid=${u.gid}`, "--init-groups", "--"];
}

let pgUserCache: { uid: number; gid: number } | undefined;
function pgUser(): { uid: number; gid: number } {
  if (pgUserCache) return pgUserCache;
  const r = spawnSync(["sh", "-c", "id -u postgres && id -g postgres"], { stdout: "pipe", stderr: "pipe" });
  const [uid, gid] = r.stdout.toString().trim().split("\n").map(Number);
  if (r.exitCode !== 0 || !Number.isInteger(uid) || !Number.isInteger(gid)) {
    throw new Error("running as root, and there is no `postgres` user to run initdb as (the postgresql package creates it)");
  }
  pgUserCache = { uid: uid!, gid: gid! };
  return pgUserCache;
}

/** The environment without PG* / DATABASE_URL, so nothing of the user's database leaks into the test cluster. */
function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("PG") && k !== "DATABASE_URL") env[k] = v;
  env.LC_ALL = "C";
  return env;
}

async function freePort(): Promise<number> {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

/** Waits until the postmaster accepts connections (its socket file appears), it exits, or 30 s pass. */
async function waitReady(server: Subprocess, root: string, port: number): Promise<true | string> {
  let exited = false;
  void server.exited.then(() => (exited = true));
  const deadline = Date.now() + 30_000;
  const sock = join(root, `.s.PGSQL.${port}`);
  while (Date.now() < deadline) {
    if (exited) return (await Bun.file(join(root, "server.log")).text()).slice(-2000);
    if (existsSync(sock) && existsSync(join(root, "data", "postmaster.pid"))) {
      const ready = spawnSync(["sh", "-c", `grep -q ready '${join(root, "data", "postmaster.pid")}'`]);
      if (ready.exitCode === 0) return true;
    }
    await Bun.sleep(20);
  }
  server.kill("SIGKILL");
  return "timed out after 30 s";
}
