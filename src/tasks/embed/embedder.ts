/**
 * Why: SentenceTransformer.encode without Python — prompt, strip, truncation at
 * max_seq_length, the encoder in length-sorted padded batches, then Pooling,
 * Normalize and Matryoshka truncation per text, so no vector depends on its
 * batch neighbours. A stream's windows run on a LanePool (engine/pool.ts): each lane prepares, runs and
 * finishes whole windows and answers with the vectors packed in one buffer.
 */
import { BundleError, UsageError } from "../../errors.js";
import { paddedBatches } from "../../engine/batching.js";
import { windowed } from "../../engine/windowed.js";
import { finishEmbedding, poolSequence, pyStrip, similarity, type SimilarityFunction } from "../../engine/pooling.js";
import { readBundle, type Bundle } from "../../model/bundle.js";
import { defaultBatchSize, streamWindowSize, validateLoadOptions } from "../classify/classifier.js";
import { OnnxFeatureSession } from "../../engine/feature-session.js";
import { planFor } from "../../engine/open.js";
import { LanePool, laneSpec, PooledModel, type Runner } from "../../engine/pool.js";
import { readSentenceConfig, type SentenceConfig } from "../../model/sentence-bundle.js";
import { TextTokenizer, type Encoded } from "../../engine/tokenizer.js";
import { checkedTextOf, textList } from "../texts.js";

export interface EmbedLoadOptions {
  /** ONNX variant: int8 (default when present), fp32, … */
  variant?: string;
  /** cap on tokens per text, special tokens included (never above max_seq_length) */
  maxLength?: number;
  /** ONNX Runtime intra-op threads per session (default: physical cores / workers) */
  threads?: number;
  /** sessions running at once, each in its own thread (default, engine/cores.ts planLanes: one per physical core for one-text-a-call graphs such as int8, else one; as memory allows) */
  workers?: number;
  /** a few texts at hand, then done (the CLI's text arguments): open the session fast (engine/session.ts) */
  fastStart?: boolean;
  /** texts per inference batch (default 32; 1 for int8 graphs, whose activation scale spans the batch) */
  batchSize?: number;
  /** a long input is coming (a big file): start the worker threads once this thread's session is open */
  eager?: boolean;
}

export interface EmbedOptions {
  /** a prompt of config_sentence_transformers.json, e.g. "query" */
  promptName?: string;
  /** a literal prompt put before each text, e.g. "query: " ("" turns the default prompt off) */
  prompt?: string;
  /** override the model's Normalize module: true always L2-normalizes, false never */
  normalize?: boolean;
  /** Matryoshka: keep the first N dimensions (then normalize when normalizing) */
  dimensions?: number;
  batchSize?: number;
  /**
   * Without a prompt or prompt name: "query" uses the model's "query" prompt,
   * "document" its "document", "passage" or "corpus" prompt (sentence-transformers'
   * encode_query / encode_document); unset, the default prompt.
   */
  role?: "query" | "document";
}

/** encode_query / encode_document's prompt names, first present wins. */
const ROLE_PROMPTS = { query: ["query"], document: ["document", "passage", "corpus"] } as const;

export interface EmbeddedItem<T> {
  item: T;
  embedding: Float32Array;
  /** tokens the model saw (prompt and special tokens included) */
  tokens: number;
}

export interface EmbedderInfo {
  dir: string;
  variant: string;
  onnx: string;
  output: string;
  pooling: string;
  includePrompt: boolean;
  normalize: boolean;
  maxSeqLength: number;
  prompts: Record<string, string>;
  defaultPromptName: string | null;
  similarityFn: SimilarityFunction;
  modules: SentenceConfig["source"];
}

interface Prepared {
  encoded: Encoded;
  /** leading tokens masked out of the pooling (the prompt, with include_prompt false) */
  skip: number;
}

interface FinishOptions {
  dimensions?: number;
  normalize: boolean;
}

/** A window of texts as a lane runs it (plain data: it may cross to a worker thread); the prompt already chosen. */
interface EmbedJob {
  texts: string[];
  prompt: string;
  finish: FinishOptions;
  batchSize: number;
}

/** Vectors of a window, packed (one buffer moves between threads without a copy): text i is vectors[i·dim …]. */
interface EmbedResult {
  dim: number;
  vectors: Float32Array;
  /** tokens the model saw per text */
  tokens: Int32Array;
}

/** How a worker lane builds its embedder: the same folder and options, one lane of its own (see engine/pool.ts). */
export async function embedderRunner(args: { dir: string; opts: EmbedLoadOptions }): Promise<Runner<EmbedJob, EmbedResult>> {
  const model = await TextEmbedder.fromFolder(args.dir, { ...args.opts, workers: 1 });
  return { run: (job) => model.runJob(job), dispose: () => model.dispose() };
}

export class TextEmbedder extends PooledModel<EmbedJob, EmbedResult> {
  readonly batchSize: number;
  /** tokens per text after truncation: sentence_bert_config's max_seq_length, else the model's limit */
  readonly maxSeqLength: number;
  private readonly promptLengths = new Map<string, number>();
  private readonly specialTokens: Set<string>;

