/**
 * A loaded text classifier: tokenizer + ONNX session + head config, with the
 * order-preserving, length-sorted, windowed batching pipeline.
 */
import { LOAD_LIMITS } from "../../engine/limits.js";
import { BundleError, InputError, UsageError } from "../../errors.js";
import { DEFAULT_BATCH_SIZE, DEFAULT_MAX_BATCH_TOKENS, DYNAMIC_QUANT_BATCH_SIZE, DYNAMIC_QUANT_VARIANTS, defaultBatchSize, paddedBatches, planBatches } from "../../engine/batching.js";
import { windowed } from "../../engine/windowed.js";
import {
  validatePredictOptions,
  applyFunction,
  defaultFunction,
  predictionFrom,
  type Prediction,
  type PredictOptions,
  type ScoreFunction,
} from "../../engine/postprocess.js";
import type { Bundle } from "../../model/bundle.js";
import { OnnxClassifierSession } from "../../engine/session.js";
import { TextTokenizer, type Encoded } from "../../engine/tokenizer.js";
import { classifyRecords, tokenRow, type DocumentOptions, type ScoredItem, type ScoreRow, type ScoreStreamOptions, type TokenRow } from "./documents.js";
import { headLabels, openModel, planFor } from "../../engine/open.js";
import { readBundle } from "../../model/bundle.js";
import { checkedTextOf, textList } from "../texts.js";
import { LanePool, laneSpec, PooledModel, type Runner } from "../../engine/pool.js";

export type { ScoredItem } from "./documents.js";

export interface LoadOptions {
  /** ONNX variant: int8 (default when present), fp32, fp16, uint8, … */
  variant?: string;
  /** cap on tokens per text, special tokens included (never above the model's limit) */
  maxLength?: number;
  /** ONNX Runtime intra-op threads per session (default: physical cores / workers) */
  threads?: number;
  /** sessions running at once, each in its own thread (default, engine/cores.ts planLanes: one per physical core for one-text-a-call graphs such as int8, else one; as memory allows) */
  workers?: number;
  /** a few texts at hand, then done (the CLI's text arguments): open the session fast (engine/session.ts) */
  fastStart?: boolean;
  /** a long input is coming (a big file): start the worker threads while this thread opens its own session */
  eager?: boolean;
  /** texts per inference batch */
  batchSize?: number;
  /** label names to use where config.json has no id2label or only LABEL_i (from a catalog entry) */
  fallbackLabels?: string[];
}

export interface ClassifyOptions extends PredictOptions, DocumentOptions {
  /** override the score function (transformers' function_to_apply) */
  function?: ScoreFunction;
  batchSize?: number;
}

export interface ClassifyRecord extends Prediction {
  text: string;
  /** level "sentence": 0-based document index, sentence index, and offsets [begin, end) into the document (code points; `offsets: "utf16"` for JavaScript indices) */
  doc?: number;
  sentence?: number;
  begin?: number;
  end?: number;
}

export interface TokenizeRecord {
  text: string;
  tokens: string[];
  ids: number[];
}

export interface ModelInfo {
  dir: string;
  variant: string;
  onnx: string;
  variants: string[];
  modelType: string | undefined;
  labels: string[];
  maxLength: number;
  paddingSide: "left" | "right";
  inputNames: readonly string[];
  function: ScoreFunction;
  problemType: string | null | undefined;
}

export { DEFAULT_BATCH_SIZE, DYNAMIC_QUANT_BATCH_SIZE, DYNAMIC_QUANT_VARIANTS, DEFAULT_MAX_BATCH_TOKENS, defaultBatchSize };
/** Texts sorted together: large enough that lengths group well, small enough to stream. */
// 32 batches: sorting 256 texts left 15% (sst2) to 34% (reviews) padding against 4-9% for a global sort; a window
// of 1,024 matches it on both, and holds at most ~13 MB of token ids (1,024 × 512 tokens).
const WINDOW_BATCHES = 32;
const MIN_WINDOW = 64;

/**
 * One text a run has nothing to sort: its window is only the unit handed to a session, small so that the
 * sessions finish together (a run's tail is one window on one session) and the first answers come early.
 */
const UNSORTED_WINDOW = 16;

/** Items read ahead and length-sorted together by a streaming run. */
export function streamWindowSize(batchSize: number): number {
  return batchSize === 1 ? UNSORTED_WINDOW : Math.max(MIN_WINDOW, batchSize * WINDOW_BATCHES);
}

/** A window of rows as a lane runs it (plain data: it may cross to a worker thread). */
interface ScoreJob {
  rows: ScoreRow[];
  batchSize: number;
}

/** Logits of a window, packed (one buffer moves between threads without a copy): row i is logits[i·width …]. */
interface ScoreResult {
  width: number;
  logits: Float32Array;
  /** 1 where the row's text was cut at the token limit */
  truncated: Uint8Array;
}

/** How a worker lane builds its classifier: the same folder and options, one lane of its own (see engine/pool.ts). */
export async function classifierRunner(args: { dir: string; opts: LoadOptions }): Promise<Runner<ScoreJob, ScoreResult>> {
  const model = await TextClassifier.fromFolder(args.dir, { ...args.opts, workers: 1 });
  return { run: (job) => model.runJob(job), dispose: () => model.dispose() };
}

