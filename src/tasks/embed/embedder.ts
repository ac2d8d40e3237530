/**
 * Why: SentenceTransformer.encode without Python — prompt, strip, truncation at
 * max_seq_length, the encoder in length-sorted padded batches, then Pooling,
 * Normalize and Matryoshka truncation per text, so no vector depends on its
 * batch neighbours.
 */
import { BundleError, UsageError } from "../../errors.js";
import { paddedBatches } from "../../engine/batching.js";
import { windowed } from "../../engine/windowed.js";
import { finishEmbedding, poolSequence, pyStrip, similarity, type SimilarityFunction } from "../../engine/pooling.js";
import { readBundle, type Bundle } from "../../model/bundle.js";
import { defaultBatchSize, streamWindowSize, validateLoadOptions } from "../classify/classifier.js";
import { OnnxFeatureSession } from "../../engine/feature-session.js";
import { readSentenceConfig, type SentenceConfig } from "../../model/sentence-bundle.js";
import { TextTokenizer, type Encoded } from "../../engine/tokenizer.js";

export interface EmbedLoadOptions {
  /** ONNX variant: int8 (default when present), fp32, … */
  variant?: string;
  /** cap on tokens per text, special tokens included (never above max_seq_length) */
  maxLength?: number;
  threads?: number;
  /** a few texts at hand, then done (the CLI's text arguments): open the session fast (engine/session.ts) */
  fastStart?: boolean;
  /** texts per inference batch (default 32; 1 for int8 graphs, whose activation scale spans the batch) */
  batchSize?: number;
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

interface Prepared<T> {
  item: T;
  encoded: Encoded;
  /** leading tokens masked out of the pooling (the prompt, with include_prompt false) */
  skip: number;
}

export class TextEmbedder {
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
    const session = await OnnxFeatureSession.create(bundle.onnx, { threads: opts.threads, fastStart: opts.fastStart, preferTokens: canPool });
    if (!session.pools && !canPool) {
      const why = config.otherModules.length > 0 ? `modules nlp does not run itself (${config.otherModules.join(", ")})` : "no Pooling module";
      await session.dispose();
      throw new BundleError(`${dir}/modules.json has ${why} and ${bundle.onnx} has no sentence_embedding output; export it with \`optimum-cli export onnx --library sentence_transformers\``);
    }
    return new TextEmbedder(bundle, config, tokenizer, session, opts);
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
    return this.prepare(text, text, this.promptFor(opts)).encoded;
  }

  private clean(s: string): string {
    const t = pyStrip(s);
    return this.config.doLowerCase ? t.toLowerCase() : t;
  }

  private prepare<T>(item: T, text: string, prompt: string): Prepared<T> {
    const encoded = this.tokenizer.encode(this.clean(prompt + text), undefined, this.maxSeqLength);
    return { item, encoded, skip: prompt && !this.config.includePrompt ? this.promptLength(prompt) : 0 };
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

  private finishOptions(opts: EmbedOptions): { dimensions?: number; normalize: boolean } {
    if (opts.dimensions !== undefined && (!Number.isInteger(opts.dimensions) || opts.dimensions < 1)) {
      throw new UsageError(`\`dimensions\` must be a positive integer, got ${opts.dimensions}`, { option: "dimensions" });
    }
    return { dimensions: opts.dimensions, normalize: opts.normalize ?? this.config.normalize };
  }

  /** Runs prepared rows in length-sorted padded batches; returns one finished vector per row, in row order. */
  private async vectorsFor(rows: readonly Prepared<unknown>[], batchSize: number, finish: { dimensions?: number; normalize: boolean }): Promise<Float32Array[]> {
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

  /**
   * Embeds a stream of items in input order with bounded memory: items are
   * read ahead into a window, length-sorted inside it, and yielded in order.
   */
  async *embedStream<T = string>(
    items: AsyncIterable<T> | Iterable<T>,
    opts: EmbedOptions & { textOf?: (item: T) => string } = {},
  ): AsyncGenerator<EmbeddedItem<T>> {
    const prompt = this.promptFor(opts);
    const finish = this.finishOptions(opts);
    const batchSize = opts.batchSize ?? this.batchSize;
    const textOf = opts.textOf ?? ((item: T) => String(item));
    const run = async (win: Prepared<T>[]) => {
      const vectors = await this.vectorsFor(win, batchSize, finish);
      return win.map((w, i) => ({ item: w.item, embedding: vectors[i], tokens: w.encoded.ids.length }));
    };
    yield* windowed(items, (item) => this.prepare(item, textOf(item), prompt), run, { windowSize: streamWindowSize(batchSize) });
  }

  /** One vector per text, in order (float32, length = the model's dimension or `dimensions`). */
  async embed(texts: string | readonly string[], opts: EmbedOptions = {}): Promise<Float32Array[]> {
    const list = typeof texts === "string" ? [texts] : texts;
    const out: Float32Array[] = [];
    for await (const r of this.embedStream(list, opts)) out.push(r.embedding);
    return out;
  }

  /** The model's similarity (config_sentence_transformers.json's similarity_fn_name, cosine by default) of two vectors. */
  similarity(a: ArrayLike<number>, b: ArrayLike<number>, fn: SimilarityFunction = this.similarityFn): number {
    return similarity(a, b, fn);
  }

  async dispose(): Promise<void> {
    await this.session.dispose();
  }
}