  private constructor(
    readonly bundle: Bundle,
    readonly config: SentenceConfig,
    readonly tokenizer: TextTokenizer,
    private readonly session: OnnxFeatureSession,
    opts: EmbedLoadOptions,
  ) {
    super();
    this.batchSize = opts.batchSize ?? defaultBatchSize(bundle.variant);
    const limit = config.maxSeqLength ?? TextTokenizer.effectiveMaxLength(bundle.tokenizerConfigJson, bundle.configJson);
    this.maxSeqLength = opts.maxLength !== undefined ? Math.min(opts.maxLength, limit) : limit;
    const added = (bundle.tokenizerJson.added_tokens ?? []) as Array<{ content?: string; special?: boolean }>;
    this.specialTokens = new Set(added.filter((t) => t.special && typeof t.content === "string").map((t) => t.content as string));
  }

  static async fromFolder(dir: string, opts: EmbedLoadOptions = {}): Promise<TextEmbedder> {
    validateLoadOptions(opts);
    const bundle = readBundle(dir, opts.variant);
    const config = readSentenceConfig(dir);
    let tokenizer: TextTokenizer;
    try {
      tokenizer = new TextTokenizer(bundle.tokenizerJson, bundle.tokenizerConfigJson, bundle.configJson);
    } catch (err) {
      throw new BundleError(`${bundle.tokenizer} cannot be loaded: ${(err as Error).message}; re-download it or re-save the tokenizer`, 1, { cause: err });
    }
    // pool ourselves whenever we can (exact, mask-aware, --no-normalize honoured); modules we cannot run need the graph's own pooling
    const canPool = config.pooling.length > 0 && config.otherModules.length === 0;
    const lanes = planFor(bundle, opts);
    // as engine/open.ts: lane 0 sleeps between operators when workers will take over
    const session = await OnnxFeatureSession.create(bundle.onnx, { threads: lanes.firstThreads, fastStart: opts.fastStart || lanes.workers > 1, preferTokens: canPool });
    if (!session.pools && !canPool) {
      const why = config.otherModules.length > 0 ? `modules nlp does not run itself (${config.otherModules.join(", ")})` : "no Pooling module";
      await session.dispose();
      throw new BundleError(`${dir}/modules.json has ${why} and ${bundle.onnx} has no sentence_embedding output; export it with \`optimum-cli export onnx --library sentence_transformers\``);
    }
    const model = new TextEmbedder(bundle, config, tokenizer, session, opts);
    const spec = laneSpec(import.meta.url, "embedderRunner", dir, bundle.variant, lanes.threads, opts);
    model.pool = await LanePool.start<EmbedJob, EmbedResult>(spec, {
      workers: lanes.workers,
      eager: opts.eager,
      first: async () => ({ run: (job) => model.runJob(job), dispose: () => session.dispose() }),
    });
    return model;
  }

  get info(): EmbedderInfo {
    const c = this.config;
    return {
      dir: this.bundle.dir,
      variant: this.bundle.variant,
      onnx: this.bundle.onnx,
      output: this.session.outputName,
      pooling: this.session.pools ? "in the graph (sentence_embedding)" : c.pooling.join("+"),
      includePrompt: c.includePrompt,
      normalize: c.normalize,
      maxSeqLength: this.maxSeqLength,
      prompts: { ...c.prompts },
      defaultPromptName: c.defaultPromptName,
      similarityFn: c.similarityFn,
      modules: c.source,
    };
  }

  get similarityFn(): SimilarityFunction {
    return this.config.similarityFn;
  }

  /** The prompt encode() puts before each text: --prompt, else --prompt-name, else the model's default prompt. */
  promptFor(opts: Pick<EmbedOptions, "prompt" | "promptName" | "role"> = {}): string {
    if (opts.prompt !== undefined && opts.promptName !== undefined) throw new UsageError("give `prompt` or `promptName`, not both", { option: ["prompt", "promptName"] });
    if (opts.prompt !== undefined) return opts.prompt;
    const byRole = opts.role ? ROLE_PROMPTS[opts.role].find((n) => n in this.config.prompts) : undefined;
    const name = opts.promptName ?? byRole ?? this.config.defaultPromptName;
    if (name === null) return "";
    const prompt = this.config.prompts[name];
    if (prompt === undefined) {
      const known = Object.keys(this.config.prompts);
      throw new UsageError(
        known.length > 0
          ? `the model has no prompt "${name}"; use one of ${known.join(", ")} (config_sentence_transformers.json) or pass --prompt "text"`
          : `the model defines no prompts (config_sentence_transformers.json); pass the prompt itself with --prompt "${name}: "`,
      );
    }
    return prompt;
  }

  /** Exactly the input_ids the encoder sees for a text (prompt added, stripped, truncated). */
  encode(text: string, opts: Pick<EmbedOptions, "prompt" | "promptName"> = {}): Encoded {
    return this.prepare(text, this.promptFor(opts)).encoded;
  }

  private clean(s: string): string {
    const t = pyStrip(s);
    return this.config.doLowerCase ? t.toLowerCase() : t;
  }

