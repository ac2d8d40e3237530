/**
 * The client side of `nlp serve`: a text classifier whose model runs in a server (`nlp classify --server URL`).
 * It has the scoreStream of a local TextClassifier, so the CLI's one orchestration, formats, order and exit
 * codes stay the same: texts go out in windows of `batchSize` (one request each, one in flight while the next
 * window is read: bounded memory), raw logits come back in TEI's shape, and the score function is applied here,
 * as the local path applies it, so --function works and the numbers are the local ones.
 * node:http rather than fetch: it loads in a fraction of the time, and the one-text client run is start-up bound.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
// node:https (TLS) loads only for an https:// server: the one-text client run is start-up bound
type Https = typeof import("node:https");
let https: Https | undefined;
import { InferenceError, UsageError } from "../errors.js";
import { applyFunction, type ScoreFunction } from "../engine/postprocess.js";
import { windowed } from "../engine/windowed.js";
import type { ScoredItem, ScoreStreamOptions } from "../tasks/classify/documents.js";
import type { NerOptions, NerResult } from "../tasks/ner/token-classifier.js";
import type { Entity } from "../tasks/ner/entities.js";
import type { EmbedOptions, EmbeddedItem } from "../tasks/embed/embedder.js";
import type { SimilarityFunction } from "../engine/pooling.js";

export interface RemoteOptions {
  /** sent as `Authorization: Bearer <apiKey>` */
  apiKey?: string;
  /** texts per request (default: the server's max_client_batch_size, at most 32) */
  batchSize?: number;
  /** a 429 is retried this many times, after the server's Retry-After (default 5) */
  retries?: number;
}

export interface ServerInfo {
  model_id: string;
  model_type?: { classifier?: { id2label: Record<string, string> }; token_classifier?: { id2label: Record<string, string> } };
  max_input_length: number;
  max_client_batch_size: number;
  function?: ScoreFunction;
  task?: string;
  variant: string;
  normalize_module?: boolean;
  similarity_fn_name?: string;
}

const DEFAULT_BATCH = 32;

function unsupported(what: string): never {
  throw new UsageError(`${what} needs the model in this process: drop --server (or unset NLP_SERVER) to run it locally`);
}

/** The connection broke after the server began its answer (it was reached: say so, not "cannot reach"). */
class CutMidAnswer extends Error {
  constructor(readonly error: NodeJS.ErrnoException) {
    super(error.message);
  }
}

interface Answer {
  status: number;
  headers: IncomingMessage["headers"];
  json: unknown;
}

/** One JSON request; resolves status, headers and the parsed body. */
function call(url: URL, agent: HttpAgent, method: string, path: string, apiKey: string | undefined, body?: unknown): Promise<Answer> {
  const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const request = url.protocol === "https:" ? https!.request : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path.replace(/^\//, ""), url.href.endsWith("/") ? url.href : url.href + "/"),
      {
        method,
        agent,
        headers: {
          ...(data ? { "content-type": "application/json", "content-length": String(data.length) } : {}),
          ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", (err) => reject(new CutMidAnswer(err)));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json: unknown = text;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            // a proxy's HTML error page: kept as text for the message
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, json });
        });
      },
    );
    req.on("error", reject);
    req.end(data);
  });
}

/** One server: its address, key and /info; requests with the errors a user can act on (a 429 waits for Retry-After and retries). */
export class ServerConnection {
  private constructor(
    readonly url: URL,
    private readonly agent: HttpAgent,
    private readonly apiKey: string | undefined,
    private readonly retries: number,
    readonly info: ServerInfo,
  ) {}

