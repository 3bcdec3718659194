// Budget amounts in the words users read: small USD budgets keep their significant digits (a $0.0001 budget must
// not read "$0.00"), larger ones show cents. The spend is summed by the store: on both backends (#15).

import { expect, setDefaultTimeout, test } from "bun:test";
import { formatUsd } from "../../src/util/format.ts";
import { describeRuntimes } from "../helpers/runtimes.ts";
import { testConfig } from "../session/fixtures.ts";

// The first PostgreSQL test of the file starts the throwaway cluster: seconds on a loaded machine.
setDefaultTimeout(30_000);

test("(#4) formatUsd keeps two significant digits below 10 cents and shows cents above", () => {
  const cases: [number, string][] = [
    [0, "$0.00"], [0.0001, "$0.0001"], [0.00012, "$0.00012"], [0.000123, "$0.00012"], [0.0001 * 3, "$0.0003"],
    [0.05, "$0.05"], [0.0123, "$0.012"], [0.0999, "$0.10"], [0.1, "$0.10"], [0.5, "$0.50"], [1.2, "$1.20"], [5, "$5.00"],
    [1234.567, "$1234.57"], [1e-9, "$0.000000001"],
  ];
  expect(cases.map(([n]) => [n, formatUsd(n)])).toEqual(cases);
});

describeRuntimes("budgets", (b) => {
  test("(#4) a tiny usd budget's refusal names the real limit and spend, not $0.00", async () => {
    const r = await b.runtime(await b.fresh(), {
      config: testConfig({ w: { reply: () => "ok", usage: { costUsd: 0.00012 } } },
        { fcq: { agent: "w", maxParallel: 1, budgets: [{ usd: 0.0001, window: "24h" }] } }),
      plane: false, queues: { pollMs: 0 },
    });
    await r.queues.start();
    await r.queues.waitFor((await r.queues.enqueue("fcq", "a")).taskId);
    await expect(r.queues.enqueue("fcq", "b")).rejects.toMatchObject({
      code: "E_BUDGET", message: expect.stringContaining('queue "fcq" is over budget: $0.0001 per 24h (spent $0.00012)'),
    });
  });
});
