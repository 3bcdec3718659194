// The webhook listener of `aegis serve` (#12): Bun.serve on `serve.http` (off unless configured). `POST /hooks/<name>`
// with GitHub's `X-Hub-Signature-256: sha256=<hex>` (HMAC-SHA256 of the raw body with the hook's secret, compared in
// constant time) starts the hook's workflow with the JSON body as its `payload` argument and answers 202 with the
// runId. Unsigned or badly signed requests get 401 and run nothing; unknown hooks 404; bodies over the cap 413;
// non-JSON 400; `GET /healthz` 200; a redelivery (same X-GitHub-Delivery) 200 with the first run. Secrets and
// signatures are never logged. Its only store access is store/schedules.ts's run lookup by caller key.

import { createHmac, timingSafeEqual } from "node:crypto";
import type { ResolvedWebhook } from "../config/serve-schema.ts";
import type { ServeContext, ServeService } from "../serve/service.ts";
import { ConfigError, errorMessage } from "../util/errors.ts";
import { checkWorkflows, defaultResolver, type WorkflowResolver } from "./check-workflows.ts";

/** The default body cap: GitHub's payloads stay well under it (they cap their own at 25 MB, most are a few KiB). */
export const MAX_BODY_BYTES = 1024 * 1024;

export interface WebhookServiceOptions {
  /** Where secrets are read from; default process.env (tests pass their own). */
  env?: Record<string, string | undefined>;
  maxBodyBytes?: number;
  /** How hooks' workflows are checked at start; default serve's workflow loader. */
  resolveWorkflow?: WorkflowResolver;
}

export interface WebhookService extends ServeService {
  /** The listener's address once started, or undefined when serve.http is not configured. */
  address(): { host: string; port: number } | undefined;
}

/** GitHub's signature header value for `body` under `secret`: "sha256=<hex>". */
export function signBody(secret: string, body: string | Uint8Array): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** True if `header` is a valid sha256 signature of `body` under `secret` (constant-time compare). */
export function verifySignature(secret: string, body: Uint8Array, header: string | null): boolean {
  if (!header || !/^sha256=[0-9a-f]{64}$/i.test(header)) return false;
  const want = createHmac("sha256", secret).update(body).digest();
  return timingSafeEqual(Buffer.from(header.slice(7).toLowerCase(), "hex"), want);
}