  /** Reads /info (and so checks the address and the key) before any text is sent. */
  static async open(server: string, opts: { apiKey?: string; retries?: number } = {}): Promise<ServerConnection> {
    let url: URL;
    try {
      url = new URL(server);
      if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("not http");
    } catch {
      throw new UsageError(`\`server\` must be an http(s) URL such as http://127.0.0.1:8080, got "${server}"`, { option: "server" });
    }
    if (url.protocol === "https:") https ??= await import("node:https");
    const agent = url.protocol === "https:" ? new https!.Agent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
    const probe = new ServerConnection(url, agent, opts.apiKey, opts.retries ?? 5, {} as ServerInfo);
    const info = (await probe.send("GET", "/info")).json as ServerInfo | undefined;
    // a proxy's page at 200, another service: refused here, not as a vague failure at the first window
    if (!info || typeof info !== "object" || !Number.isInteger(info.max_client_batch_size) || info.max_client_batch_size < 1) {
      const shown = (JSON.stringify(info) ?? "nothing").slice(0, 120);
      throw new UsageError(`${url.origin} answered GET /info with ${shown}, not the /info of an nlp serve (or TEI) server; point --server (or NLP_SERVER) at one`);
    }
    return new ServerConnection(url, agent, opts.apiKey, opts.retries ?? 5, info);
  }

  /** One request and its answer, whatever the status but 429 (waited for, after Retry-After, and retried). */
  private async answer(method: string, path: string, body?: unknown): Promise<Answer> {
    for (let attempt = 0; ; attempt++) {
      let r: Answer;
      try {
        r = await call(this.url, this.agent, method, path, this.apiKey, body);
      } catch (err) {
        const e = err instanceof CutMidAnswer ? err.error : (err as NodeJS.ErrnoException);
        const code = e.code ?? e.message;
        if (err instanceof CutMidAnswer) {
          throw new InferenceError(`the nlp server at ${this.url.origin} closed the connection in the middle of its answer to ${method} ${path} (${code}): is it stopping, or is a proxy in between timing out?`);
        }
        throw new InferenceError(`cannot reach the nlp server at ${this.url.origin} (${code}); start one with \`nlp serve -m <model>\`, or fix --server / NLP_SERVER`);
      }
      if (r.status === 429 && attempt < this.retries) {
        const wait = Math.min(10, Number(r.headers["retry-after"]) || 1);
        await new Promise((res) => setTimeout(res, wait * 1000 * (attempt + 1)));
        continue;
      }
      return r;
    }
  }

  /** What an answer other than 200 means for the user. */
  private failure(r: Answer, method: string, path: string): Error {
    const detail = r.json && typeof r.json === "object" && "error" in r.json ? String((r.json as { error: unknown }).error) : String(r.json ?? "").slice(0, 200);
    if (r.status === 401) return new InferenceError(`the nlp server at ${this.url.origin} refused the request (401): set NLP_API_KEY to the server's key`);
    // the options this command sent (--dimensions, --stride, a prompt…) are what a 422 Validation refuses: a
    // usage error (exit 2), as the local run's, not a failed run
    const type = r.json && typeof r.json === "object" && "error_type" in r.json ? (r.json as { error_type: unknown }).error_type : undefined;
    if (r.status === 422 && type === "Validation") return new UsageError(`the nlp server at ${this.url.origin} refused the options (422): ${detail}`);
    return new InferenceError(`the nlp server at ${this.url.origin} answered ${r.status} to ${method} ${path}: ${detail}`);
  }

  async send(method: string, path: string, body?: unknown): Promise<{ headers: IncomingMessage["headers"]; json: unknown }> {
    const r = await this.answer(method, path, body);
    if (r.status !== 200) throw this.failure(r, method, path);
    return r;
  }

  /**
   * POSTs a window of texts and reads one result per text. A window over the server's --payload-limit (413: long
   * texts; the limit is not in /info) goes again in halves, so the client mode takes every input the local run
   * takes; only one text over the limit by itself fails the run.
   */
  async sendTexts<R>(path: string, texts: string[], body: (texts: string[]) => Record<string, unknown>, read: (r: { headers: IncomingMessage["headers"]; json: unknown }, texts: string[]) => R[]): Promise<R[]> {
    const r = await this.answer("POST", path, body(texts));
    if (r.status === 413 && texts.length > 1) {
      const half = Math.ceil(texts.length / 2);
      return [...(await this.sendTexts(path, texts.slice(0, half), body, read)), ...(await this.sendTexts(path, texts.slice(half), body, read))];
    }
    if (r.status === 413) {
      throw new InferenceError(`a text of ${Buffer.byteLength(texts[0])} bytes is over the payload limit of the nlp server at ${this.url.origin} (413): start it with a higher --payload-limit, or shorten the text`);
    }
    if (r.status !== 200) throw this.failure(r, "POST", path);
    checkCount(r.json, texts.length, this);
    return read(r, texts);
  }

