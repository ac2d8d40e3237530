/**
 * The ONNX Runtime edge: creates a session for a bundle's graph, checks the
 * graph's inputs and outputs, and turns a padded batch into logits.
 */
import type { InferenceSession, Tensor } from "onnxruntime-node";
import { BundleError, InferenceError, UsageError } from "../errors.js";
import type { PaddedBatch } from "./batching.js";
import { physicalCores } from "./cores.js";

export interface SessionOptions {
  /** intra-op threads (default: physical cores) */
  threads?: number;
  /**
   * The session answers a few texts already at hand (command-line arguments) and ends: open it as fast as the
   * runtime allows. See ortSessionOptions.
   */
  fastStart?: boolean;
}

const KNOWN_INPUTS = new Set(["input_ids", "attention_mask", "token_type_ids"]);

export type Ort = typeof import("onnxruntime-node");
let ortPromise: Promise<Ort> | undefined;
/** Loaded on first use: importing the native binding costs startup time that `--help` should not pay. */
function ort(): Promise<Ort> {
  // ONNX Runtime's telemetry otherwise writes a device id to ~/.cache/Microsoft/DeveloperTools (outside the HF
  // cache an offline tool should keep to) and, where HOME is read-only (containers), prints a coloured warning
  // on stderr. Set before the first session creates ORT's environment; a value the user set is kept.
  process.env.ORT_DISABLE_TELEMETRY ??= "1";
  ortPromise ??= import("onnxruntime-node");
  return ortPromise;
}

/**
 * nlp's ONNX Runtime settings, the one place they are chosen (bench/bare-session.js uses them too).
 * fastStart: the intra-op threads sleep between operators instead of spinning. Spinning pool threads compete
 * with the thread that builds the session: on 2 busy cores, creating the embedded model's session takes
 * ~40 ms with them, ~21 ms without (docs/performance.md, "Start"). A stream keeps spinning, which pays over
 * many runs. The thread count is the same either way, so the work is split alike and the scores are bitwise
 * those of a stream (test/start.test.mjs).
 */
export function ortSessionOptions(opts: SessionOptions = {}): InferenceSession.SessionOptions {
  return {
    intraOpNumThreads: opts.threads ?? physicalCores(),
    interOpNumThreads: 1,
    // "extended", not "all": "all" adds only the layout passes for convolutions (NCHWc), which encoders do not
    // have, and their search costs a third of the session's creation (bench int8 165 → 113 ms, fp32 563 → 375 ms,
    // embedded 47 → 25 ms on 1 thread); the logits were bitwise identical on all three over 150 SST-2 texts
    graphOptimizationLevel: "extended",
    executionMode: "sequential",
    ...(opts.fastStart ? { extra: { session: { intra_op: { allow_spinning: "0" } } } } : {}),
  };
}

/** One ONNX Runtime session with nlp's settings, shared by every graph kind (classifier, feature extractor). */
export async function createOrtSession(path: string, opts: SessionOptions = {}): Promise<{ session: InferenceSession; ort: Ort }> {
  const o = await ort();
  try {
    const session = await o.InferenceSession.create(path, ortSessionOptions(opts));
    return { session, ort: o };
  } catch (err) {
    throw new BundleError(
      `ONNX Runtime cannot load ${path}: ${firstLine((err as Error).message)}; re-download or re-export the model (a truncated file is the usual cause)`,
      1,
      { cause: err },
    );
  }
}

/** A graph's outputs and their declared shapes (undefined where the graph declares none), read without running it. */
export async function graphOutputs(path: string): Promise<Map<string, unknown[] | undefined>> {
  const { session } = await createOrtSession(path, { threads: 1 });
  try {
    const meta = (session as unknown as { outputMetadata?: Array<{ name: string; shape?: unknown[] }> }).outputMetadata ?? [];
    return new Map(session.outputNames.map((n) => [n, meta.find((m) => m.name === n)?.shape]));
  } finally {
    await session.release();
  }
}

/** A padded batch as the graph's int64 inputs (input_ids, attention_mask, token_type_ids). */
export function batchFeeds(o: Ort, inputNames: readonly string[], batch: PaddedBatch): Record<string, Tensor> {
  const dims = [batch.batch, batch.seqLen];
  const feeds: Record<string, Tensor> = {};
  for (const name of inputNames) {
    const data = name === "input_ids" ? batch.inputIds : name === "attention_mask" ? batch.attentionMask : batch.tokenTypeIds;
    feeds[name] = new o.Tensor("int64", data, dims);
  }
  return feeds;
}

