/**
 * A loaded token classifier (NER, POS): tokenizer + offsets + ONNX session, streaming texts in order
 * through length-sorted batches, each text as one truncated sequence or as stride chunks, then
 * transformers' entity post-processing.
 */
import { BundleError, UsageError } from "../errors.js";
import { padBatch, planBatches } from "../core/batching.js";
import { windowRanges } from "../core/chunking.js";
import { windowed } from "../core/windowed.js";
import { isPlaceholderLabels, labelNames } from "../core/postprocess.js";
import {
  AGGREGATION_STRATEGIES,
  textEntities,
  type AggregationStrategy,
  type Entity,
  type TokenSequence,
  type TokenizerFacts,
} from "../core/token-classification.js";
import { readBundle, type Bundle } from "./bundle.js";
import { OnnxClassifierSession } from "./session.js";
import { TextTokenizer, type Encoded } from "./tokenizer.js";
import { OffsetAligner, OFFSET_UNITS, toUtf16, type Offset, type OffsetUnit } from "./offsets.js";
import { tokensToString } from "./decoder.js";
import { DEFAULT_BATCH_SIZE, DEFAULT_MAX_BATCH_TOKENS, DYNAMIC_QUANT_BATCH_SIZE, DYNAMIC_QUANT_VARIANTS, validateLoadOptions, type LoadOptions } from "./classifier.js";

export { OFFSET_UNITS, type OffsetUnit } from "./offsets.js";

export interface NerOptions {
  /** transformers' aggregation_strategy; default "simple" (the pipeline's own default is "none") */
  aggregation?: AggregationStrategy;
  /** labels to drop (default ["O"]) */
  ignoreLabels?: string[];
  /** drop entities scoring below this */
  threshold?: number;
  /** cover the whole text with overlapping chunks sharing this many tokens (else truncate as transformers) */
  stride?: number;
  /** start/end as code points (Python indices, default) or UTF-16 units (JavaScript indices) */
  offsets?: OffsetUnit;
  batchSize?: number;
}

export interface NerRecord {
  text: string;
  entities: Entity[];
  /** the text was longer than the model and cut (no stride) */
  truncated: boolean;
}

export interface NerResult<T> {
  item: T;
  text: string;
  entities: Entity[];
  truncated: boolean;
}

/** Each text's model sequences with their offsets, before inference. */
interface Prepared<T> {
  item: T;
  text: string;
  sequences: (Encoded & { offsets: Offset[]; specialMask: (0 | 1)[] })[];
  truncated: boolean;
}

const WINDOW_BATCHES = 32;
const MIN_WINDOW = 64;

export function validateNerOptions(opts: NerOptions): void {
  if (opts.aggregation !== undefined && !AGGREGATION_STRATEGIES.includes(opts.aggregation)) {
    throw new UsageError(`--aggregation must be one of ${AGGREGATION_STRATEGIES.join(", ")}, got "${opts.aggregation}"`);
  }
  if (opts.threshold !== undefined && !(opts.threshold >= 0 && opts.threshold <= 1)) {
    throw new UsageError(`--threshold must be between 0 and 1, got ${opts.threshold}`);
  }
  if (opts.stride !== undefined && (!Number.isInteger(opts.stride) || opts.stride < 0)) {
    throw new UsageError(`--stride must be an integer ≥ 0, got ${opts.stride}`);
  }
  if (opts.stride !== undefined && opts.aggregation === "none") {
    // as transformers refuses it: chunks overlap, and only grouped entities can be merged back
    throw new UsageError("--stride needs grouped entities: use --aggregation simple, first, average or max (not none)");
  }
  if (opts.offsets !== undefined && !OFFSET_UNITS.includes(opts.offsets)) {
    throw new UsageError(`--offsets must be ${OFFSET_UNITS.join(" or ")}, got "${opts.offsets}"`);
  }
}

export class TokenClassifier {
  readonly labels: string[];
  readonly batchSize: number;
  private readonly aligner: OffsetAligner;
  private readonly facts: TokenizerFacts;
  private readonly around: [number, number];

  private constructor(
    readonly bundle: Bundle,
    readonly tokenizer: TextTokenizer,
    private readonly session: OnnxClassifierSession,
    opts: LoadOptions,
  ) {
    const cfg = bundle.configJson;
    const configured = Object.keys(cfg.id2label ?? {}).length || (typeof cfg.num_labels === "number" ? cfg.num_labels : 0);
    const width = session.declaredWidth ?? configured;
    if (width === 0) throw new BundleError(`${bundle.config} has no id2label and the graph does not declare its label count; add id2label to config.json`);
    this.labels = labelNames(cfg, width);
    if (isPlaceholderLabels(this.labels) && opts.fallbackLabels?.length === width) this.labels = [...opts.fallbackLabels];
    this.batchSize = opts.batchSize ?? (DYNAMIC_QUANT_VARIANTS.has(bundle.variant) ? DYNAMIC_QUANT_BATCH_SIZE : DEFAULT_BATCH_SIZE);
    this.aligner = OffsetAligner.fromTokenizerJson(bundle.tokenizerJson, (s) => tokenizer.normalize(s));
    const spec = this.aligner.spec;
    const unkToken = spec.unkToken;
    this.facts = {
      unkId: unkToken !== undefined ? tokenizer.tokenToId(unkToken) : undefined,
      // transformers tests the model's continuing_subword_prefix; an empty one (byte-level BPE) means the space heuristic
      continuingPrefix: spec.continuingPrefix,
      decode: tokensToString(bundle.tokenizerJson),
    };
    this.around = tokenizer.specialsAround();
  }

