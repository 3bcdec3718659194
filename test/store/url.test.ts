// A database URL is printed only redacted (#15): the password in the user-info part and a password passed as a query
// parameter (libpq's `?password=` / `sslpassword=`) are both replaced by ***; nothing else changes.

import { expect, test } from "bun:test";
import { redactUrl } from "../../src/store/url.ts";

test("redactUrl hides the password of the user-info part and of ?password= / sslpassword= parameters (#15)", () => {
  expect(redactUrl("postgres://aegis:s3cret@db.internal:5432/aegis")).toBe("postgres://aegis:***@db.internal:5432/aegis");
  expect(redactUrl("postgres://aegis@127.0.0.1:1/aegis?password=qs-LEAK")).toBe("postgres://aegis@127.0.0.1:1/aegis?password=***");
  const both = redactUrl("postgresql://127.0.0.1/aegis?user=aegis&Password=a-LEAK&sslmode=require&sslpassword=b-LEAK");
  expect(both).not.toContain("LEAK");
  expect(both).toBe("postgresql://127.0.0.1/aegis?user=aegis&Password=***&sslmode=require&sslpassword=***");
  expect(redactUrl("postgres://db.internal/aegis?sslmode=require")).toBe("postgres://db.internal/aegis?sslmode=require");
  expect(redactUrl("not a url s3cret")).toBe("<an unparsable database URL>");
});
