/**
 * The routes of each kind of model `nlp serve` runs, in TEI's shapes: a text classifier (/predict, /tokenize),
 * a sentence embedder (/embed, /tokenize) and a token classifier (/ner: TEI has no such route; the body follows
 * TEI's conventions and the answer is transformers' token-classification pipeline output, as `nlp ner`).
 * Each route validates and tokenizes on arrival (so a bad request is a 4xx, never a failed batch), then hands
 * its inputs to the shared cross-request batcher.
 */
import { UsageError } from "../errors.js";
import { applyFunction, type ScoreFunction } from "../engine/postprocess.js";
import { OffsetAligner } from "../engine/offsets.js";
import { float32Number } from "../engine/pooling.js";
import type { Encoded, TextTokenizer } from "../engine/tokenizer.js";
import type { Bundle } from "../model/bundle.js";
import { tokenRow, type ScoredItem, type ScoreStreamOptions } from "../tasks/classify/documents.js";
import type { EmbedOptions, EmbeddedItem } from "../tasks/embed/embedder.js";
import type { NerOptions, NerResult } from "../tasks/ner/token-classifier.js";
import { AGGREGATION_STRATEGIES, type AggregationStrategy, type Entity } from "../tasks/ner/entities.js";
import { OFFSET_UNITS, type OffsetUnit } from "../engine/offset-units.js";
import { Batcher, type BatcherOptions } from "./batcher.js";
import { checkBatchSize, checkTruncationDirection, HttpError, optionalBool, optionalInt, textInputs, validation, type RouteContext } from "./http.js";

type TokenizerPart = Pick<TextTokenizer, "encode" | "maxLength" | "contentTokens" | "withSpecials" | "tokenToId" | "specialsAround" | "normalize">;

/** What the server needs of a text classifier: TextClassifier's public surface (tests wrap one to make it fail). */
export interface ServableClassifier {
  readonly labels: string[];
  readonly function: ScoreFunction;
  readonly tokenizer: TokenizerPart & Pick<TextTokenizer, "encodePairLongestFirst">;
  readonly bundle: Pick<Bundle, "tokenizerJson" | "configJson" | "variant" | "dir">;
  scoreStream<T>(items: AsyncIterable<T> | Iterable<T>, textOf: (item: T) => string, opts?: ScoreStreamOptions<T>): AsyncGenerator<ScoredItem<T>>;
}

/** TextEmbedder's public surface. */
export interface ServableEmbedder {
  readonly maxSeqLength: number;
  readonly tokenizer: TokenizerPart;
  readonly bundle: Pick<Bundle, "tokenizerJson" | "variant" | "dir">;
  readonly info: { pooling: string; normalize: boolean; similarityFn: string };
  promptFor(opts?: Pick<EmbedOptions, "prompt" | "promptName" | "role">): string;
  encode(text: string, opts?: Pick<EmbedOptions, "prompt" | "promptName">): Encoded;
  embedStream<T = string>(items: AsyncIterable<T> | Iterable<T>, opts?: EmbedOptions & { textOf?: (item: T) => string }): AsyncGenerator<EmbeddedItem<T>>;
}

/** TokenClassifier's public surface. */
export interface ServableTokenClassifier {
  readonly labels: string[];
  readonly tokenizer: TokenizerPart;
  readonly bundle: Pick<Bundle, "tokenizerJson" | "variant" | "dir">;
  nerStream<T>(items: AsyncIterable<T> | Iterable<T>, textOf: (item: T) => string, opts?: NerOptions): AsyncGenerator<NerResult<T>>;
}

export type ServableModel = ServableClassifier | ServableEmbedder | ServableTokenClassifier;

export type Route = (body: Record<string, unknown>, ctx: RouteContext) => Promise<unknown>;

export interface TaskRoutes {
  task: "text-classification" | "feature-extraction" | "token-classification";
  /** /info's model_type, as TEI ({classifier: {id2label, label2id}}, {embedding: {pooling}}) */
  modelType: Record<string, unknown>;
  maxInputLength: number;
  /** nlp's additions to /info */
  extraInfo: Record<string, unknown>;
  /** POST routes; `primary` also answers POST / and /invocations, as TEI */
  routes: Record<string, Route>;
  primary: string;
  /** routes TEI has that this model cannot answer: 424, as TEI answers /predict on an embedding model */
  refused: Record<string, string>;
  /** the route's queue, for /metrics */
  batcher: { readonly depth: number };
  warmUp(): Promise<void>;
}

/** Admission and the model's failures, shared by every route of a server. */
export interface Admission {
  /** throws 429 when the server holds maxConcurrentRequests requests; returns the release */
  admit(): () => void;
}

