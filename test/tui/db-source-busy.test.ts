// The data source follows a busy database quickly and an idle one slowly (#14): while other connections keep
// committing it polls every 20 ms whatever its pollMs (so a dashboard streaming 100 sessions draws over 30 frames a
// second, bench/tui-stream.ts), and once they stop it is back to one look per pollMs (so an idle UI costs nothing).
// Here pollMs is 1 s: a source that never sped up would see at most a couple of the writes one by one.

import { afterEach, expect, test } from "bun:test";
import { appendEvents } from "../../src/store/events.ts";
import { insertSession } from "../../src/store/sessions.ts";
import { openReadOnlyStore } from "../../src/store/read-only.ts";
import { openStore, type Store } from "../../src/store/store.ts";
import { createDbSource } from "../../src/tui/source/db-source.ts";
import { tempDir } from "../fixtures/helpers/temp-dir.ts";
import { waitFor } from "../fixtures/helpers/wait.ts";

const open: { close(): void }[] = [];
afterEach(() => {
  for (const o of open.splice(0).reverse()) o.close();
});

test("polls fast while the database keeps changing, and slowly again once it is quiet (#14)", async () => {
  using dir = tempDir("tui-busy");
  const writer = openStore(dir.join("state.db"));
  const reader = openReadOnlyStore(dir.join("state.db"));
  let looks = 0;
  const dataVersion = reader.dataVersion.bind(reader);
  const counted: Store = Object.assign(Object.create(reader) as Store, { dataVersion: () => (looks++, dataVersion()) });
  writer.write(() => insertSession(writer, { id: "ses_a", handle: "busy-bee", agent: "w", provider: "scripted", createdAt: Date.now(), state: "working" }));
  const source = createDbSource({ store: counted, queues: {}, pollMs: 1000 });
  open.push(writer, reader, source);

  const batches: number[] = [];
  source.transcript("ses_a", (rows) => batches.push(rows.length));
  // A first write is seen at the next slow poll; from then on the source polls fast: 40 writes, 10 ms apart.
  let written = 0;
  const write = () => writer.write(() => appendEvents(writer, "ses_a", [{ turn: 1, at: Date.now(), event: { type: "text", text: `w${++written} ` } }]));
  write();
  await waitFor(() => batches.length > 0, { timeoutMs: 5000, what: "the first write" });
  const before = batches.length;
  for (let i = 0; i < 40; i++) {
    write();
    await Bun.sleep(10);
  }
  await waitFor(() => batches.reduce((a, b) => a + b, 0) === written, { timeoutMs: 5000, what: "every row" });
  // 400 ms of writes at one look per second would arrive in one or two batches; fast polls deliver them in many.
  expect(batches.length - before).toBeGreaterThanOrEqual(6);

  // Quiet now: after its ten quiet fast polls the source looks once a second again.
  await Bun.sleep(600);
  const quietFrom = looks;
  await Bun.sleep(1500);
  expect(looks - quietFrom).toBeLessThanOrEqual(3);
}, 20_000);