  /** Texts per request: `batchSize` (at most the server's max_client_batch_size), else that maximum capped at 32. */
  batchSize(asked: number | undefined): number {
    const max = this.info.max_client_batch_size;
    if (asked !== undefined && asked > max) {
      throw new UsageError(`\`batchSize\` ${asked} is over the server's max_client_batch_size ${max}; lower it (or start the server with a higher --max-client-batch-size)`, { option: "batchSize" });
    }
    return asked ?? Math.min(DEFAULT_BATCH, max);
  }

  /** Refuses a server of another kind, naming what it runs. */
  expect(task: string, what: string): void {
    if (this.info.task !== undefined && this.info.task !== task) {
      throw new UsageError(`${this.url.origin} serves a ${this.info.task} model (${this.info.model_id}), not ${what}; point --server (or NLP_SERVER) at an \`nlp serve\` of ${what}`);
    }
  }

  /** what a loaded model's `resolved` says, for reports (nlp eval): the server's model at its address */
  get resolved(): { ref: string; dir: string; source: string } {
    return { ref: `${this.info.model_id} at ${this.url.origin}`, dir: this.url.origin, source: "server" };
  }

  dispose(): void {
    this.agent.destroy();
  }
}

/**
 * Runs the windows of a client-mode stream: after a failed request no later window runs. windowed() still runs
 * the window it holds when one fails (made for input errors), which would write later rows after a gap; the
 * run must end at the failure instead.
 */
function stopAtFailure<W, R>(run: (win: W[]) => Promise<R[]>): (win: W[]) => Promise<R[]> {
  let failure: { err: unknown } | undefined;
  return async (win) => {
    if (failure) throw failure.err;
    return run(win).catch((err: unknown) => {
      failure ??= { err };
      throw err;
    });
  };
}

/** Which inputs of a batch the server cut at the token limit (its x-nlp-truncated header). */
function truncatedSet(headers: IncomingMessage["headers"]): Set<number> {
  return new Set(String(headers["x-nlp-truncated"] ?? "").split(",").filter(Boolean).map(Number));
}

function checkCount(json: unknown, n: number, conn: ServerConnection): asserts json is unknown[] {
  if (!Array.isArray(json) || json.length !== n) throw new InferenceError(`the nlp server at ${conn.url.origin} answered ${Array.isArray(json) ? json.length : "no"} results for ${n} texts`);
}

/** A result that is not what this kind of server answers (another server behind the same address, a proxy): never written as a row. */
function malformed(conn: ServerConnection, what: string, value: unknown): InferenceError {
  const shown = JSON.stringify(value) ?? String(value);
  return new InferenceError(`the nlp server at ${conn.url.origin} answered ${what}: ${shown.length > 120 ? shown.slice(0, 120) + "…" : shown}; is every server behind this address running the same model?`);
}

/** A text classifier running in a server: the scoreStream of a local TextClassifier (classify, eval). */
export class RemoteClassifier {
  readonly labels: string[];
  readonly function: ScoreFunction;
  readonly batchSize: number;
  /** what the CLI reads of a tokenizer; the long-document paths need the real one (see unsupported) */
  readonly tokenizer: { maxLength: number; encode(): never; encodeWindows(): never; contentBudget(): never };
  readonly bundle: { config: string; configJson: Record<string, never> };

  private constructor(
    readonly connection: ServerConnection,
    opts: RemoteOptions,
  ) {
    const info = connection.info;
    connection.expect("text-classification", "a text classifier");
    const id2label = info.model_type?.classifier?.id2label;
    if (!id2label) throw new UsageError(`${connection.url.origin} serves no text-classification model; point --server at an \`nlp serve\` of a classifier`);
    this.labels = Object.keys(id2label)
      .sort((a, b) => Number(a) - Number(b))
      .map((k) => id2label[k]);
    this.function = info.function ?? (this.labels.length === 1 ? "sigmoid" : "softmax");
    this.batchSize = connection.batchSize(opts.batchSize);
    this.tokenizer = {
      maxLength: info.max_input_length,
      encode: () => unsupported("tokenizing"),
      encodeWindows: () => unsupported("--long chunk"),
      contentBudget: () => unsupported("--long, --level and --labels"),
    };
    this.bundle = { config: `${connection.url.origin}/info`, configJson: {} };
  }