export class TextClassifier extends PooledModel<ScoreJob, ScoreResult> {
  readonly labels: string[];
  readonly function: ScoreFunction;
  readonly batchSize: number;

  private constructor(
    readonly bundle: Bundle,
    readonly tokenizer: TextTokenizer,
    private readonly session: OnnxClassifierSession,
    opts: LoadOptions,
  ) {
    super();
    const { labels, width, configured } = headLabels(bundle, session.declaredWidth, opts.fallbackLabels, "logits width");
    if (configured && session.declaredWidth !== undefined && configured !== session.declaredWidth) {
      throw new BundleError(
        `${bundle.config} lists ${configured} labels but ${bundle.onnx} outputs ${session.declaredWidth} logits; the config belongs to another model — re-download or fix id2label`,
      );
    }
    this.labels = labels;
    this.function = defaultFunction(bundle.configJson, width);
    this.batchSize = opts.batchSize ?? defaultBatchSize(bundle.variant);
  }

  static async fromFolder(dir: string, opts: LoadOptions = {}): Promise<TextClassifier> {
    validateLoadOptions(opts);
    const bundle = readBundle(dir, opts.variant);
    const lanes = planFor(bundle, opts);
    const spec = laneSpec(import.meta.url, "classifierRunner", dir, bundle.variant, lanes.threads, opts);
    let model!: TextClassifier;
    const pool = await LanePool.start<ScoreJob, ScoreResult>(spec, {
      workers: lanes.workers,
      eager: opts.eager,
      first: async () => {
        // a token head's logits are [batch, seq, labels]: read as a sentence head they would give a plausible, wrong label
        const opened = await openModel(
          dir,
          opts,
          {
            head: "ForTokenClassification",
            message: (d, arch) => `${d} is a token-classification model (${arch}): it labels tokens, not texts; run it with \`nlp ner\``,
          },
          { bundle, lanes },
        );
        model = new TextClassifier(opened.bundle, opened.tokenizer, opened.session, opts);
        return { run: (job) => model.runJob(job), dispose: () => opened.session.dispose() };
      },
    });
    model.pool = pool;
    return model;
  }

  /** One window on this thread's session: rows encoded here, run in length-sorted batches, logits packed. */
  async runJob(job: ScoreJob): Promise<ScoreResult> {
    const encoded = job.rows.map((r) => this.encodeRow(r));
    const logits = await this.sessionLogits(encoded, job.batchSize);
    const width = logits[0]?.length ?? 0;
    const packed = new Float32Array(width * logits.length);
    logits.forEach((l, i) => packed.set(l, i * width));
    return { width, logits: packed, truncated: Uint8Array.from(encoded, (e) => (e.fullLength > e.ids.length ? 1 : 0)) };
  }

  private encodeRow(row: ScoreRow): TokenRow {
    if (typeof row === "string") return this.encode(row);
    if ("ids" in row) return row;
    return row.longestFirst ? this.tokenizer.encodePairLongestFirst(row.text, row.pair) : this.encode(row.text, row.pair);
  }

  get info(): ModelInfo {
    const b = this.bundle;
    return {
      dir: b.dir,
      variant: b.variant,
      onnx: b.onnx,
      variants: Object.keys(b.variants),
      modelType: b.configJson.model_type,
      labels: this.labels,
      maxLength: this.tokenizer.maxLength,
      paddingSide: this.tokenizer.paddingSide,
      inputNames: this.session.inputNames,
      function: this.function,
      problemType: b.configJson.problem_type,
    };
  }

  encode(text: string, pair?: string): Encoded {
    return this.tokenizer.encode(text, pair);
  }

  /** Logits of already-encoded rows, in their order (on the pool: lane 0 or a worker; batches length-sorted inside). */
  async logitsFor(rows: readonly TokenRow[], batchSize = this.batchSize): Promise<Float32Array[]> {
    const res = await this.pool.run({ rows: rows.map(tokenRow), batchSize }, `${rows.length} rows`);
    return rows.map((_, i) => res.logits.slice(i * res.width, (i + 1) * res.width));
  }

  /** Runs this thread's session (lane 0) on encoded rows, in their order; batches are length-sorted inside. */
  private async sessionLogits(rows: readonly Pick<Encoded, "ids" | "typeIds">[], batchSize: number): Promise<Float32Array[]> {
    const out = new Array<Float32Array>(rows.length);
    for (const { idx, padded } of paddedBatches(rows, batchSize, this.tokenizer)) {
      const logits = await this.session.run(padded);
      idx.forEach((i, k) => (out[i] = logits[k]));
    }
    return out;
  }

