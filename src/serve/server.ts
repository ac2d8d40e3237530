/**
 * `nlp serve` / `serve(model, options)`: one warm text classifier over HTTP in Hugging Face
 * text-embeddings-inference's (TEI) API: its routes, JSON shapes, error bodies and status codes, so existing TEI
 * clients work unchanged. Differences from TEI are listed in docs/serve.md (truncate defaults to true, as the CLI).
 * node:http only: the routes are few and fixed, and a framework would add a dependency for a table lookup.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { UsageError } from "../errors.js";
import { VERSION } from "../version.js";
import { bearerCheck } from "./auth.js";
import { HttpError, validation, type RouteContext } from "./http.js";
import { ServerMetrics } from "./metrics.js";
import { routesFor, type ServableModel } from "./tasks.js";

export type { ServableClassifier, ServableEmbedder, ServableTokenClassifier, ServableModel } from "./tasks.js";

export interface ServeOptions {
  /** address to bind (default 127.0.0.1: loopback only) */
  host?: string;
  /** port (default 8080; 0 = any free port, see the returned url) */
  port?: number;
  /** tokens per list handed to the model across requests (TEI's --max-batch-tokens; default 16384) */
  maxBatchTokens?: number;
  /** inputs per request (TEI's --max-client-batch-size; default 32) */
  maxClientBatchSize?: number;
  /** requests admitted at once; more get 429 (TEI's --max-concurrent-requests; default 512) */
  maxConcurrentRequests?: number;
  /** request body bytes; more get 413 (TEI's --payload-limit; default 2,000,000) */
  payloadLimit?: number;
  /** require `Authorization: Bearer <apiKey>` on every route but /health */
  apiKey?: string;
  /** origins allowed by CORS ("*" for any); none: no CORS headers */
  corsOrigins?: string[];
  /** the model's name in /info (default: its folder) */
  modelId?: string;
  /** one line per request (no texts unless `logInputs`) */
  log?: (line: string) => void;
  logFormat?: "text" | "json";
  logInputs?: boolean;
  /** on close(): how long requests in flight may take before their connections are cut (default 30 s) */
  gracePeriodMs?: number;
}

export interface ServerHandle {
  /** http://host:port */
  readonly url: string;
  readonly port: number;
  /** stops accepting, answers what is in flight (up to the grace period; `force`: none), then resolves */
  close(opts?: { force?: boolean }): Promise<void>;
}

export const SERVE_DEFAULTS = {
  host: "127.0.0.1",
  port: 8080,
  maxBatchTokens: 16384,
  maxClientBatchSize: 32,
  maxConcurrentRequests: 512,
  payloadLimit: 2_000_000,
  gracePeriodMs: 30_000,
} as const;

function checkLimits(o: Required<Pick<ServeOptions, "maxBatchTokens" | "maxClientBatchSize" | "maxConcurrentRequests" | "payloadLimit" | "port">>): void {
  for (const k of ["maxBatchTokens", "maxClientBatchSize", "maxConcurrentRequests", "payloadLimit"] as const) {
    if (!Number.isInteger(o[k]) || o[k] < 1) throw new UsageError(`\`${k}\` must be a positive integer, got ${o[k]}`, { option: k });
  }
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) throw new UsageError(`\`port\` must be an integer from 0 to 65535, got ${o.port}`, { option: "port" });
}

/**
 * Serves `model` over HTTP until close(); resolves once it listens and a warm-up inference passed (GET /health
 * answers 200 from then on).
 *
 *   const server = await serve(await load("en.classify.sentiment.tiny"), { port: 0 });
 *   await fetch(`${server.url}/predict`, { method: "POST", body: JSON.stringify({ inputs: "great" }) });
 */