  /** Connects to a server: reads /info (and so checks the key) before any text is sent. */
  static async connect(server: string, opts: RemoteOptions = {}): Promise<RemoteClassifier> {
    return new RemoteClassifier(await ServerConnection.open(server, opts), opts);
  }

  get info(): ServerInfo {
    return this.connection.info;
  }

  get resolved(): { ref: string; dir: string; source: string } {
    return this.connection.resolved;
  }

  /** Raw logits of each text, in order, from one /predict request. */
  async logitsFor(texts: readonly string[]): Promise<{ logits: Float32Array; truncated: boolean }[]> {
    const index = new Map(this.labels.map((l, i) => [l, i]));
    const body = (win: string[]) => ({ inputs: win.map((t) => [t]), raw_scores: true, truncate: true });
    return this.connection.sendTexts("/predict", [...texts], body, ({ headers, json }) => {
      const cut = truncatedSet(headers);
      return (json as unknown[]).map((preds, i) => {
        // every label of /info exactly once, with a number: anything else would be written as made-up scores
        const logits = new Float32Array(this.labels.length).fill(NaN);
        const fits =
          Array.isArray(preds) &&
          preds.length === this.labels.length &&
          preds.every((p: { label?: unknown; score?: unknown } | null) => {
            const k = typeof p?.label === "string" ? index.get(p.label) : undefined;
            if (k === undefined || typeof p!.score !== "number" || !Number.isNaN(logits[k])) return false;
            logits[k] = p!.score;
            return true;
          });
        if (!fits) throw malformed(this.connection, `a prediction that does not fit its /info (labels ${this.labels.join(", ")})`, preds);
        return { logits, truncated: cut.has(i) };
      });
    });
  }

  /** As TextClassifier.scoreStream: input order, bounded memory (one request in flight while the next window is read). */
  async *scoreStream<T>(items: AsyncIterable<T> | Iterable<T>, textOf: (item: T) => string, opts: ScoreStreamOptions<T> = {}): AsyncGenerator<ScoredItem<T>> {
    if (opts.row) unsupported("pre-encoded inputs");
    const fn = opts.function ?? this.function;
    const run = stopAtFailure(async (win: T[]): Promise<ScoredItem<T>[]> => {
      const out = await this.logitsFor(win.map(textOf));
      return win.map((item, i) => {
        // the server tokenized the text: only whether it was cut travels back (for the end-of-run notice)
        return { item, logits: out[i].logits, scores: applyFunction(out[i].logits, fn), truncated: out[i].truncated };
      });
    });
    yield* windowed(items, (item) => item, run, { windowSize: opts.batchSize ?? this.batchSize });
  }

  async dispose(): Promise<void> {
    this.connection.dispose();
  }
}

/** A token classifier running in a server: the nerStream of a local TokenClassifier (nlp ner). */
export class RemoteTokenClassifier {
  readonly labels: string[];
  readonly batchSize: number;
  readonly tokenizer: { maxLength: number };

  private constructor(
    readonly connection: ServerConnection,
    opts: RemoteOptions,
  ) {
    connection.expect("token-classification", "a token classifier");
    const id2label = connection.info.model_type?.token_classifier?.id2label ?? {};
    this.labels = Object.keys(id2label)
      .sort((a, b) => Number(a) - Number(b))
      .map((k) => id2label[k]);
    this.batchSize = connection.batchSize(opts.batchSize);
    this.tokenizer = { maxLength: connection.info.max_input_length };
  }

  static async connect(server: string, opts: RemoteOptions = {}): Promise<RemoteTokenClassifier> {
    return new RemoteTokenClassifier(await ServerConnection.open(server, opts), opts);
  }

  get resolved(): { ref: string; dir: string; source: string } {
    return this.connection.resolved;
  }