export class OnnxClassifierSession {
  private constructor(
    private readonly session: InferenceSession,
    private readonly ortModule: Ort,
    readonly inputNames: readonly string[],
    readonly outputName: string,
    /** logits width from the graph, when the graph declares it */
    readonly declaredWidth: number | undefined,
  ) {}

  static async create(path: string, opts: SessionOptions = {}): Promise<OnnxClassifierSession> {
    const { session, ort: o } = await createOrtSession(path, opts);
    const inputs = session.inputNames;
    if (!inputs.includes("input_ids")) {
      throw new BundleError(`${path} has no input_ids input (inputs: ${inputs.join(", ")}); it is not a text-classification export`);
    }
    const unknown = inputs.filter((n) => !KNOWN_INPUTS.has(n));
    if (unknown.length > 0) {
      throw new BundleError(
        `${path} needs inputs nlp cannot supply (${unknown.join(", ")}); export with \`optimum-cli export onnx --task text-classification\``,
      );
    }
    const outputs = session.outputNames;
    const outputName = outputs.includes("logits") ? "logits" : undefined;
    if (!outputName) {
      throw new BundleError(
        outputs.some((o) => ["last_hidden_state", "token_embeddings", "sentence_embedding"].includes(o))
          ? `${path} is a feature extractor (outputs: ${outputs.join(", ")}), not a classifier; use nlp embed, nlp similarity or nlp search with it`
          : `${path} has no logits output (outputs: ${outputs.join(", ")}); export a sequence-classification head (--task text-classification)`,
      );
    }
    let declaredWidth: number | undefined;
    const meta = (session as unknown as { outputMetadata?: Array<{ name: string; shape?: unknown[] }> }).outputMetadata;
    const shape = meta?.find((m) => m.name === outputName)?.shape;
    if (Array.isArray(shape)) {
      const last = shape[shape.length - 1];
      if (typeof last === "number" && last > 0) declaredWidth = last;
    }
    return new OnnxClassifierSession(session, o, inputs, outputName, declaredWidth);
  }

  /** Runs one padded batch; returns one logits row per sequence. */
  async run(batch: PaddedBatch): Promise<Float32Array[]> {
    const out = await this.logits(batch);
    if (out.dims.length !== 2) {
      // a token head without `architectures` in its config: read as rows it would give a plausible, wrong label
      throw new UsageError(`the model's logits have shape [${out.dims.join(", ")}], not [batch, labels]: it is a token-classification model, not a text classifier; run it with \`nlp ner\``);
    }
    const data = out.data as Float32Array;
    const width = out.dims[1];
    const rows: Float32Array[] = [];
    for (let b = 0; b < batch.batch; b++) rows.push(data.slice(b * width, (b + 1) * width));
    return rows;
  }

  /**
   * Runs one padded batch of a token-classification graph ([batch, seq, labels] logits); returns each
   * sequence's [seq × labels] block, padding included (the caller knows its side and length).
   */
  async runTokens(batch: PaddedBatch): Promise<Float32Array[]> {
    const out = await this.logits(batch);
    if (out.dims.length !== 3) {
      // the wrong kind of model for the command: a usage error, as classify's refusal of token classifiers
      throw new UsageError(`the model's logits have shape [${out.dims.join(", ")}], not [batch, tokens, labels]: it is a text-classification model, not a token classifier; run it with \`nlp classify\``);
    }
    const data = out.data as Float32Array;
    const size = out.dims[1] * out.dims[2];
    const rows: Float32Array[] = [];
    for (let b = 0; b < batch.batch; b++) rows.push(data.subarray(b * size, (b + 1) * size));
    return rows;
  }

  /** The graph's logits output for one padded batch; an ONNX Runtime failure as an InferenceError. */
  private async logits(batch: PaddedBatch): Promise<Tensor> {
    const feeds = batchFeeds(this.ortModule, this.inputNames, batch);
    try {
      return (await this.session.run(feeds))[this.outputName];
    } catch (err) {
      throw new InferenceError(`ONNX Runtime failed on a batch of ${batch.batch}×${batch.seqLen} tokens: ${firstLine((err as Error).message)}`, 1, {
        cause: err,
      });
    }
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

export function firstLine(s: string): string {
  return s.split("\n")[0];
}
