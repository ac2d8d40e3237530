/**
 * Why: rerankers are sequence classifiers over (query, document) pairs; this
 * scores them as sentence-transformers' CrossEncoder.predict/rank do
 * (longest_first truncation, its activation_fn: Sigmoid for one label unless
 * the config names another) through the classifier's batching engine.
 */
import { BundleError, UsageError } from "../../errors.js";
import type { ScoreFunction } from "../../engine/postprocess.js";
import { TopK } from "../../engine/top-k.js";
import type { TextClassifier } from "../classify/classifier.js";
import { checkedTextOf } from "../texts.js";

/** CrossEncoder.get_default_activation_fn: config.sentence_transformers.activation_fn, the pre-v4 key, else Sigmoid for one label. */
export function crossEncoderActivation(model: TextClassifier): ScoreFunction {
  const cfg = model.bundle.configJson as Record<string, unknown>;
  const st = cfg.sentence_transformers as { activation_fn?: unknown } | undefined;
  const path = st?.activation_fn ?? cfg.sbert_ce_default_activation_function;
  if (typeof path === "string") {
    if (/\.Sigmoid$/.test(path)) return "sigmoid";
    if (/\.Identity$/.test(path)) return "none";
    throw new BundleError(`${model.bundle.config} names activation_fn ${path}; nlp applies torch.nn.Sigmoid or torch.nn.Identity (pass --activation to choose one)`);
  }
  return model.labels.length === 1 ? "sigmoid" : "none";
}

export interface RerankOptions {
  /** keep only the k best documents */
  topK?: number;
  /** override the activation: sigmoid, or none for raw logits */
  activation?: "sigmoid" | "none";
  batchSize?: number;
}

export interface RerankHit<T> {
  item: T;
  score: number;
  /** 0-based position of the document in the input */
  index: number;
}

/**
 * Every document scored against the query, best first (earlier document on
 * ties), as CrossEncoder.rank. Memory holds only the kept hits with --top-k.
 */
export async function rerank<T>(
  model: TextClassifier,
  query: string,
  docs: AsyncIterable<T> | Iterable<T>,
  textOf: (doc: T) => string,
  opts: RerankOptions = {},
): Promise<RerankHit<T>[]> {
  if (model.labels.length !== 1) {
    throw new UsageError(`${model.bundle.dir} has ${model.labels.length} labels; a reranker (cross-encoder) gives one score per pair — use nlp classify for it`);
  }
  if (opts.activation !== undefined && opts.activation !== "sigmoid" && opts.activation !== "none") {
    throw new UsageError(`\`activation\` must be sigmoid or none, got ${opts.activation}`, { option: "activation" });
  }
  if (opts.topK !== undefined && (!Number.isInteger(opts.topK) || opts.topK < 1)) {
    throw new UsageError(`\`topK\` must be a positive integer, got ${JSON.stringify(opts.topK)}`, { option: "topK" });
  }
  if (typeof query !== "string") throw new UsageError(`\`query\` must be a string, got ${query === null ? "null" : typeof query}`);
  const text = checkedTextOf(textOf);
  const fn = opts.activation ?? crossEncoderActivation(model);
  const top = new TopK<{ item: T; index: number }>(opts.topK ?? Number.MAX_SAFE_INTEGER);
  let index = 0;
  const numbered = (async function* () {
    for await (const item of docs) yield { item, index: index++ };
  })();
  for await (const s of model.scoreStream(numbered, (d) => textOf(d.item), {
    function: fn,
    batchSize: opts.batchSize,
    // the row is made once per document, in order (checkedTextOf counts them)
    row: (d) => ({ text: query, pair: text(d.item), longestFirst: true }),
  })) {
    top.push(s.scores[0], s.item);
  }
  return top.result().map((h) => ({ item: h.item.item, index: h.item.index, score: h.score }));
}