/** Waits for the batcher; a model failure is 424 (only this list's requests), a refused option 422. */
async function submitted<I, R>(batcher: Batcher<I, R>, items: { item: I; cost: number }[], key: string, admission: Admission): Promise<R[]> {
  const release = admission.admit();
  try {
    return await batcher.submit(items, key);
  } catch (err) {
    if (err instanceof UsageError) throw validation(err.message);
    throw new HttpError(424, `Backend error: ${(err as Error)?.message ?? String(err)}`, "Backend");
  } finally {
    release();
  }
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

/** TEI's /tokenize: every token with its id, its text in the input, whether special, and UTF-8 byte offsets. */
function tokenizeRoute(tk: TokenizerPart, tokenizerJson: Record<string, unknown>): Route {
  let aligner: OffsetAligner | undefined;
  const one = (text: string, specials: boolean) => {
    const content = tk.contentTokens(text);
    const enc = specials ? tk.withSpecials(content, content.length) : { tokens: content, ids: content.map((t) => tk.tokenToId(t) ?? -1) };
    const [lead] = specials ? tk.specialsAround() : [0];
    let offsets: [number, number][] | undefined;
    try {
      aligner ??= OffsetAligner.fromTokenizerJson(tokenizerJson, (s) => tk.normalize(s));
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
  return async (body, ctx) => {
    const { texts } = textInputs(body);
    const specials = optionalBool(body, "add_special_tokens") ?? true;
    if (body.prompt_name !== undefined && body.prompt_name !== null) throw validation("`prompt_name`: /tokenize takes no prompt here; put the prompt in the text");
    ctx.note(texts.length, ctx.logInputs ? body.inputs : undefined);
    checkBatchSize(texts.length, ctx);
    return texts.map((t) => one(t, specials));
  };
}

/** TEI's validation of a text over the limit when `truncate` is false (its words). */
function checkLength(e: Encoded, max: number, truncate: boolean): void {
  if (!truncate && e.fullLength > max) throw validation(`Input validation error: \`inputs\` must have less than ${max} tokens. Given: ${e.fullLength}`);
}

function encodeOr422(f: () => Encoded): Encoded {
  try {
    return f();
  } catch (err) {
    if (err instanceof UsageError) throw validation(err.message);
    throw new HttpError(422, `tokenizer error ${(err as Error).message}`, "Tokenizer");
  }
}

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

export function classifierRoutes(model: ServableClassifier, batching: BatcherOptions, admission: Admission): TaskRoutes {
  const tk = model.tokenizer;
  const max = tk.maxLength;
  // each row keeps the model's own batch size inside the list: a text's scores never depend on its neighbours
  const batcher = new Batcher<Encoded, Float32Array>(async (rows) => {
    const out: Float32Array[] = [];
    // already cut here (a text over the limit with truncate false is a 422 before it queues): the tokens travel
    for await (const s of model.scoreStream(rows, () => "", { row: tokenRow })) out.push(s.logits);
    return out;
  }, batching);
  const predict: Route = async (body, ctx) => {
    if (!("inputs" in body)) throw validation("missing field `inputs`");
    const { batch, seqs } = parsePredictInputs(body.inputs);
    const truncate = optionalBool(body, "truncate") ?? true;
    const raw = optionalBool(body, "raw_scores") ?? false;
    checkTruncationDirection(body);
    ctx.note(seqs.length, ctx.logInputs ? body.inputs : undefined);
    checkBatchSize(seqs.length, ctx);
    const rows = seqs.map((s) => {
      // a pair is cut longest-first, as transformers' text-classification pipeline tokenizes text_pair
      const e = encodeOr422(() => (s.length === 1 ? tk.encode(s[0]) : tk.encodePairLongestFirst(s[0], s[1])));
      checkLength(e, max, truncate);
      return e;
    });
    const t0 = performance.now();
    const logits = await submitted(batcher, rows.map((r) => ({ item: r, cost: r.ids.length })), "", admission);
    const fn: ScoreFunction = raw ? "none" : model.function;
    const predictions = logits.map((l) => {
      const scores = applyFunction(l, fn);
      if (scores.some(Number.isNaN)) throw new HttpError(424, "score is NaN", "Backend");
      return scores.map((score, i) => ({ score, label: model.labels[i] })).sort((a, b) => b.score - a.score);
    });
    ctx.res.setHeader("x-compute-characters", String(seqs.reduce((n, s) => n + s.reduce((m, t) => m + [...t].length, 0), 0)));
    ctx.res.setHeader("x-compute-tokens", String(rows.reduce((n, r) => n + r.ids.length, 0)));
    ctx.res.setHeader("x-inference-time", String(Math.round(performance.now() - t0)));
    // which inputs were cut at the token limit (the client mode's end-of-run notice); not in TEI
    const cut = rows.flatMap((r, i) => (r.fullLength > r.ids.length ? [i] : []));
    if (cut.length > 0) ctx.res.setHeader("x-nlp-truncated", cut.join(","));
    return batch ? predictions : predictions[0];
  };
  return {
    task: "text-classification",
    modelType: {
      classifier: {
        id2label: Object.fromEntries(model.labels.map((l, i) => [String(i), l])),
        label2id: Object.fromEntries(model.labels.map((l, i) => [l, i])),
      },
    },
    maxInputLength: max,
    extraInfo: { labels: model.labels, function: model.function },
    routes: { "/predict": predict, "/tokenize": tokenizeRoute(tk, model.bundle.tokenizerJson) },
    primary: "/predict",
    refused: { "/embed": "this server runs a text-classification model: use /predict", "/ner": "this server runs a text-classification model: use /predict" },
    batcher,
    warmUp: async () => void (await batcher.submit([{ item: tk.encode("warm-up"), cost: 1 }])),
  };
}

export function embedderRoutes(model: ServableEmbedder, batching: BatcherOptions, admission: Admission): TaskRoutes {
  interface Opts {
    normalize: boolean;
    /** the prompt text, resolved on arrival (prompt_name, prompt, role) */
    prompt: string;
    dimensions?: number;
  }
  // a list holds requests with the same options (the key): embedStream runs with one set
  const batcher = new Batcher<string, number[]>(async (texts, key) => {
    const o = JSON.parse(key) as Opts;
    const out: number[][] = [];
    for await (const r of model.embedStream(texts, { normalize: o.normalize, prompt: o.prompt, dimensions: o.dimensions })) out.push(Array.from(r.embedding, float32Number)); // the shortest decimals that read back as the float32s, as `nlp embed` writes them
    return out;
  }, batching);
  /** TEI's prompt_name, and nlp's `prompt` (a literal prompt) and `role` (query/document), as `nlp embed` takes them */
  const promptOf = (body: Record<string, unknown>): string => {
    const pick = (k: string) => {
      const v = body[k];
      if (v !== undefined && v !== null && typeof v !== "string") throw validation(`\`${k}\`: invalid type, expected a string`);
      return (v ?? undefined) as string | undefined;
    };
    const role = pick("role");
    if (role !== undefined && role !== "query" && role !== "document") throw validation("`role`: expected query or document");
    try {
      return model.promptFor({ promptName: pick("prompt_name"), prompt: pick("prompt"), role: role as "query" | "document" | undefined });
    } catch (err) {
      throw validation((err as Error).message);
    }
  };
  const embed: Route = async (body, ctx) => {
    const { texts } = textInputs(body);
    const truncate = optionalBool(body, "truncate") ?? true;
    // TEI's default (normalize: true), whatever the model's own Normalize module says
    const normalize = optionalBool(body, "normalize") ?? true;
    const dimensions = optionalInt(body, "dimensions", 1);
    const prompt = promptOf(body);
    checkTruncationDirection(body);
    ctx.note(texts.length, ctx.logInputs ? body.inputs : undefined);
    checkBatchSize(texts.length, ctx);
    const rows = texts.map((t) => {
      const e = encodeOr422(() => model.encode(t, { prompt }));
      checkLength(e, model.maxSeqLength, truncate);
      return { item: t, cost: e.ids.length };
    });
    const key = JSON.stringify({ normalize, prompt, dimensions } satisfies Opts);
    return submitted(batcher, rows, key, admission);
  };
  const info = model.info;
  return {
    task: "feature-extraction",
    modelType: { embedding: { pooling: info.pooling } },
    maxInputLength: model.maxSeqLength,
    extraInfo: { normalize_module: info.normalize, similarity_fn_name: info.similarityFn },
    routes: {
      "/embed": embed,
      "/tokenize": tokenizeRoute(model.tokenizer, model.bundle.tokenizerJson),
      // nlp's: the prompt /embed would put before the texts (the client mode's `nlp embed --server` asks it first)
      "/prompt": async (body) => ({ prompt: promptOf(body) }),
    },
    primary: "/embed",
    refused: { "/predict": "this server runs an embedding model: use /embed", "/ner": "this server runs an embedding model: use /embed" },
    batcher,
    warmUp: async () => void (await batcher.submit([{ item: "warm-up", cost: 1 }], JSON.stringify({ normalize: true, prompt: "" }))),
  };
}

export function tokenClassifierRoutes(model: ServableTokenClassifier, batching: BatcherOptions, admission: Admission): TaskRoutes {
  interface Opts {
    aggregation: AggregationStrategy;
    ignoreLabels?: string[];
    stride?: number;
    threshold?: number;
    offsets?: OffsetUnit;
  }
  const batcher = new Batcher<string, { entities: Entity[]; truncated: boolean }>(async (texts, key) => {
    const o = JSON.parse(key) as Opts;
    const out: { entities: Entity[]; truncated: boolean }[] = [];
    for await (const r of model.nerStream(texts, (t) => t, o)) out.push({ entities: r.entities, truncated: r.truncated });
    return out;
  }, batching);
  const max = model.tokenizer.maxLength;
  const ner: Route = async (body, ctx) => {
    const { batch, texts } = textInputs(body);
    const truncate = optionalBool(body, "truncate") ?? true;
    const stride = optionalInt(body, "stride", 0);
    const agg = body.aggregation_strategy ?? "simple";
    if (typeof agg !== "string" || !(AGGREGATION_STRATEGIES as readonly string[]).includes(agg)) {
      throw validation(`\`aggregation_strategy\`: expected one of ${AGGREGATION_STRATEGIES.join(", ")}`);
    }
    if (stride !== undefined && agg === "none") throw validation("`stride` needs grouped entities: use `aggregation_strategy` simple, first, average or max (not none)");
    // nlp's additions, as `nlp ner --threshold` and `--offsets` (the client mode sends them)
    const threshold = body.threshold ?? undefined;
    if (threshold !== undefined && !(typeof threshold === "number" && threshold >= 0 && threshold <= 1)) throw validation("`threshold`: expected a number from 0 to 1");
    const offsets = body.offsets ?? undefined;
    if (offsets !== undefined && !(OFFSET_UNITS as readonly unknown[]).includes(offsets)) throw validation(`\`offsets\`: expected ${OFFSET_UNITS.join(" or ")}`);
    const ignore = body.ignore_labels;
    if (ignore !== undefined && ignore !== null && !(Array.isArray(ignore) && ignore.every((l) => typeof l === "string"))) throw validation("`ignore_labels`: expected a list of strings");
    checkTruncationDirection(body);
    ctx.note(texts.length, ctx.logInputs ? body.inputs : undefined);
    checkBatchSize(texts.length, ctx);
    const rows = texts.map((t) => {
      const e = encodeOr422(() => model.tokenizer.encode(t));
      // with a stride the whole text is read in overlapping chunks: nothing is cut
      if (stride === undefined) checkLength(e, max, truncate);
      return { item: t, cost: stride === undefined ? e.ids.length : e.fullLength };
    });
    const key = JSON.stringify({ aggregation: agg as AggregationStrategy, ignoreLabels: (ignore as string[] | null) ?? undefined, stride, threshold, offsets: offsets as OffsetUnit | undefined } satisfies Opts);
    const results = await submitted(batcher, rows, key, admission);
    const cut = results.flatMap((r, i) => (r.truncated ? [i] : []));
    if (cut.length > 0) ctx.res.setHeader("x-nlp-truncated", cut.join(","));
    const entities = results.map((r) => r.entities);
    return batch ? entities : entities[0];
  };
  return {
    task: "token-classification",
    modelType: {
      token_classifier: {
        id2label: Object.fromEntries(model.labels.map((l, i) => [String(i), l])),
        label2id: Object.fromEntries(model.labels.map((l, i) => [l, i])),
      },
    },
    maxInputLength: max,
    extraInfo: { labels: model.labels },
    routes: { "/ner": ner, "/tokenize": tokenizeRoute(model.tokenizer, model.bundle.tokenizerJson) },
    primary: "/ner",
    refused: { "/predict": "this server runs a token-classification model: use /ner", "/embed": "this server runs a token-classification model: use /ner" },
    batcher,
    warmUp: async () => void (await batcher.submit([{ item: "warm-up", cost: 1 }], JSON.stringify({ aggregation: "simple" }))),
  };
}

/** The routes for a model, by what it can do (its streaming method). */
export function routesFor(model: ServableModel, batching: BatcherOptions, admission: Admission): TaskRoutes {
  if ("scoreStream" in model) return classifierRoutes(model, batching, admission);
  if ("embedStream" in model) return embedderRoutes(model, batching, admission);
  if ("nerStream" in model) return tokenClassifierRoutes(model, batching, admission);
  throw new UsageError("serve() needs a loaded model: a TextClassifier (load), a TextEmbedder (loadEmbedder) or a TokenClassifier (loadTokenClassifier)");
}
