/**
 * `nlp serve` / `serve(model, options)`: one warm text classifier over HTTP in Hugging Face
 * text-embeddings-inference's (TEI) API: its routes, JSON shapes, error bodies and status codes, so existing TEI
 * clients work unchanged. Differences from TEI are listed in docs/serve.md (truncate defaults to true, as the CLI).
 * node:http only: the routes are few and fixed, and a framework would add a dependency for a table lookup.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { UsageError } from "../errors.js";
import { applyFunction, type ScoreFunction } from "../engine/postprocess.js";
import { OffsetAligner } from "../engine/offsets.js";
import type { Encoded, TextTokenizer } from "../engine/tokenizer.js";
import type { Bundle } from "../model/bundle.js";
import type { ScoredItem, ScoreStreamOptions } from "../tasks/classify/documents.js";
import { VERSION } from "../version.js";
import { Batcher } from "./batcher.js";
import { bearerCheck } from "./auth.js";
import { ServerMetrics } from "./metrics.js";

/** What the server needs of a model: TextClassifier's public surface (tests wrap one to make it fail). */
export interface ServableClassifier {
  readonly labels: string[];
  readonly function: ScoreFunction;
  readonly tokenizer: Pick<TextTokenizer, "encode" | "encodePairLongestFirst" | "maxLength" | "contentTokens" | "withSpecials" | "tokenToId" | "specialsAround" | "normalize">;
  readonly bundle: Pick<Bundle, "tokenizerJson" | "configJson" | "variant" | "dir">;
  scoreStream<T>(items: AsyncIterable<T> | Iterable<T>, textOf: (item: T) => string, opts?: ScoreStreamOptions<T>): AsyncGenerator<ScoredItem<T>>;
}

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
  /** worker processes under the model (reported in /info) */
  workers?: number;
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
  /** stops accepting, answers what is in flight (up to the grace period), then resolves */
  close(): Promise<void>;
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

/** TEI's error_type values, and ours for what TEI answers without a body. */
type ErrorType = "Unhealthy" | "Backend" | "Overloaded" | "Validation" | "Tokenizer" | "Empty" | "Unauthorized" | "NotFound" | "MethodNotAllowed" | "PayloadTooLarge";

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errorType: ErrorType,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const validation = (message: string) => new HttpError(422, message, "Validation");

type Sequence = [string] | [string, string];

/** TEI's PredictInput: "a", ["a"], ["a", "b"] (one pair), or a batch [["a"], ["a", "b"], …]. */
export function parsePredictInputs(inputs: unknown): { batch: boolean; seqs: Sequence[] } {
  const expecting = "expected a string, a pair of strings [string, string] or a batch of mixed strings and pairs [[string], [string, string], ...]";
  if (typeof inputs === "string") return { batch: false, seqs: [[inputs]] };
  if (!Array.isArray(inputs)) throw validation(`\`inputs\`: invalid type, ${expecting}`);
  if (inputs.length === 0) throw validation(`\`inputs\`: invalid length 0, ${expecting}`);
  if (typeof inputs[0] === "string") {
    if (inputs.length > 2) throw validation(`\`inputs\`: invalid length ${inputs.length}, ${expecting}`);
    if (!inputs.every((s) => typeof s === "string")) throw validation(`\`inputs\`: invalid type, ${expecting}`);
    return { batch: false, seqs: [inputs as Sequence] };
  }
  const seqs = inputs.map((s: unknown, i) => {
    if (!Array.isArray(s) || !s.every((x) => typeof x === "string")) throw validation(`\`inputs[${i}]\`: invalid type, ${expecting}`);
    if (s.length < 1 || s.length > 2) throw validation(`\`inputs[${i}]\`: invalid length ${s.length}, ${expecting}`);
    return s as Sequence;
  });
  return { batch: true, seqs };
}

function optionalBool(body: Record<string, unknown>, key: string): boolean | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean") throw validation(`\`${key}\`: invalid type, expected a boolean`);
  return v;
}

