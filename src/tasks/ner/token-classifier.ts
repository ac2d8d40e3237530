/**
 * A loaded token classifier (NER, POS): tokenizer + offsets + ONNX session, streaming texts in order
 * through length-sorted batches, each text as one truncated sequence or as stride chunks, then
 * transformers' entity post-processing. A stream's windows run on a LanePool (engine/pool.ts): each lane
 * tokenizes, runs and aggregates whole windows and answers with the entities (small plain objects).
 */
import { UsageError } from "../../errors.js";
import { paddedBatches } from "../../engine/batching.js";
import { windowRanges } from "../../engine/chunking.js";
import { windowed } from "../../engine/windowed.js";
import {
  AGGREGATION_STRATEGIES,
  textEntities,
  type AggregationStrategy,
  type Entity,
  type TokenSequence,
  type TokenizerFacts,
} from "./entities.js";
import type { Bundle } from "../../model/bundle.js";
import { OnnxClassifierSession } from "../../engine/session.js";
import { TextTokenizer, type Encoded } from "../../engine/tokenizer.js";
import { OffsetAligner, OFFSET_UNITS, toUtf16, type Offset, type OffsetUnit } from "../../engine/offsets.js";
import { tokensToString } from "../../engine/decoder.js";
import { defaultBatchSize, streamWindowSize, validateLoadOptions, type LoadOptions } from "../classify/classifier.js";
import { headLabels, openModel } from "../../engine/open.js";
import { LanePool, laneSpec, PooledModel, type Runner } from "../../engine/pool.js";
import { checkedTextOf, textList } from "../texts.js";

export { OFFSET_UNITS, type OffsetUnit } from "../../engine/offsets.js";

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
interface Prepared {
  text: string;
  sequences: (Encoded & { offsets: Offset[]; specialMask: (0 | 1)[] })[];
  truncated: boolean;
}

/** A window of texts as a lane runs it (plain data: it may cross to a worker thread); options already validated. */
interface NerJob {
  texts: string[];
  opts: Required<Pick<NerOptions, "aggregation" | "ignoreLabels" | "batchSize">> & Pick<NerOptions, "threshold" | "stride" | "offsets">;
}

/** Per text of the job, in its order. */
interface NerJobResult {
  records: { entities: Entity[]; truncated: boolean }[];
}

/** How a worker lane builds its token classifier: the same folder and options, one lane of its own (see engine/pool.ts). */
export async function tokenClassifierRunner(args: { dir: string; opts: LoadOptions }): Promise<Runner<NerJob, NerJobResult>> {
  const model = await TokenClassifier.fromFolder(args.dir, { ...args.opts, workers: 1 });
  return { run: (job) => model.runJob(job), dispose: () => model.dispose() };
}

export function validateNerOptions(opts: NerOptions): void {
  if (opts.aggregation !== undefined && !AGGREGATION_STRATEGIES.includes(opts.aggregation)) {
    throw new UsageError(`\`aggregation\` must be one of ${AGGREGATION_STRATEGIES.join(", ")}, got "${opts.aggregation}"`, { option: "aggregation" });
  }
  if (opts.threshold !== undefined && !(opts.threshold >= 0 && opts.threshold <= 1)) {
    throw new UsageError(`\`threshold\` must be between 0 and 1, got ${opts.threshold}`, { option: "threshold" });
  }
  // a string would be spread into its characters: "O,B-LOC" would ignore neither label
  if (opts.ignoreLabels !== undefined && !(Array.isArray(opts.ignoreLabels) && opts.ignoreLabels.every((l) => typeof l === "string"))) {
    throw new UsageError(`\`ignoreLabels\` must be an array of labels, e.g. ["O"], got ${JSON.stringify(opts.ignoreLabels)}`, { option: "ignoreLabels" });
  }
  if (opts.stride !== undefined && (!Number.isInteger(opts.stride) || opts.stride < 0)) {
    throw new UsageError(`\`stride\` must be an integer ≥ 0, got ${opts.stride}`, { option: "stride" });
  }
  if (opts.stride !== undefined && opts.aggregation === "none") {
    // as transformers refuses it: chunks overlap, and only grouped entities can be merged back
    throw new UsageError("`stride` needs grouped entities: use `aggregation` simple, first, average or max (not none)", { option: ["stride", "aggregation"] });
  }
  if (opts.offsets !== undefined && !OFFSET_UNITS.includes(opts.offsets)) {
    throw new UsageError(`\`offsets\` must be ${OFFSET_UNITS.join(" or ")}, got "${opts.offsets}"`, { option: "offsets" });
  }
}