export async function serve(model: ServableModel, options: ServeOptions = {}): Promise<ServerHandle> {
  // the sessions are the model's own pool (load(ref, { workers })); an option here could only be ignored
  if ((options as { workers?: unknown }).workers !== undefined) {
    throw new UsageError("`workers` is not a serve() option: the model's own pool runs the sessions; pass it to load(ref, { workers }) instead", { option: "workers" });
  }
  const o = { ...SERVE_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as typeof SERVE_DEFAULTS & ServeOptions;
  checkLimits(o);
  // from JavaScript these can arrive as other types: one string would make the origin check a substring match
  // ("https://app.example.com".includes("https://app.example.co")), an empty key a key anyone can send
  if (o.corsOrigins !== undefined && !(Array.isArray(o.corsOrigins) && o.corsOrigins.every((c) => typeof c === "string"))) {
    throw new UsageError(`\`corsOrigins\` must be an array of origins, e.g. ["https://app.example.com"], got ${JSON.stringify(o.corsOrigins)}`, { option: "corsOrigins" });
  }
  // called on every request: anything else would throw there and take the process down
  if (o.log !== undefined && typeof o.log !== "function") throw new UsageError("`log` must be a function taking one line, e.g. (line) => console.error(line)", { option: "log" });
  if (o.logFormat !== undefined && o.logFormat !== "text" && o.logFormat !== "json") throw new UsageError(`\`logFormat\` must be text or json, got ${JSON.stringify(o.logFormat)}`, { option: "logFormat" });
  if (o.apiKey !== undefined && (typeof o.apiKey !== "string" || o.apiKey === "")) {
    throw new UsageError("`apiKey` must be a non-empty string (leave it out to serve without a key)", { option: "apiKey" });
  }
  const authorized = o.apiKey !== undefined ? bearerCheck(o.apiKey) : undefined;
  const modelId = o.modelId ?? model.bundle.dir;
  let ready = false;
  let stopping = false;
  let active = 0;

  const admission = {
    admit() {
      if (active >= o.maxConcurrentRequests) throw new HttpError(429, "Model is overloaded", "Overloaded", { "retry-after": "1" });
      active++;
      return () => void active--;
    },
  };
  const metrics = new ServerMetrics(
    () => task.batcher.depth,
    () => active,
  );
  const sessions = (model as { workers?: number }).workers ?? 1;
  const task = routesFor(
    model,
    {
      maxBatchTokens: o.maxBatchTokens,
      // as many lists as the model has sessions (its worker pool): two lists on one session fight over its
      // threads (measured: 0.65x the throughput of one)
      maxInFlight: sessions,
      onList: (size, seconds, error) => {
        metrics.batchSize.observe(size);
        metrics.inferenceSeconds.observe(seconds);
        // an option the model refuses once it runs (dimensions over its own, a stride its window cannot hold) is
        // the requests' 422, not a model failure
        if (error !== undefined && !(error instanceof UsageError)) metrics.inferenceFailures++;
      },
    },
    admission,
  );

  const info = {
    model_id: modelId,
    model_sha: null,
    model_dtype: model.bundle.variant,
    served_model_name: modelId,
    model_type: task.modelType,
    max_concurrent_requests: o.maxConcurrentRequests,
    max_input_length: task.maxInputLength,
    max_batch_tokens: o.maxBatchTokens,
    max_batch_requests: null,
    max_client_batch_size: o.maxClientBatchSize,
    auto_truncate: true,
    tokenization_workers: 1,
    version: VERSION,
    sha: null,
    docker_label: null,
    // nlp's additions (TEI clients ignore unknown fields)
    task: task.task,
    variant: model.bundle.variant,
    workers: sessions,
    ...task.extraInfo,
  };

  type Handler = (req: IncomingMessage, ctx: RouteContext) => Promise<unknown>;
  const health: Handler = async () => {
    if (!ready || stopping) throw new HttpError(503, "unhealthy", "Unhealthy");
    return undefined;
  };
  const post = (route: (body: Record<string, unknown>, ctx: RouteContext) => Promise<unknown>): Handler => async (req, ctx) => route(await jsonBody(req), ctx);
  const refuse = (message: string): Handler => async () => {
    throw new HttpError(424, message, "Backend");
  };
  /** path → method → handler; health routes need no key (TEI's "/" and "/ping" answer health too) */
  const routes: Record<string, Record<string, Handler>> = {
    "/health": { GET: health },
    "/ping": { GET: health },
    "/": { GET: health, POST: post(task.routes[task.primary]) },
    "/invocations": { POST: post(task.routes[task.primary]) },
    "/info": { GET: async () => info },
    "/metrics": { GET: async () => metrics.render() },
  };
  for (const [path, message] of Object.entries(task.refused)) routes[path] = { POST: refuse(message) };
  for (const [path, route] of Object.entries(task.routes)) routes[path] = { POST: post(route) };
  // HEAD is GET without the body (node drops it), as HTTP wants of every server and TEI's router does: `curl -I`
  // and load balancers' checks must not meet a 405
  const handlerOf = (byMethod: Record<string, Handler>, method: string): Handler | undefined => byMethod[method] ?? (method === "HEAD" ? byMethod.GET : undefined);
  const allowed = (byMethod: Record<string, Handler>): string[] => Object.keys(byMethod).flatMap((m) => (m === "GET" ? ["GET", "HEAD"] : [m]));

  async function jsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
    const declared = Number(req.headers["content-length"]);
    if (declared > o.payloadLimit) throw new HttpError(413, `payload of ${declared} bytes is over the limit of ${o.payloadLimit} bytes`, "PayloadTooLarge");
    const bytes = await readBody(req, o.payloadLimit);
    let text: string;
    try {
      // fatal: bytes that are not UTF-8 would otherwise become U+FFFD, and the model would score another text
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      throw new HttpError(400, "the request body is not valid UTF-8: send JSON encoded as UTF-8", "Validation");
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (err) {
      throw new HttpError(400, `Failed to parse the request body as JSON: ${(err as Error).message}`, "Validation");
    }
    if (!body || typeof body !== "object" || Array.isArray(body)) throw validation("the request body must be a JSON object");
    return body as Record<string, unknown>;
  }

  const cors = o.corsOrigins;
  const log = o.log;
  const server: Server = createServer({ keepAliveTimeout: 65_000 }, async (req, res) => {
    const t0 = performance.now();
    const method = req.method ?? "GET";
    const path = (req.url ?? "/").split("?")[0];
    let inputs: number | undefined;
    let texts: unknown;
    const ctx: RouteContext = {
      res,
      note: (n, t) => {
        inputs = n;
        texts = t;
      },
      maxClientBatchSize: o.maxClientBatchSize,
      logInputs: Boolean(o.logInputs),
    };
    let status = 200;
    let payload: unknown;
    try {
      if (cors && typeof req.headers.origin === "string" && (cors.includes("*") || cors.includes(req.headers.origin))) {
        res.setHeader("access-control-allow-origin", cors.includes("*") ? "*" : req.headers.origin);
        res.setHeader("vary", "Origin");
        if (method === "OPTIONS") {
          res.setHeader("access-control-allow-methods", "GET, POST");
          res.setHeader("access-control-allow-headers", "content-type, authorization");
          status = 204;
          return;
        }
      }
      const byMethod = routes[path];
      if (!byMethod) throw new HttpError(404, `no route ${path}`, "NotFound");
      const handler = handlerOf(byMethod, method);
      if (!handler) throw new HttpError(405, `${method} is not allowed on ${path}; use ${allowed(byMethod).join(" or ")}`, "MethodNotAllowed", { allow: allowed(byMethod).join(", ") });
      if (authorized && handler !== health && !authorized(req.headers.authorization)) {
        throw new HttpError(401, "missing or wrong API key: send `Authorization: Bearer <key>`", "Unauthorized", { "www-authenticate": "Bearer" });
      }
      payload = await handler(req, ctx);
    } catch (err) {
      const e = err instanceof HttpError ? err : new HttpError(500, `internal error: ${(err as Error)?.message ?? String(err)}`, "Backend");
      status = e.status;
      for (const [k, v] of Object.entries(e.headers)) res.setHeader(k, v);
      payload = { error: e.message, error_type: e.errorType };
    } finally {
      if (stopping) res.setHeader("connection", "close");
      const ms = performance.now() - t0;
      res.setHeader("x-total-time", String(Math.round(ms)));
      if (typeof payload === "string") {
        res.writeHead(status, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }).end(payload);
      } else if (payload === undefined) res.writeHead(status).end();
      else res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(payload));
      // the rest of an oversized body is read and dropped (node does, once the answer is out) so the client reads
      // its 413: closing on a client still sending resets its connection, and its kernel drops the answer. A
      // client still sending after LINGER_MS is cut.
      if (status === 413 && !req.complete) {
        const cut = setTimeout(() => req.destroy(), LINGER_MS).unref();
        req.once("close", () => clearTimeout(cut)).once("end", () => clearTimeout(cut));
      }

      metrics.request(routes[path] ? path : "other", status, ms / 1000);
      if (log) log(logLine(o.logFormat ?? "text", { method, path, status, ms, inputs, texts }));
    }
  });

  await new Promise<void>((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException) => reject(listenError(err, o.host, o.port));
    server.once("error", failed);
    server.listen(o.port, o.host, () => {
      server.off("error", failed);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = o.host.includes(":") ? `[${o.host}]` : o.host;
  // warm-up: the first run pays ONNX Runtime's lazy initialisation; /health says ready only after it passed
  try {
    await task.warmUp();
  } catch (err) {
    await new Promise((r) => server.close(r));
    throw err;
  }
  ready = true;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    close(opts = {}) {
      if (opts.force) server.closeAllConnections();
      closing ??= new Promise<void>((resolve) => {
        stopping = true;
        const timer = setTimeout(() => server.closeAllConnections(), o.gracePeriodMs);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}

/** How long a client may go on sending a body over the payload limit after its 413 (see the request handler). */
const LINGER_MS = 5_000;

/**
 * The request body, up to `limit` bytes; over it, a 413 at once, and the rest flows on into no listener (dropped).
 * Events rather than `for await`: leaving that loop early destroys the request, and so the socket, before the
 * 413 is written.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (err?: HttpError) => {
      req.off("data", onData).off("end", onEnd).off("close", onClose);
      if (err) reject(err);
      else resolve(Buffer.concat(chunks));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) done(new HttpError(413, `payload over the limit of ${limit} bytes`, "PayloadTooLarge"));
      else chunks.push(chunk);
    };
    const onEnd = () => done();
    // the client hung up mid-body: nginx's 499 in the log and /metrics, not a server error (5xx alerts)
    const onClose = () => done(new HttpError(499, "the client closed the connection before its request body arrived", "ClientClosed"));
    // an error is followed by close; without a listener it would be thrown
    req.on("error", () => undefined);
    req.on("data", onData).on("end", onEnd).on("close", onClose);
  });
}

/** What a failed bind means for the one who chose `host` and `port` (a busy port is the common one). */
function listenError(err: NodeJS.ErrnoException, host: string, port: number): Error {
  const at = `${host.includes(":") ? `[${host}]` : host}:${port}`;
  switch (err.code) {
    case "EADDRINUSE":
      return new UsageError(`port ${port} on ${host} is already in use (another server?): choose another \`port\`, or 0 for any free one`, { option: "port", cause: err });
    case "EACCES":
      return new UsageError(`cannot listen on ${at}: ports below 1024 need privileges; choose another \`port\``, { option: "port", cause: err });
    case "EADDRNOTAVAIL":
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return new UsageError(`cannot listen on ${at}: \`host\` is not an address of this machine (${err.code}); use 127.0.0.1, 0.0.0.0 or one of its addresses`, { option: "host", cause: err });
    default:
      return err;
  }
}

function logLine(format: "text" | "json", r: { method: string; path: string; status: number; ms: number; inputs?: number; texts?: unknown }): string {
  const time = new Date().toISOString();
  if (format === "json") return JSON.stringify({ time, ...r, ms: Math.round(r.ms * 10) / 10, ...(r.texts === undefined ? { texts: undefined } : {}) });
  return `${time} ${r.method} ${r.path} ${r.status} ${r.ms.toFixed(1)}ms${r.inputs !== undefined ? ` inputs=${r.inputs}` : ""}${r.texts !== undefined ? ` texts=${JSON.stringify(r.texts)}` : ""}`;
}
