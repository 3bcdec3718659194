// Identifiers: time-sortable ids with a readable prefix (`run_…`, `task_…`) and two-word session handles.

const CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz";
let lastTime = 0;
let counter = 0;

function encodeTime(ms: number): string {
  let out = "";
  for (let i = 0; i < 10; i++) {
    out = CROCKFORD[ms % 32] + out;
    ms = Math.floor(ms / 32);
  }
  return out;
}

function randomChars(n: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(n));
  let out = "";
  for (const b of bytes) out += CROCKFORD[b % 32];
  return out;
}

/** A new id such as `task_01jq3v8k2m0007x9f2a`: prefix, 10 chars of time, a per-ms counter, randomness. */
export function newId(prefix: string): string {
  const now = Date.now();
  if (now === lastTime) counter++;
  else {
    lastTime = now;
    counter = 0;
  }
  const seq = counter.toString(32).padStart(3, "0");
  return `${prefix}_${encodeTime(now)}${seq}${randomChars(6)}`;
}

/** A secret for a session's MCP identity: 32 random bytes, hex. */
export function newSecret(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("hex");
}

const ADJECTIVES = [
  "brisk", "calm", "clever", "deft", "eager", "fond", "gentle", "happy", "keen", "lucid", "merry", "nimble", "plucky",
  "quick", "quiet", "rapid", "sharp", "steady", "sunny", "swift", "tidy", "vivid", "witty", "zesty", "bold", "bright",
  "cosy", "crisp", "daring", "fair", "frank", "glad", "grand", "jolly", "kind", "lively", "mellow", "neat", "noble",
  "proud", "sleek", "smart", "stoic", "sure", "true", "warm", "wise", "young",
];
const NAMES = [
  "curie", "turing", "hopper", "lovelace", "knuth", "dijkstra", "noether", "euler", "gauss", "darwin", "faraday",
  "tesla", "bohr", "planck", "fermi", "feynman", "hamilton", "kepler", "newton", "pascal", "ramanujan", "shannon",
  "hilbert", "galois", "ritchie", "thompson", "liskov", "hoare", "lamport", "backus", "mccarthy", "minsky", "perlman",
  "allen", "wirth", "kay", "engelbart", "babbage", "boole", "cantor", "riemann", "fourier", "laplace", "maxwell",
  "meitner", "franklin", "goodall", "sagan",
];

/** A readable handle such as `brisk-curie`, unique against `taken`; a numeric suffix is added when needed. */
export function newHandle(taken: (h: string) => boolean = () => false): string {
  for (let i = 0; i < 50; i++) {
    const h = `${pick(ADJECTIVES)}-${pick(NAMES)}`;
    if (!taken(h)) return h;
  }
  for (let n = 2; ; n++) {
    const h = `${pick(ADJECTIVES)}-${pick(NAMES)}-${n}`;
    if (!taken(h)) return h;
  }
}

/** Handles are lowercase words joined by dashes: `brisk-curie`, `reviewer-2`. */
export const HANDLE_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+){0,3}$/;

function pick<T>(xs: readonly T[]): T {
  return xs[Math.floor(Math.random() * xs.length)] as T;
}