  /** As TokenClassifier.nerStream: the server applies every option, so the entities are the local ones. */
  async *nerStream<T>(items: AsyncIterable<T> | Iterable<T>, textOf: (item: T) => string, opts: NerOptions = {}): AsyncGenerator<NerResult<T>> {
    const body = { aggregation_strategy: opts.aggregation ?? "simple", ignore_labels: opts.ignoreLabels, stride: opts.stride, threshold: opts.threshold, offsets: opts.offsets, truncate: true };
    const run = stopAtFailure(async (win: T[]): Promise<NerResult<T>[]> => {
      const texts = win.map(textOf);
      const results = await this.connection.sendTexts("/ner", texts, (inputs) => ({ ...body, inputs }), ({ headers, json }) => {
        const cut = truncatedSet(headers);
        return (json as unknown[]).map((entities) => {
          if (!Array.isArray(entities) || !entities.every((e) => e !== null && typeof e === "object")) throw malformed(this.connection, "entities that are not a list of objects", entities);
          return entities as Entity[];
        }).map((entities, i) => ({ entities, truncated: cut.has(i) }));
      });
      return win.map((item, i) => ({ item, text: texts[i], ...results[i] }));
    });
    yield* windowed(items, (item) => item, run, { windowSize: opts.batchSize ?? this.batchSize });
  }

  async dispose(): Promise<void> {
    this.connection.dispose();
  }
}

/** A sentence embedder running in a server: the embedStream of a local TextEmbedder (nlp embed). */
export class RemoteEmbedder {
  readonly batchSize: number;
  readonly bundle: { dir: string; variant: string };
  readonly config: { normalize: boolean };
  readonly similarityFn: SimilarityFunction;

  private constructor(
    readonly connection: ServerConnection,
    opts: RemoteOptions,
  ) {
    connection.expect("feature-extraction", "an embedding model");
    const info = connection.info;
    this.batchSize = connection.batchSize(opts.batchSize);
    this.bundle = { dir: connection.url.origin, variant: info.variant };
    this.config = { normalize: Boolean(info.normalize_module) };
    this.similarityFn = (info.similarity_fn_name ?? "cosine") as SimilarityFunction;
  }

  static async connect(server: string, opts: RemoteOptions = {}): Promise<RemoteEmbedder> {
    return new RemoteEmbedder(await ServerConnection.open(server, opts), opts);
  }

  get resolved(): { ref: string; dir: string; source: string } {
    return this.connection.resolved;
  }

  private static body(opts: Pick<EmbedOptions, "prompt" | "promptName" | "role">): Record<string, unknown> {
    return { prompt_name: opts.promptName, prompt: opts.prompt, role: opts.role };
  }

  /** The prompt the server puts before each text, resolved by the server's model (a wrong name: exit 2 before any input). */
  async promptFor(opts: Pick<EmbedOptions, "prompt" | "promptName" | "role"> = {}): Promise<string> {
    // the server refusing the prompt options (422) is a usage error here, as locally (ServerConnection.send)
    return ((await this.connection.send("POST", "/prompt", RemoteEmbedder.body(opts))).json as { prompt: string }).prompt;
  }

  /** As TextEmbedder.embedStream: input order, bounded memory; the model's Normalize module decides unless `normalize` is given, as locally. */
  async *embedStream<T = string>(items: AsyncIterable<T> | Iterable<T>, opts: EmbedOptions & { textOf?: (item: T) => string } = {}): AsyncGenerator<EmbeddedItem<T>> {
    const textOf = opts.textOf ?? ((item: T) => String(item));
    const body = { ...RemoteEmbedder.body(opts), normalize: opts.normalize ?? this.config.normalize, dimensions: opts.dimensions, truncate: true };
    const run = stopAtFailure(async (win: T[]): Promise<EmbeddedItem<T>[]> => {
      const vectors = await this.connection.sendTexts("/embed", win.map(textOf), (inputs) => ({ ...body, inputs }), ({ json }) =>
        (json as unknown[]).map((v) => {
          if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === "number")) throw malformed(this.connection, "an embedding that is not a list of numbers", v);
          // the server writes each float32 as its shortest decimal: Float32Array gets the very values back
          return Float32Array.from(v as number[]);
        }),
      );
      return win.map((item, i) => ({ item, embedding: vectors[i], tokens: 0 }));
    });
    yield* windowed(items, (item) => item, run, { windowSize: opts.batchSize ?? this.batchSize });
  }

  async dispose(): Promise<void> {
    this.connection.dispose();
  }
}