  /**
   * Scores a stream of items in input order. Items are read ahead into a
   * bounded window, each window runs on the next free lane of the pool
   * (length-sorted batches inside it), and results leave in input order.
   */
  async *scoreStream<T>(
    items: AsyncIterable<T> | Iterable<T>,
    textOf: (item: T) => string,
    opts: ScoreStreamOptions<T> = {},
  ): AsyncGenerator<ScoredItem<T>> {
    // a per-call batchSize as load's (else planBatches' untyped RangeError, thrown inside a lane)
    validateLoadOptions({ batchSize: opts.batchSize });
    const batchSize = opts.batchSize ?? this.batchSize;
    const fn = opts.function ?? this.function;
    const unit = opts.unit ?? "records";
    const scored = (item: T, res: ScoreResult, i: number): ScoredItem<T> => {
      const logits = res.logits.subarray(i * res.width, (i + 1) * res.width);
      return { item, logits, scores: applyFunction(logits, fn), truncated: res.truncated[i] === 1 };
    };
    const rowOf = opts.row ?? textOf;
    if (batchSize > 1) {
      // Float graphs batch: this thread encodes the window (~0.1 ms a text, ~1% of the work) and sorts it by
      // length, and each padded batch is a job of its own, so the sessions share a window and finish together.
      // A batch is the same rows whatever runs it, so the scores do not depend on --workers.
      const runSorted = async (win: { item: T; row: TokenRow }[], first: number): Promise<ScoredItem<T>[]> => {
        const what = `${unit} ${first + 1}–${first + win.length}`;
        const out = new Array<ScoredItem<T>>(win.length);
        const plan = planBatches(
          win.map((w) => w.row.ids.length),
          batchSize,
          DEFAULT_MAX_BATCH_TOKENS,
        );
        await Promise.all(
          plan.map(async (idx) => {
            const res = await this.pool.run({ rows: idx.map((i) => win[i].row), batchSize }, what);
            idx.forEach((i, k) => (out[i] = scored(win[i].item, res, k)));
          }),
        );
        return out;
      };
      const encodeItem = (item: T) => {
        const e = this.encodeRow(rowOf(item));
        return { item, row: tokenRow(e) };
      };
      yield* windowed(items, encodeItem, runSorted, { windowSize: streamWindowSize(batchSize), inFlight: 2 });
      return;
    }
    // one text a run (int8): a window is the job; the lane that runs it encodes it
    const run = async (win: { item: T; row: ScoreRow }[], first: number): Promise<ScoredItem<T>[]> => {
      const res = await this.pool.run({ rows: win.map((w) => w.row), batchSize }, `${unit} ${first + 1}–${first + win.length}`);
      return win.map((w, i) => scored(w.item, res, i));
    };
    // windowed: bounded memory, input order, flush when ready or when the input stalls, no loss on input errors
    yield* windowed(items, (item) => ({ item, row: rowOf(item) }), run, { windowSize: streamWindowSize(batchSize), inFlight: this.pool.capacity });
  }

  async *classifyStream(texts: AsyncIterable<string> | Iterable<string>, opts: ClassifyOptions = {}): AsyncGenerator<ClassifyRecord> {
    validatePredictOptions(opts);
    const run = classifyRecords(this, texts, (t) => t, opts);
    for await (const u of run.results) {
      // level sentence: a document with no sentence has no sentence record here (ClassifiedUnit has it, for the CLI)
      if (u.sentence === null) continue;
      // as the zero-shot pipeline raises on an empty text; the CLI writes an error record instead
      if (!u.scores) throw new InputError(`text ${u.doc + 1}: ${u.error}`);
      const pr = predictionFrom(u.scores, run.labels, opts);
      yield u.sentence ? { text: u.text, doc: u.doc, sentence: u.sentence.index, begin: u.sentence.begin, end: u.sentence.end, ...pr } : { text: u.text, ...pr };
    }
  }

  /** Classifies texts; one record per text, in order. */
  async classify(texts: string | readonly string[], opts: ClassifyOptions = {}): Promise<ClassifyRecord[]> {
    const list = textList(texts);
    const out: ClassifyRecord[] = [];
    for await (const r of this.classifyStream(list, opts)) out.push(r);
    return out;
  }

  /** The exact input_ids the model receives (after truncation), with their token strings. */
  tokenize(texts: string | readonly string[]): TokenizeRecord[] {
    const list = textList(texts);
    const check = checkedTextOf((t: string) => t);
    return list.map((t) => {
      const text = check(t);
      const e = this.encode(text);
      return { text, tokens: e.tokens, ids: e.ids };
    });
  }

}

export function validateLoadOptions(opts: { maxLength?: number; batchSize?: number; workers?: number; threads?: number }): void {
  for (const option of ["workers", "threads", "batchSize"] as const) {
    const v = opts[option];
    if (v !== undefined && (!Number.isInteger(v) || v < 1 || v > LOAD_LIMITS[option])) {
      throw new UsageError(`\`${option}\` must be an integer from 1 to ${LOAD_LIMITS[option]}, got ${v}`, { option });
    }
  }
  if (opts.maxLength !== undefined && (!Number.isInteger(opts.maxLength) || opts.maxLength < 2)) {
    throw new UsageError(`\`maxLength\` must be an integer ≥ 2, got ${opts.maxLength}`, { option: "maxLength" });
  }
}

export { validatePredictOptions };
