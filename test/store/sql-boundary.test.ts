// SQL lives only in src/store/ (#10): every other module reads and writes through the store's functions, one file per
// table family, so a schema change is made in one place.

import { expect, test } from "bun:test";
import { Glob } from "bun";

const ROOT = `${import.meta.dir}/../..`;
const SQL_API = /\.(sql|query|prepare)\s*(<[^>]*>)?\s*\(\s*[`"']|\.db\.(run|exec|query|prepare)\b/;
const SQL_TEXT = /[`"'](SELECT\s.+\sFROM|UPDATE\s+\w+\s+SET|INSERT\s+INTO|DELETE\s+FROM)\s/i;

test("no module outside src/store/ issues SQL (#10)", async () => {
  const offenders: string[] = [];
  for await (const file of new Glob("src/**/*.ts").scan({ cwd: ROOT })) {
    if (file.startsWith("src/store/")) continue;
    const lines = (await Bun.file(`${ROOT}/${file}`).text()).split("\n");
    lines.forEach((line, i) => {
      if (line.trimStart().startsWith("//")) return;
      if (SQL_API.test(line) || SQL_TEXT.test(line)) offenders.push(`${file}:${i + 1}: ${line.trim().slice(0, 100)}`);
    });
  }
  expect(offenders).toEqual([]);
});