export class TokenClassifier extends PooledModel<NerJob, NerJobResult> {
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
    super();
    this.labels = headLabels(bundle, session.declaredWidth, opts.fallbackLabels, "label count").labels;
    this.batchSize = opts.batchSize ?? defaultBatchSize(bundle.variant);
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
    const { bundle, tokenizer, session, lanes } = await openModel(dir, opts, {
      head: "ForSequenceClassification",
      message: (d, arch) => `${d} is a text-classification model (${arch}): it labels whole texts, not tokens; run it with \`nlp classify\``,
    });
    const model = new TokenClassifier(bundle, tokenizer, session, opts);
    const spec = laneSpec(import.meta.url, "tokenClassifierRunner", dir, bundle.variant, lanes.threads, opts);
    model.pool = await LanePool.start<NerJob, NerJobResult>(spec, {
      workers: lanes.workers,
      eager: opts.eager,
      first: async () => ({ run: (job) => model.runJob(job), dispose: () => session.dispose() }),
    });
    return model;
  }

  /** Refuses a stride the model's window cannot hold (a usage error, before any text is read). */
  private checkStride(stride: number | undefined): void {
    const budget = this.tokenizer.contentBudget();
    if (stride !== undefined && stride >= budget) {
      throw new UsageError(`\`stride\` must be less than ${budget} (the model's ${this.tokenizer.maxLength} tokens minus its special tokens), got ${stride}`, { option: "stride" });
    }
  }

  /** The sequences the model sees for one text: truncated as transformers, or stride chunks over the whole text. */
  private prepare(text: string, stride: number | undefined): Prepared {
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
      this.checkStride(stride);
      ranges = windowRanges(content.length, budget, stride);
    }
    const [before, after] = this.around;
    const fullLength = content.length + before + after;
    const sequences = ranges.map(([s, e]) => {
      const enc = tk.withSpecials(content.slice(s, e), fullLength);
      const mask: (0 | 1)[] = enc.ids.map((_, i) => (i < before || i >= enc.ids.length - after ? 1 : 0));
      const offs: Offset[] = enc.ids.map((_, i) => (mask[i] ? [0, 0] : offsets[s + i - before]));
      return { ...enc, offsets: offs, specialMask: mask };
    });
    return { text, sequences, truncated };
  }

  /** Logits of every sequence, [tokens × labels] each, padding removed; batches are length-sorted inside. */
  private async logitsFor(rows: readonly Encoded[], batchSize: number): Promise<Float32Array[]> {
    const out = new Array<Float32Array>(rows.length);
    const width = this.labels.length;
    for (const { idx, padded } of paddedBatches(rows, batchSize, this.tokenizer)) {
      const blocks = await this.session.runTokens(padded);
      idx.forEach((i, k) => {
        const len = rows[i].ids.length;
        const from = this.tokenizer.paddingSide === "left" ? padded.seqLen - len : 0;
        out[i] = blocks[k].slice(from * width, (from + len) * width);
      });
    }
    return out;
  }

  /** One window on this thread's session: each text prepared, its sequences run in length-sorted batches, entities made. */
  async runJob(job: NerJob): Promise<NerJobResult> {
    const { aggregation, ignoreLabels, threshold, stride, offsets, batchSize } = job.opts;
    const prepared = job.texts.map((t) => this.prepare(t, stride));
    const logits = await this.logitsFor(
      prepared.flatMap((p) => p.sequences),
      batchSize,
    );
    let k = 0;
    const records = prepared.map((p) => {
      const seqs: TokenSequence[] = p.sequences.map((s) => ({ tokens: s.tokens, ids: s.ids, offsets: s.offsets, specialMask: s.specialMask, logits: logits[k++] }));
      let entities = textEntities(p.text, seqs, this.labels, this.facts, aggregation, ignoreLabels);
      if (threshold !== undefined) entities = entities.filter((e) => e.score >= threshold);
      if (offsets === "utf16") {
        const converted = toUtf16(
          p.text,
          entities.map((e) => [e.start, e.end]),
        );
        entities = entities.map((e, i) => ({ ...e, start: converted[i][0], end: converted[i][1] }));
      }
      return { entities, truncated: p.truncated };
    });
    return { records };
  }

  /**
   * Entities for a stream of items, in input order, with bounded memory: a window of texts at a time, each
   * window on the next free lane of the pool.
   */
  async *nerStream<T>(items: AsyncIterable<T> | Iterable<T>, textOf: (item: T) => string, opts: NerOptions = {}): AsyncGenerator<NerResult<T>> {
    validateNerOptions(opts);
    validateLoadOptions({ batchSize: opts.batchSize });
    this.checkStride(opts.stride);
    const batchSize = opts.batchSize ?? this.batchSize;
    // plain data only: the job may cross to a worker thread
    const jobOpts: NerJob["opts"] = {
      aggregation: opts.aggregation ?? "simple",
      ignoreLabels: [...(opts.ignoreLabels ?? ["O"])],
      threshold: opts.threshold,
      stride: opts.stride,
      offsets: opts.offsets,
      batchSize,
    };
    const run = async (win: { item: T; text: string }[], first: number): Promise<NerResult<T>[]> => {
      const res = await this.pool.run({ texts: win.map((w) => w.text), opts: jobOpts }, `records ${first + 1}–${first + win.length}`);
      return win.map((w, i) => ({ item: w.item, text: w.text, entities: res.records[i].entities, truncated: res.records[i].truncated }));
    };
    const text = checkedTextOf(textOf);
    yield* windowed(items, (item) => ({ item, text: text(item) }), run, { windowSize: streamWindowSize(batchSize), inFlight: this.pool.capacity });
  }

  /** Entities of each text, one record per text, in order. */
  async ner(texts: string | readonly string[], opts: NerOptions = {}): Promise<NerRecord[]> {
    const list = textList(texts);
    const out: NerRecord[] = [];
    for await (const r of this.nerStream(list, (t) => t, opts)) out.push({ text: r.text, entities: r.entities, truncated: r.truncated });
    return out;
  }

}
