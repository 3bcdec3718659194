// The SQLite wake-up (src/store/sqlite/wake.ts, #15): another connection's commit wakes the watcher whether this
// connection is idle (the WAL watch) or writing (the watch is closed then and data_version is polled), this
// connection's own commits never do, and the watch opens again once its writes stop. The safety poll is off (1 h).

import { afterEach, expect, test } from "bun:test";
import { watchWal, type WalWake } from "../../src/store/sqlite/wake.ts";
import { openStore, type Store } from "../../src/store/store.ts";
import { insertTask } from "../../src/store/tasks.ts";
import { tempDir } from "../fixtures/helpers/temp-dir.ts";
import { waitFor } from "../fixtures/helpers/wait.ts";

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup.splice(0).reverse()) f();
});

let seq = 0;
const commitTask = (s: Store) => s.write(() => insertTask(s, { id: `task_${++seq}`, queue: "q", payload: "p", enqueuedBy: "test", callback: false, at: 1 }));

/** Two connections to one new file (`mine` watched, `other` the other process) and a wake counter on `mine`. */
function setup(): { mine: Store; other: Store; wake: WalWake; woken: () => number } {
  const dir = tempDir("wake");
  const mine = openStore(dir.join("state.db"));
  const other = openStore(dir.join("state.db"));
  commitTask(mine); // the WAL exists once something was written
  let n = 0;
  const wake = watchWal(mine, () => n++, { safetyPollMs: 3_600_000 });
  cleanup.push(() => dir.remove(), () => mine.close(), () => other.close(), () => wake.stop());
  return { mine, other, wake, woken: () => n };
}

test("(#15) an idle connection is woken by another connection's commit through the WAL watch, never by its own", async () => {
  const { mine, other, wake, woken } = setup();
  expect(wake.watching).toBe(true);
  for (let i = 0; i < 20; i++) {
    wake.writing();
    commitTask(mine);
  }
  await waitFor(() => wake.watching, { what: "the watch to open again after this connection's writes" });
  commitTask(other);
  await waitFor(() => woken() > 0, { what: "the wake-up for the other connection's commit" });
  // Exactly one: none of this connection's 20 commits counted.
  expect(woken()).toBe(1);
});

test("(#15) a connection that keeps writing has its watch closed and still sees another connection's commit", async () => {
  const { mine, other, wake, woken } = setup();
  let writes = 0;
  const writer = setInterval(() => {
    wake.writing();
    commitTask(mine);
    writes++;
  }, 1);
  cleanup.push(() => clearInterval(writer));
  await waitFor(() => writes >= 5, { what: "this connection to be writing" });
  expect(wake.watching).toBe(false);
  commitTask(other);
  await waitFor(() => woken() > 0, { what: "the wake-up while this connection writes" });
  expect(wake.watching).toBe(false); // seen by the poll: the watch never opened meanwhile
  clearInterval(writer);
  await waitFor(() => wake.watching, { what: "the watch to open again once the writes stop" });
  const before = woken();
  commitTask(other);
  await waitFor(() => woken() > before, { what: "the wake-up through the reopened watch" });
});

test("(#15) a watcher on an in-memory store has nothing to watch and takes writes quietly", () => {
  const mem = openStore(":memory:");
  const wake = watchWal(mem, () => undefined, { safetyPollMs: 3_600_000 });
  try {
    wake.writing();
    commitTask(mem);
    expect(wake.watching).toBe(false);
  } finally {
    wake.stop();
    mem.close();
  }
});
