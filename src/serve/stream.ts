// Streaming control methods: a method may answer with a stream instead of one result. The socket server then writes
// `{ id, result: { streaming: true } }`, then one `{ id, event }` line per event until either side closes. A reader
// too slow to keep up is disconnected rather than buffered for (it falls back to what it can read elsewhere: the
// state database holds every event). Used by `events.watch` (aegis ui following a session the serve hosts, #14).

const STREAM = Symbol("aegis.controlStream");

export interface ControlStream {
  readonly [STREAM]: true;
  /** Starts sending; `send` returns false once the connection is gone. Returns the function that stops it. */
  open(send: (event: unknown) => boolean): () => void;
}

export function controlStream(open: ControlStream["open"]): ControlStream {
  return { [STREAM]: true, open };
}

export function isControlStream(v: unknown): v is ControlStream {
  return typeof v === "object" && v !== null && (v as Partial<ControlStream>)[STREAM] === true;
}