export function webhookService(opts: WebhookServiceOptions = {}): WebhookService {
  const maxBody = opts.maxBodyBytes ?? MAX_BODY_BYTES;
  let server: ReturnType<typeof Bun.serve> | undefined;
  /** Deliveries whose run is being started right now (a redelivery racing the first). */
  const inFlight = new Set<string>();

  async function handle(c: ServeContext, secrets: Map<string, string>, req: Request): Promise<Response> {
    const url = new URL(req.url);
    if (url.pathname === "/healthz") return req.method === "GET" || req.method === "HEAD" ? text(200, "ok") : text(405, "method not allowed");
    const m = /^\/hooks\/([^/]+)$/.exec(url.pathname);
    if (!m) return text(404, "not found");
    const name = safeDecode(m[1]!);
    const hook: ResolvedWebhook | undefined = c.cfg.webhooks?.[name];
    if (!hook) return text(404, `no webhook named ${JSON.stringify(name)}`);
    if (req.method !== "POST") return text(405, "use POST");
    const body = await readCapped(req, maxBody);
    if (body === "too-large") return text(413, `the body is over ${maxBody} bytes`);
    if (!verifySignature(secrets.get(name)!, body, req.headers.get("x-hub-signature-256"))) {
      c.log(`webhook ${name}: refused a request with a missing or bad signature`);
      return text(401, "missing or bad X-Hub-Signature-256");
    }
    let payload: unknown;
    try {
      payload = JSON.parse(new TextDecoder().decode(body));
    } catch (err) {
      return text(400, `the body is not JSON: ${errorMessage(err)}`);
    }
    const delivery = req.headers.get("x-github-delivery");
    const caller = `webhook:${name}${delivery ? `:${delivery}` : ""}`;
    // A redelivery (same X-GitHub-Delivery id, as GitHub retries after a timeout) gets the first run, not a second.
    const earlier = delivery ? await c.db.schedules.runOfCaller(caller) : null;
    if (earlier || (delivery && inFlight.has(caller))) return Response.json({ runId: earlier, redelivery: true }, { status: 200 });
    if (delivery) inFlight.add(caller);
    try {
      const runId = await c.startRun(hook.workflow, { payload }, { caller });
      c.log(`webhook ${name}: started run ${runId} of ${hook.workflow}`);
      return Response.json({ runId }, { status: 202 });
    } catch (err) {
      c.log(`webhook ${name}: could not start ${hook.workflow}: ${errorMessage(err)}`);
      return text(500, `could not start ${hook.workflow}: ${errorMessage(err)}`);
    } finally {
      inFlight.delete(caller);
    }
  }

  return {
    name: "webhooks",
    async start(c) {
      const http = c.cfg.serve?.http;
      if (!http) return;
      await checkWorkflows(c.cfg, "webhooks", opts.resolveWorkflow ?? defaultResolver(c.cfg));
      const secrets = readSecrets(c.cfg.webhooks ?? {}, opts.env ?? process.env, c.cfg.file);
      try {
        server = Bun.serve({
          hostname: http.host,
          port: http.port,
          // Bun's own cap is a backstop above ours, so an oversize body gets our 413 rather than a dropped connection.
          maxRequestBodySize: maxBody * 2,
          fetch: (req) => handle(c, secrets, req),
          error: (err) => {
            c.log(`webhooks: ${errorMessage(err)}`);
            return text(500, "internal error");
          },
        });
      } catch (err) {
        // A port in use (another serve, another program) or a host not on this machine: name the key, not a stack.
        throw new ConfigError(`serve.http: cannot listen on ${http.host}:${http.port}: ${errorMessage(err)}`, {
          file: c.cfg.file, issues: [{ path: "serve.http.port", message: errorMessage(err) }], cause: err,
          hint: "free the port or set another serve.http.port (or host) in the config",
        });
      }
      c.log(`webhooks: listening on http://${http.host}:${server.port} (${Object.keys(c.cfg.webhooks ?? {}).length} hooks)`);
    },
    async stop(graceMs) {
      const s = server;
      if (!s) return;
      server = undefined;
      // Lets in-flight requests finish, then closes what is left.
      const closed = s.stop(false);
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([closed, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
      clearTimeout(timer);
      await s.stop(true);
    },
    address() {
      return server ? { host: server.hostname ?? "", port: server.port ?? 0 } : undefined;
    },
  };
}

/** Every hook's secret, or one ConfigError naming each hook whose variable is unset or empty. */
function readSecrets(hooks: Record<string, ResolvedWebhook>, env: Record<string, string | undefined>, file?: string): Map<string, string> {
  const secrets = new Map<string, string>();
  const issues: { path: string; message: string }[] = [];
  for (const hook of Object.values(hooks)) {
    const value = env[hook.secretEnv];
    if (value) secrets.set(hook.name, value);
    else issues.push({ path: `webhooks.${hook.name}.secret.env`, message: `the environment variable ${hook.secretEnv} is not set (or empty): the hook cannot verify requests` });
  }
  if (issues.length) {
    throw new ConfigError(`webhooks without their secret: ${issues.map((i) => `${i.path} (${i.message})`).join("; ")}`, {
      ...(file ? { file } : {}), issues, hint: "set each variable in serve's environment (e.g. in the systemd unit's Environment= or the container's env)",
    });
  }
  return secrets;
}

/** The request body, or "too-large" as soon as it passes `max` bytes (declared or streamed). */
async function readCapped(req: Request, max: number): Promise<Uint8Array | "too-large"> {
  const declared = Number(req.headers.get("content-length") ?? NaN);
  if (declared > max) return "too-large";
  if (!req.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of req.body) {
    size += chunk.byteLength;
    if (size > max) return "too-large";
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The decoded path segment; a malformed escape is kept as it is (it then names no hook: 404). */
function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function text(status: number, body: string): Response {
  return new Response(`${body}\n`, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
}
