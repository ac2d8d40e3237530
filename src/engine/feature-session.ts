/**
 * Why: an encoder exported for feature extraction has no logits; this session
 * hands back either the graph's own `sentence_embedding` [batch, dim] or its
 * token vectors (`last_hidden_state` / `token_embeddings`, [batch, seq, dim])
 * for nlp to pool.
 */
import type { InferenceSession, Tensor } from "onnxruntime-node";
import { BundleError, InferenceError } from "../errors.js";
import type { PaddedBatch } from "./batching.js";
import { batchFeeds, createOrtSession, firstLine, type Ort, type SessionOptions } from "./session.js";

const KNOWN_INPUTS = new Set(["input_ids", "attention_mask", "token_type_ids"]);
/** Token-vector outputs, in preference order: optimum's feature-extraction export, then sentence-transformers' export. */
const TOKEN_OUTPUTS = ["last_hidden_state", "token_embeddings"];

export type FeatureOutput =
  | { kind: "sentence"; data: Float32Array; dim: number }
  | { kind: "tokens"; data: Float32Array; seqLen: number; dim: number };

export class OnnxFeatureSession {
  private constructor(
    private readonly session: InferenceSession,
    private readonly ortModule: Ort,
    readonly inputNames: readonly string[],
    /** the output used: sentence_embedding when the graph pools itself, else token vectors */
    readonly outputName: string,
  ) {}

  /** `preferTokens`: take token vectors even when the graph also outputs sentence_embedding (to pool, or to skip its Normalize). */
  static async create(path: string, opts: SessionOptions & { preferTokens?: boolean } = {}): Promise<OnnxFeatureSession> {
    const { session, ort } = await createOrtSession(path, opts);
    const inputs = session.inputNames;
    const unknown = inputs.filter((n) => !KNOWN_INPUTS.has(n));
    if (!inputs.includes("input_ids") || unknown.length > 0) {
      throw new BundleError(
        `${path} needs inputs nlp cannot supply (inputs: ${inputs.join(", ")}); export the encoder with \`optimum-cli export onnx --task feature-extraction\``,
      );
    }
    const outputs = session.outputNames;
    const tokens = TOKEN_OUTPUTS.find((n) => outputs.includes(n));
    const sentence = outputs.includes("sentence_embedding") ? "sentence_embedding" : undefined;
    const outputName = opts.preferTokens ? (tokens ?? sentence) : (sentence ?? tokens);
    if (!outputName && outputs.includes("logits")) {
      throw new BundleError(`${path} is a classifier (outputs: ${outputs.join(", ")}), not an embedding model; use nlp classify, or nlp rerank for a cross-encoder`);
    }
    if (!outputName) {
      throw new BundleError(
        `${path} has neither last_hidden_state, token_embeddings nor sentence_embedding (outputs: ${outputs.join(", ")}); export it with \`optimum-cli export onnx --task feature-extraction\``,
      );
    }
    return new OnnxFeatureSession(session, ort, inputs, outputName);
  }

  get pools(): boolean {
    return this.outputName === "sentence_embedding";
  }

  async run(batch: PaddedBatch): Promise<FeatureOutput> {
    let out: Tensor;
    try {
      out = (await this.session.run(batchFeeds(this.ortModule, this.inputNames, batch)))[this.outputName];
    } catch (err) {
      throw new InferenceError(`ONNX Runtime failed on a batch of ${batch.batch}×${batch.seqLen} tokens: ${firstLine((err as Error).message)}`, 1, {
        cause: err,
      });
    }
    const data = out.data as Float32Array;
    if (out.type !== "float32") throw new InferenceError(`${this.outputName} is ${out.type}, not float32; use an fp32 or int8 export (fp16 outputs are not supported)`);
    if (out.dims.length === 2) return { kind: "sentence", data, dim: out.dims[1] };
    if (out.dims.length === 3 && out.dims[1] === batch.seqLen) return { kind: "tokens", data, seqLen: out.dims[1], dim: out.dims[2] };
    throw new InferenceError(`${this.outputName} has shape [${out.dims.join(", ")}]; expected [batch, dim] or [batch, ${batch.seqLen}, dim]`);
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