/** UTF-8 byte offset of each code point index (TEI's /tokenize gives byte offsets, as Rust slices strings). */
function byteOffsets(text: string): number[] {
  const out = [0];
  let b = 0;
  for (const c of text) {
    const cp = c.codePointAt(0)!;
    b += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    out.push(b);
  }
  return out;
}

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
export async function serve(model: ServableClassifier, options: ServeOptions = {}): Promise<ServerHandle> {
  const o = { ...SERVE_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as typeof SERVE_DEFAULTS & ServeOptions;
  checkLimits(o);
  const tk = model.tokenizer;
  const maxLength = tk.maxLength;
  const authorized = o.apiKey !== undefined ? bearerCheck(o.apiKey) : undefined;
  const modelId = o.modelId ?? model.bundle.dir;
  let ready = false;
  let stopping = false;
  let active = 0;

  const runList = async (rows: Encoded[]): Promise<Float32Array[]> => {
    const out: Float32Array[] = [];
    for await (const s of model.scoreStream(rows, () => "", { encode: (r) => r })) out.push(s.logits);
    return out;
  };
  const metrics = new ServerMetrics(
    () => batcher.depth,
    () => active,
  );
  const batcher = new Batcher(runList, {
    maxBatchTokens: o.maxBatchTokens,
    onList: (size, seconds, failed) => {
      metrics.batchSize.observe(size);
      metrics.inferenceSeconds.observe(seconds);
      if (failed) metrics.inferenceFailures++;
    },
  });

  const id2label = Object.fromEntries(model.labels.map((l, i) => [String(i), l]));
  const label2id = Object.fromEntries(model.labels.map((l, i) => [l, i]));
  const info = {
    model_id: modelId,
    model_sha: null,
    model_dtype: model.bundle.variant,
    served_model_name: modelId,
    model_type: { classifier: { id2label, label2id } },
    max_concurrent_requests: o.maxConcurrentRequests,
    max_input_length: maxLength,
    max_batch_tokens: o.maxBatchTokens,
    max_batch_requests: null,
    max_client_batch_size: o.maxClientBatchSize,
    auto_truncate: true,
    tokenization_workers: 1,
    version: VERSION,
    sha: null,
    docker_label: null,
    // nlp's additions (TEI clients ignore unknown fields)
    task: "text-classification",
    labels: model.labels,
    variant: model.bundle.variant,
    function: model.function,
    workers: o.workers ?? 1,
  };

  let aligner: OffsetAligner | undefined;
  const tokenizeOne = (text: string, specials: boolean) => {
    const content = tk.contentTokens(text);
    const enc = specials ? tk.withSpecials(content, content.length) : { tokens: content, ids: content.map((t) => tk.tokenToId(t) ?? -1) };
    const [lead] = specials ? tk.specialsAround() : [0];
    let offsets: [number, number][] | undefined;
    try {
      aligner ??= OffsetAligner.fromTokenizerJson(model.bundle.tokenizerJson, (s) => tk.normalize(s));
      offsets = aligner.offsets(text, content);
    } catch {
      offsets = undefined; // a tokenizer the aligner does not model: tokens without offsets rather than a failed request
    }
    const bytes = byteOffsets(text);
    const buf = Buffer.from(text, "utf8");
    return enc.tokens.map((token, i) => {
      const k = i - lead;
      const special = k < 0 || k >= content.length;
      const off = !special ? offsets?.[k] : undefined;
      if (!off || off[0] < 0) return { id: enc.ids[i], text: token, special, start: null, stop: null };
      const [start, stop] = [bytes[off[0]], bytes[off[1]]];
      return { id: enc.ids[i], text: buf.subarray(start, stop).toString("utf8"), special, start, stop };
    });
  };

  async function predict(body: Record<string, unknown>, res: ServerResponse, note: (inputs: number, texts?: unknown) => void): Promise<unknown> {
    if (!("inputs" in body)) throw validation("missing field `inputs`");
    const { batch, seqs } = parsePredictInputs(body.inputs);
    const truncate = optionalBool(body, "truncate") ?? true;
    const raw = optionalBool(body, "raw_scores") ?? false;
    const direction = body.truncation_direction;
    if (direction !== undefined && direction !== null && !(typeof direction === "string" && /^right$/i.test(direction))) {
      throw validation("`truncation_direction`: only right is supported (the model's tokenizer truncates on the right)");
    }
    note(seqs.length, o.logInputs ? body.inputs : undefined);
    if (seqs.length > o.maxClientBatchSize) throw validation(`batch size ${seqs.length} > maximum allowed batch size ${o.maxClientBatchSize}`);
    const rows = seqs.map((s) => {
      let e: Encoded;
      try {
        e = s.length === 1 ? tk.encode(s[0]) : tk.encodePairLongestFirst(s[0], s[1]);
      } catch (err) {
        throw new HttpError(422, `tokenizer error ${(err as Error).message}`, "Tokenizer");
      }
      if (!truncate && e.fullLength > maxLength) throw validation(`Input validation error: \`inputs\` must have less than ${maxLength} tokens. Given: ${e.fullLength}`);
      return e;
    });
    if (active >= o.maxConcurrentRequests) throw new HttpError(429, "Model is overloaded", "Overloaded", { "retry-after": "1" });
    active++;
    let logits: Float32Array[];
    const t0 = performance.now();
    try {
      logits = await batcher.submit(rows);
    } catch (err) {
      throw new HttpError(424, `Backend error: ${(err as Error)?.message ?? String(err)}`, "Backend");
    } finally {
      active--;
    }
    const fn: ScoreFunction = raw ? "none" : model.function;
    const predictions = logits.map((l) => {
      const scores = applyFunction(l, fn);
      if (scores.some(Number.isNaN)) throw new HttpError(424, "score is NaN", "Backend");
      return scores.map((score, i) => ({ score, label: model.labels[i] })).sort((a, b) => b.score - a.score);
    });
    res.setHeader("x-compute-characters", String(seqs.reduce((n, s) => n + s.reduce((m, t) => m + [...t].length, 0), 0)));
    res.setHeader("x-compute-tokens", String(rows.reduce((n, r) => n + r.ids.length, 0)));
    res.setHeader("x-inference-time", String(Math.round(performance.now() - t0)));
    // which inputs were cut at the token limit (the client mode's end-of-run notice); not in TEI
    const cut = rows.flatMap((r, i) => (r.fullLength > r.ids.length ? [i] : []));
    if (cut.length > 0) res.setHeader("x-nlp-truncated", cut.join(","));
    return batch ? predictions : predictions[0];
  }

  function tokenize(body: Record<string, unknown>, note: (inputs: number, texts?: unknown) => void): unknown {
    if (!("inputs" in body)) throw validation("missing field `inputs`");
    const inputs = body.inputs;
    const specials = optionalBool(body, "add_special_tokens") ?? true;
    if (body.prompt_name !== undefined && body.prompt_name !== null) throw validation("`prompt_name`: this model has no prompts");
    let texts: string[];
    if (typeof inputs === "string") texts = [inputs];
    else if (Array.isArray(inputs) && inputs.every((t) => typeof t === "string")) {
      if (inputs.length === 0) throw new HttpError(400, "Input validation error: `inputs` cannot be empty", "Empty");
      texts = inputs;
    } else throw validation("`inputs`: invalid type, expected a string or an array of strings");
    note(texts.length, o.logInputs ? inputs : undefined);
    if (texts.length > o.maxClientBatchSize) throw validation(`batch size ${texts.length} > maximum allowed batch size ${o.maxClientBatchSize}`);
    return texts.map((t) => tokenizeOne(t, specials));
  }

  type Handler = (req: IncomingMessage, res: ServerResponse, note: (inputs: number, texts?: unknown) => void) => Promise<unknown>;
  const health: Handler = async () => {
    if (!ready || stopping) throw new HttpError(503, "unhealthy", "Unhealthy");
    return undefined;
  };
  const predictRoute: Handler = async (req, res, note) => predict(await jsonBody(req), res, note);
  /** path → method → handler; health routes need no key (TEI's "/" and "/ping" answer health too) */
  const routes: Record<string, Record<string, Handler>> = {
    "/health": { GET: health },
    "/ping": { GET: health },
    "/": { GET: health, POST: predictRoute },
    "/info": { GET: async () => info },
    "/metrics": { GET: async () => metrics.render() },
    "/predict": { POST: predictRoute },
    "/invocations": { POST: predictRoute },
    "/tokenize": { POST: async (req, _res, note) => tokenize(await jsonBody(req), note) },
  };
  const isHealth = (path: string, method: string) => routes[path]?.[method] === health;

  async function jsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
    const declared = Number(req.headers["content-length"]);
    if (declared > o.payloadLimit) throw new HttpError(413, `payload of ${declared} bytes is over the limit of ${o.payloadLimit} bytes`, "PayloadTooLarge");
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > o.payloadLimit) throw new HttpError(413, `payload over the limit of ${o.payloadLimit} bytes`, "PayloadTooLarge");
      chunks.push(chunk);
    }
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
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
    const note = (n: number, t?: unknown) => {
      inputs = n;
      texts = t;
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
      const handler = byMethod[method];
      if (!handler) throw new HttpError(405, `${method} is not allowed on ${path}; use ${Object.keys(byMethod).join(" or ")}`, "MethodNotAllowed", { allow: Object.keys(byMethod).join(", ") });
      if (authorized && !isHealth(path, method) && !authorized(req.headers.authorization)) {
        throw new HttpError(401, "missing or wrong API key: send `Authorization: Bearer <key>`", "Unauthorized", { "www-authenticate": "Bearer" });
      }
      payload = await handler(req, res, note);
    } catch (err) {
      const e = err instanceof HttpError ? err : new HttpError(500, `internal error: ${(err as Error)?.message ?? String(err)}`, "Backend");
      status = e.status;
      for (const [k, v] of Object.entries(e.headers)) res.setHeader(k, v);
      payload = { error: e.message, error_type: e.errorType };
      // the rest of an oversized body is not read: the connection cannot carry another request
      if (status === 413) res.setHeader("connection", "close");
    } finally {
      if (stopping) res.setHeader("connection", "close");
      const ms = performance.now() - t0;
      res.setHeader("x-total-time", String(Math.round(ms)));
      if (typeof payload === "string") {
        res.writeHead(status, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }).end(payload);
      } else if (payload === undefined) res.writeHead(status).end();
      else res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(payload));
      if (status === 413) req.destroy();
      metrics.request(routes[path] ? path : "other", status, ms / 1000);
      if (log) log(logLine(o.logFormat ?? "text", { method, path, status, ms, inputs, texts }));
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = o.host.includes(":") ? `[${o.host}]` : o.host;
  // warm-up: the first run pays ONNX Runtime's lazy initialisation; /health says ready only after it passed
  try {
    await runList([tk.encode("warm-up")]);
  } catch (err) {
    await new Promise((r) => server.close(r));
    throw err;
  }
  ready = true;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    close() {
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

function logLine(format: "text" | "json", r: { method: string; path: string; status: number; ms: number; inputs?: number; texts?: unknown }): string {
  const time = new Date().toISOString();
  if (format === "json") return JSON.stringify({ time, ...r, ms: Math.round(r.ms * 10) / 10, ...(r.texts === undefined ? { texts: undefined } : {}) });
  return `${time} ${r.method} ${r.path} ${r.status} ${r.ms.toFixed(1)}ms${r.inputs !== undefined ? ` inputs=${r.inputs}` : ""}${r.texts !== undefined ? ` texts=${JSON.stringify(r.texts)}` : ""}`;
}
