/**
 * Pure batching: group encoded texts of similar length so padding is small,
 * pad each batch only to its own longest sequence, and give back the order.
 */

export interface TokenRow {
  ids: number[];
  typeIds: number[];
}

/**
 * Splits row indices into batches sorted by length (longest first, so memory
 * peaks early), stable for equal lengths. A batch holds at most `batchSize`
 * rows and at most `maxTokens` padded tokens (rows × its longest row), so long
 * texts run in smaller batches: attention grows with the square of the length
 * and a batch of 32 × 512 tokens runs several times slower per text than 8 × 512.
 * A row longer than maxTokens still gets a batch of its own. Every index
 * appears exactly once.
 */
export function planBatches(lengths: readonly number[], batchSize: number, maxTokens = Infinity): number[][] {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[b] - lengths[a] || a - b);
  const batches: number[][] = [];
  for (const i of order) {
    // longest first: a batch pads to its first row
    const last = batches[batches.length - 1];
    if (last && last.length < batchSize && lengths[last[0]] * (last.length + 1) <= maxTokens) last.push(i);
    else batches.push([i]);
  }
  return batches;
}

export interface PaddedBatch {
  batch: number;
  seqLen: number;
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
  tokenTypeIds: BigInt64Array;
}

/** Pads rows to the longest of them, on the tokenizer's side, with mask 0 on padding. */
export function padBatch(rows: readonly TokenRow[], padId: number, side: "left" | "right"): PaddedBatch {
  const batch = rows.length;
  const seqLen = rows.reduce((m, r) => Math.max(m, r.ids.length), 0);
  const inputIds = new BigInt64Array(batch * seqLen);
  const attentionMask = new BigInt64Array(batch * seqLen);
  const tokenTypeIds = new BigInt64Array(batch * seqLen);
  for (let b = 0; b < batch; b++) {
    const { ids, typeIds } = rows[b];
    const pad = seqLen - ids.length;
    const start = side === "left" ? pad : 0;
    const base = b * seqLen;
    for (let j = 0; j < seqLen; j++) {
      inputIds[base + j] = BigInt(padId);
          }
    for (let j = 0; j < ids.length; j++) {
      inputIds[base + start + j] = BigInt(ids[j]);
      attentionMask[base + start + j] = 1n;
      tokenTypeIds[base + start + j] = BigInt(typeIds[j] ?? 0);
    }
  }
  return { batch, seqLen, inputIds, attentionMask, tokenTypeIds };
}

/** Cap on padded tokens per batch (see planBatches): 32 texts of 128 tokens. */
export const DEFAULT_MAX_BATCH_TOKENS = 4096;

/**
 * The one batching loop every model runs: rows in length-sorted batches (planBatches, at most
 * DEFAULT_MAX_BATCH_TOKENS padded tokens), each padded on the tokenizer's side, with the rows' indices.
 */
export function* paddedBatches(
  rows: readonly TokenRow[],
  batchSize: number,
  tokenizer: { padId: number; paddingSide: "left" | "right" },
): Generator<{ idx: number[]; padded: PaddedBatch }> {
  for (const idx of planBatches(
    rows.map((r) => r.ids.length),
    batchSize,
    DEFAULT_MAX_BATCH_TOKENS,
  )) {
    yield { idx, padded: padBatch(idx.map((i) => rows[i]), tokenizer.padId, tokenizer.paddingSide) };
  }
}

/** Default texts per batch for float graphs: measured on the bench (docs/performance.md). */
export const DEFAULT_BATCH_SIZE = 32;
/**
 * Dynamically quantized graphs (DynamicQuantizeLinear) pick one activation scale
 * per tensor, i.e. over the whole batch: a text's score would then depend on its
 * neighbours. One text per run keeps every score identical to the model run on
 * that text alone, as Hugging Face's pipeline does.
 */
export const DYNAMIC_QUANT_BATCH_SIZE = 1;
export const DYNAMIC_QUANT_VARIANTS = new Set(["int8", "uint8", "q4"]);

/** Texts per batch when none is asked for: one text per run for dynamically quantized graphs (see above). */
export function defaultBatchSize(variant: string): number {
  return DYNAMIC_QUANT_VARIANTS.has(variant) ? DYNAMIC_QUANT_BATCH_SIZE : DEFAULT_BATCH_SIZE;
}