  static async fromFolder(dir: string, opts: LoadOptions = {}): Promise<TokenClassifier> {
    validateLoadOptions(opts);
    const bundle = readBundle(dir, opts.variant);
    const textHead = bundle.configJson.architectures?.find((a) => a.endsWith("ForSequenceClassification"));
    if (textHead) throw new UsageError(`${dir} is a text-classification model (${textHead}): it labels whole texts, not tokens; run it with \`nlp classify\``);
    let tokenizer: TextTokenizer;
    try {
      tokenizer = new TextTokenizer(bundle.tokenizerJson, bundle.tokenizerConfigJson, bundle.configJson, opts.maxLength);
    } catch (err) {
      throw new BundleError(`${bundle.tokenizer} cannot be loaded: ${(err as Error).message}; re-download it or re-save the tokenizer`, 1, { cause: err });
    }
    const session = await OnnxClassifierSession.create(bundle.onnx, { threads: opts.threads });
    return new TokenClassifier(bundle, tokenizer, session, opts);
  }

  /** The sequences the model sees for one text: truncated as transformers, or stride chunks over the whole text. */
  private prepare<T>(item: T, text: string, stride: number | undefined): Prepared<T> {
    const tk = this.tokenizer;
    const content = tk.contentTokens(text);
    const offsets = this.aligner.offsets(text, content);
    const budget = tk.contentBudget();
    let ranges: Array<[number, number]>;
    let truncated = false;
    if (stride === undefined) {
      truncated = content.length > budget;
      const keep = Math.min(content.length, budget);
      ranges = [tk.truncationSide === "left" ? [content.length - keep, content.length] : [0, keep]];
    } else {
      try {
        ranges = windowRanges(content.length, budget, stride);
      } catch {
        throw new UsageError(`--stride must be less than ${budget} (the model's ${tk.maxLength} tokens minus its special tokens), got ${stride}`);
      }
    }
    const [before, after] = this.around;
    const fullLength = content.length + before + after;
    const sequences = ranges.map(([s, e]) => {
      const enc = tk.withSpecials(content.slice(s, e), fullLength);
      const mask: (0 | 1)[] = enc.ids.map((_, i) => (i < before || i >= enc.ids.length - after ? 1 : 0));
      const offs: Offset[] = enc.ids.map((_, i) => (mask[i] ? [0, 0] : offsets[s + i - before]));
      return { ...enc, offsets: offs, specialMask: mask };
    });
    return { item, text, sequences, truncated };
  }

  /** Logits of every sequence, [tokens × labels] each, padding removed; batches are length-sorted inside. */
  private async logitsFor(rows: readonly Encoded[], batchSize: number): Promise<Float32Array[]> {
    const out = new Array<Float32Array>(rows.length);
    const width = this.labels.length;
    for (const idx of planBatches(
      rows.map((r) => r.ids.length),
      batchSize,
      DEFAULT_MAX_BATCH_TOKENS,
    )) {
      const padded = padBatch(
        idx.map((i) => rows[i]),
        this.tokenizer.padId,
        this.tokenizer.paddingSide,
      );
      const blocks = await this.session.runTokens(padded);
      idx.forEach((i, k) => {
        const len = rows[i].ids.length;
        const from = this.tokenizer.paddingSide === "left" ? padded.seqLen - len : 0;
        out[i] = blocks[k].slice(from * width, (from + len) * width);
      });
    }
    return out;
  }

  /** Entities for a stream of items, in input order, with bounded memory (a window of texts at a time). */
  async *nerStream<T>(items: AsyncIterable<T> | Iterable<T>, textOf: (item: T) => string, opts: NerOptions = {}): AsyncGenerator<NerResult<T>> {
    validateNerOptions(opts);
    const batchSize = opts.batchSize ?? this.batchSize;
    const strategy = opts.aggregation ?? "simple";
    const ignore = opts.ignoreLabels ?? ["O"];
    const run = async (win: Prepared<T>[]): Promise<NerResult<T>[]> => {
      const flat = win.flatMap((p) => p.sequences);
      const logits = await this.logitsFor(flat, batchSize);
      let k = 0;
      return win.map((p) => {
        const seqs: TokenSequence[] = p.sequences.map((s) => ({ tokens: s.tokens, ids: s.ids, offsets: s.offsets, specialMask: s.specialMask, logits: logits[k++] }));
        let entities = textEntities(p.text, seqs, this.labels, this.facts, strategy, ignore);
        if (opts.threshold !== undefined) entities = entities.filter((e) => e.score >= opts.threshold!);
        if (opts.offsets === "utf16") {
          const converted = toUtf16(
            p.text,
            entities.map((e) => [e.start, e.end]),
          );
          entities = entities.map((e, i) => ({ ...e, start: converted[i][0], end: converted[i][1] }));
        }
        return { item: p.item, text: p.text, entities, truncated: p.truncated };
      });
    };
    const windowSize = Math.max(MIN_WINDOW, batchSize * WINDOW_BATCHES);
    yield* windowed(items, (item) => this.prepare(item, textOf(item), opts.stride), run, { windowSize });
  }

  /** Entities of each text, one record per text, in order. */
  async ner(texts: string | readonly string[], opts: NerOptions = {}): Promise<NerRecord[]> {
    const list = typeof texts === "string" ? [texts] : texts;
    const out: NerRecord[] = [];
    for await (const r of this.nerStream(list, (t) => t, opts)) out.push({ text: r.text, entities: r.entities, truncated: r.truncated });
    return out;
  }

  async dispose(): Promise<void> {
    await this.session.dispose();
  }
}
