import { afterEach, describe, expect, test } from "bun:test";
import { signBody, webhookService, type WebhookService } from "../../src/schedule/webhooks.ts";
import { openStore } from "../../src/store/store.ts";
import { fakeServe, type FakeServe } from "./fake-serve.ts";

const SECRET = "It's a Secret to Everybody";
const hooks = { deploy: { name: "deploy", workflow: "ship", secretEnv: "DEPLOY_HOOK_SECRET" } };
let svc: WebhookService | undefined;
const known = async () => undefined;

afterEach(async () => {
  await svc?.stop(1000);
  svc = undefined;
});

async function listening(opts: { maxBodyBytes?: number } = {}): Promise<{ fake: FakeServe; base: string }> {
  const fake = fakeServe(openStore(":memory:"), { webhooks: hooks, serve: { http: { host: "127.0.0.1", port: 0 } } }, 0);
  svc = webhookService({ env: { DEPLOY_HOOK_SECRET: SECRET }, resolveWorkflow: known, ...opts });
  await svc.start(fake.ctx);
  const { port } = svc.address()!;
  return { fake, base: `http://127.0.0.1:${port}` };
}

function post(url: string, body: string, signature?: string): Promise<Response> {
  return fetch(url, { method: "POST", body, headers: { "content-type": "application/json", ...(signature ? { "x-hub-signature-256": signature } : {}) } });
}

describe("webhooks (#12)", () => {
  test("a well-signed POST starts the hook's workflow with the JSON body as payload", async () => {
    const { fake, base } = await listening();
    const body = JSON.stringify({ ref: "refs/heads/main", after: "abc123" });
    const res = await post(`${base}/hooks/deploy`, body, signBody(SECRET, body));
    expect(res.status).toBe(202);
    const { runId } = (await res.json()) as { runId: string };
    expect(fake.started).toEqual([{ runId, workflow: "ship", args: { payload: { ref: "refs/heads/main", after: "abc123" } }, caller: "webhook:deploy" }]);
  });

  test("a redelivery (same X-GitHub-Delivery) gets the first run, not a second", async () => {
    const { fake, base } = await listening();
    const body = JSON.stringify({ n: 1 });
    const send = () => fetch(`${base}/hooks/deploy`, { method: "POST", body, headers: { "x-hub-signature-256": signBody(SECRET, body), "x-github-delivery": "d-1" } });
    const first = await send();
    expect(first.status).toBe(202);
    const { runId } = (await first.json()) as { runId: string };
    const again = await send();
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ runId, redelivery: true });
    expect(fake.started.map((r) => r.caller)).toEqual(["webhook:deploy:d-1"]);
  });

  test("GitHub's documented test vector verifies", async () => {
    // From GitHub's "Validating webhook deliveries" docs: secret and body below give this signature.
    expect(signBody(SECRET, "Hello, World!")).toBe("sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
  });

  test("a bad, missing or malformed signature gets 401 and runs nothing; the secret is never logged", async () => {
    const { fake, base } = await listening();
    const body = JSON.stringify({ a: 1 });
    expect((await post(`${base}/hooks/deploy`, body)).status).toBe(401);
    expect((await post(`${base}/hooks/deploy`, body, signBody("wrong secret", body))).status).toBe(401);
    expect((await post(`${base}/hooks/deploy`, body, signBody(SECRET, `${body} `))).status).toBe(401);
    expect((await post(`${base}/hooks/deploy`, body, "sha256=zz")).status).toBe(401);
    expect((await post(`${base}/hooks/deploy`, body, signBody(SECRET, body).replace("sha256=", "sha1="))).status).toBe(401);
    expect(fake.started).toEqual([]);
    expect(fake.logs.join("\n")).not.toContain(SECRET);
  });

  test("unknown hook 404, non-JSON 400, oversize body 413, GET on a hook 405, healthz 200", async () => {
    const { fake, base } = await listening({ maxBodyBytes: 1024 });
    expect((await post(`${base}/hooks/nope`, "{}", signBody(SECRET, "{}"))).status).toBe(404);
    expect((await post(`${base}/hooks/deploy`, "not json", signBody(SECRET, "not json"))).status).toBe(400);
    const big = JSON.stringify({ pad: "x".repeat(2000) });
    expect((await post(`${base}/hooks/deploy`, big, signBody(SECRET, big))).status).toBe(413);
    expect((await fetch(`${base}/hooks/deploy`)).status).toBe(405);
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe("ok\n");
    expect(fake.started).toEqual([]);
  });

  test("a hook whose secret variable is unset refuses to start, naming the key and the variable", async () => {
    const fake = fakeServe(openStore(":memory:"), { webhooks: hooks, serve: { http: { host: "127.0.0.1", port: 0 } } }, 0);
    const s = webhookService({ env: {}, resolveWorkflow: known });
    const err = await s.start(fake.ctx).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ code: "E_CONFIG", issues: [{ path: "webhooks.deploy.secret.env" }] });
    expect(String((err as Error).message)).toContain("DEPLOY_HOOK_SECRET");
    expect(s.address()).toBeUndefined();
  });

  test("a port already in use is a config error naming serve.http.port, not a stack trace (#12)", async () => {
    const taken = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("busy") });
    try {
      const fake = fakeServe(openStore(":memory:"), { webhooks: hooks, serve: { http: { host: "127.0.0.1", port: taken.port! } } }, 0);
      const s = webhookService({ env: { DEPLOY_HOOK_SECRET: SECRET }, resolveWorkflow: known });
      const err = await s.start(fake.ctx).then(() => undefined, (e: unknown) => e);
      expect(err).toMatchObject({ code: "E_CONFIG", issues: [{ path: "serve.http.port" }] });
      expect(String((err as Error).message)).toContain(`127.0.0.1:${taken.port}`);
      expect(s.address()).toBeUndefined();
    } finally {
      await taken.stop(true);
    }
  });

  test("without serve.http nothing listens", async () => {
    const fake = fakeServe(openStore(":memory:"), { webhooks: hooks }, 0);
    svc = webhookService({ env: {} });
    await svc.start(fake.ctx);
    expect(svc.address()).toBeUndefined();
  });
});
