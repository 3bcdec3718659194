// The one money and duration format (#10): every place that prints a cost or a duration uses these.

import { expect, test } from "bun:test";
import { formatDuration, formatUsd } from "../../src/util/format.ts";

test("formatDuration: ms below a second, tenths below a minute, then the two largest units (#10)", () => {
  const cases: [number, string][] = [
    [0, "0 ms"], [0.4, "0 ms"], [300, "300 ms"], [999, "999 ms"], [1000, "1s"], [1234, "1.2s"], [1500, "1.5s"], [59_999, "59.9s"],
    [60_000, "1m"], [90_500, "1m 30s"], [3_599_000, "59m 59s"], [3_600_000, "1h"], [3_900_000, "1h 5m"], [86_400_000, "24h"],
    [48 * 3_600_000, "2d"], [52 * 3_600_000, "2d 4h"], [-1500, "-1.5s"],
  ];
  expect(cases.map(([n]) => [n, formatDuration(n)])).toEqual(cases);
});

test("formatUsd: one format for costs everywhere, never $0.00 for a spend that is not zero (#10)", () => {
  expect([0, 0.00012, 0.01, 0.5, 12.345].map(formatUsd)).toEqual(["$0.00", "$0.00012", "$0.01", "$0.50", "$12.35"]);
});

test("no other money or duration formatter is defined in src/ (#10)", async () => {
  const { Glob } = await import("bun");
  const offenders: string[] = [];
  for await (const file of new Glob("src/**/*.ts").scan({ cwd: `${import.meta.dir}/../..` })) {
    if (file === "src/util/format.ts") continue;
    const text = await Bun.file(`${import.meta.dir}/../../${file}`).text();
    if (/function (formatUsd|formatDuration|formatMs|formatCost|duration)\b/.test(text)) offenders.push(file);
    if (/\$\$\{[^}]*\.toFixed\(/.test(text)) offenders.push(`${file} (a $ amount printed with toFixed)`);
  }
  expect(offenders).toEqual([]);
});