  private prepare(text: string, prompt: string): Prepared {
    const encoded = this.tokenizer.encode(this.clean(prompt + text), undefined, this.maxSeqLength);
    return { encoded, skip: prompt && !this.config.includePrompt ? this.promptLength(prompt) : 0 };
  }

  /** SentenceTransformer._get_prompt_length: the prompt's tokens with the leading special tokens, not a trailing one. */
  private promptLength(prompt: string): number {
    let n = this.promptLengths.get(prompt);
    if (n === undefined) {
      const e = this.tokenizer.encode(this.clean(prompt), undefined, this.maxSeqLength);
      n = e.ids.length - (e.tokens.length > 0 && this.specialTokens.has(e.tokens[e.tokens.length - 1]) ? 1 : 0);
      this.promptLengths.set(prompt, n);
    }
    return n;
  }

  private finishOptions(opts: EmbedOptions): FinishOptions {
    if (opts.dimensions !== undefined && (!Number.isInteger(opts.dimensions) || opts.dimensions < 1)) {
      throw new UsageError(`\`dimensions\` must be a positive integer, got ${opts.dimensions}`, { option: "dimensions" });
    }
    return { dimensions: opts.dimensions, normalize: opts.normalize ?? this.config.normalize };
  }

  /** Runs prepared rows in length-sorted padded batches; returns one finished vector per row, in row order. */
  private async vectorsFor(rows: readonly Prepared[], batchSize: number, finish: FinishOptions): Promise<Float32Array[]> {
    const out = new Array<Float32Array>(rows.length);
    const side = this.tokenizer.paddingSide;
    for (const { idx, padded } of paddedBatches(
      rows.map((r) => r.encoded),
      batchSize,
      this.tokenizer,
    )) {
      const res = await this.session.run(padded);
      idx.forEach((i, k) => {
        let v: Float32Array;
        if (res.kind === "sentence") v = res.data.slice(k * res.dim, (k + 1) * res.dim);
        else {
          const length = rows[i].encoded.ids.length;
          const offset = k * res.seqLen + (side === "left" ? res.seqLen - length : 0);
          v = poolSequence({ data: res.data, offset, length, dim: res.dim }, this.config.pooling, rows[i].skip);
        }
        if (finish.dimensions !== undefined && finish.dimensions > v.length) {
          throw new UsageError(`\`dimensions\` ${finish.dimensions} is more than the model's ${v.length} dimensions`, { option: "dimensions" });
        }
        out[i] = finishEmbedding(v, finish);
      });
    }
    return out;
  }

  /** One window on this thread's session: texts prepared, run in length-sorted batches, vectors finished and packed. */
  async runJob(job: EmbedJob): Promise<EmbedResult> {
    const prepared = job.texts.map((t) => this.prepare(t, job.prompt));
    const vectors = await this.vectorsFor(prepared, job.batchSize, job.finish);
    const dim = vectors[0]?.length ?? 0;
    const packed = new Float32Array(dim * vectors.length);
    vectors.forEach((v, i) => packed.set(v, i * dim));
    return { dim, vectors: packed, tokens: Int32Array.from(prepared, (p) => p.encoded.ids.length) };
  }

  /**
   * Embeds a stream of items in input order with bounded memory: items are
   * read ahead into a window, each window runs on the next free lane of the
   * pool (length-sorted batches inside it), and vectors are yielded in order.
   */
  async *embedStream<T = string>(
    items: AsyncIterable<T> | Iterable<T>,
    opts: EmbedOptions & { textOf?: (item: T) => string } = {},
  ): AsyncGenerator<EmbeddedItem<T>> {
    const prompt = this.promptFor(opts);
    const finish = this.finishOptions(opts);
    validateLoadOptions({ batchSize: opts.batchSize });
    const batchSize = opts.batchSize ?? this.batchSize;
    const textOf = checkedTextOf(opts.textOf ?? ((item: T) => item));
    const run = async (win: { item: T; text: string }[], first: number): Promise<EmbeddedItem<T>[]> => {
      const res = await this.pool.run({ texts: win.map((w) => w.text), prompt, finish, batchSize }, `records ${first + 1}–${first + win.length}`);
      return win.map((w, i) => ({ item: w.item, embedding: res.vectors.subarray(i * res.dim, (i + 1) * res.dim), tokens: res.tokens[i] }));
    };
    yield* windowed(items, (item) => ({ item, text: textOf(item) }), run, { windowSize: streamWindowSize(batchSize), inFlight: this.pool.capacity });
  }

  /** One vector per text, in order (float32, length = the model's dimension or `dimensions`). */
  async embed(texts: string | readonly string[], opts: EmbedOptions = {}): Promise<Float32Array[]> {
    const list = textList(texts);
    const out: Float32Array[] = [];
    for await (const r of this.embedStream(list, opts)) out.push(r.embedding);
    return out;
  }

  /** The model's similarity (config_sentence_transformers.json's similarity_fn_name, cosine by default) of two vectors. */
  similarity(a: ArrayLike<number>, b: ArrayLike<number>, fn: SimilarityFunction = this.similarityFn): number {
    return similarity(a, b, fn);
  }

}
