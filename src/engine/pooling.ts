/**
 * Why: sentence-transformers' Pooling, Normalize, truncate_dim and similarity
 * functions as pure functions over one sequence's token vectors, so a vector
 * never depends on how (or whether) its batch was padded.
 */

/** Pooling modes in the order sentence-transformers concatenates them (Pooling.forward). */
export const POOLING_MODES = ["cls", "max", "mean", "mean_sqrt_len_tokens", "weightedmean", "lasttoken"] as const;
export type PoolingMode = (typeof POOLING_MODES)[number];

export const SIMILARITY_FUNCTIONS = ["cosine", "dot", "euclidean", "manhattan"] as const;
export type SimilarityFunction = (typeof SIMILARITY_FUNCTIONS)[number];

export interface TokenVectors {
  /** hidden states, row-major [.., dim]; the sequence's tokens are `length` consecutive rows from `offset` */
  data: Float32Array;
  /** index of the sequence's first real (non-padding) token row in `data` */
  offset: number;
  /** real tokens of the sequence (special tokens included) */
  length: number;
  dim: number;
}

/**
 * One sentence vector from one sequence's token vectors, as Pooling.forward
 * does for a right-padded batch. `skip` leading tokens (the prompt, with
 * include_prompt false) are masked out as sentence-transformers does: every mode
 * but cls ignores them. Positions are counted from the first real token, so
 * left padding gives the same vector (sentence-transformers itself would take a
 * pad token for cls and shift weightedmean's weights there).
 */
export function poolSequence(t: TokenVectors, modes: readonly PoolingMode[], skip = 0): Float32Array {
  const { data, offset, length, dim } = t;
  const out = new Float32Array(dim * modes.length);
  const row = (i: number) => (offset + i) * dim;
  const from = Math.min(skip, length);
  const ordered = POOLING_MODES.filter((m) => modes.includes(m));
  ordered.forEach((mode, k) => {
    const base = k * dim;
    switch (mode) {
      case "cls":
        // token 0 regardless of the mask, as sentence-transformers
        if (length > 0) out.set(data.subarray(row(0), row(0) + dim), base);
        break;
      case "max":
        for (let d = 0; d < dim; d++) {
          let m = from < length ? -Infinity : -1e9; // every token masked: Pooling's -1e9 fill wins
          for (let i = from; i < length; i++) m = Math.max(m, data[row(i) + d]);
          out[base + d] = m;
        }
        break;
      case "mean":
      case "mean_sqrt_len_tokens":
      case "weightedmean": {
        const sum = new Float64Array(dim);
        let weight = 0;
        for (let i = from; i < length; i++) {
          const w = mode === "weightedmean" ? i + 1 : 1;
          weight += w;
          const r = row(i);
          for (let d = 0; d < dim; d++) sum[d] += w * data[r + d];
        }
        const clamped = Math.max(weight, 1e-9);
        const div = mode === "mean_sqrt_len_tokens" ? Math.sqrt(clamped) : clamped;
        for (let d = 0; d < dim; d++) out[base + d] = sum[d] / div;
        break;
      }
      case "lasttoken":
        // the last unmasked token; zeros when every token is masked (gather × mask)
        if (from < length) out.set(data.subarray(row(length - 1), row(length - 1) + dim), base);
        break;
    }
  });
  return out;
}

export function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

/** L2 normalization as torch.nn.functional.normalize (p=2, eps=1e-12). */
export function normalize(v: Float32Array): Float32Array {
  const n = Math.max(norm(v), 1e-12);
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i] / n;
  return out;
}

/**
 * The finished embedding: Matryoshka truncation to `dimensions`, then L2
 * normalization when asked. Renormalizing after truncation is what a
 * normalized model's truncated vectors need for dot/cosine use
 * (sentence-transformers' encode(truncate_dim=…, normalize_embeddings=True)).
 */
export function finishEmbedding(v: Float32Array, opts: { dimensions?: number; normalize: boolean }): Float32Array {
  const cut = opts.dimensions !== undefined && opts.dimensions < v.length ? v.slice(0, opts.dimensions) : v;
  return opts.normalize ? normalize(cut) : cut;
}

/**
 * sentence-transformers' pairwise similarity functions: cosine, dot, and the
 * negated euclidean and manhattan distances (higher is always more similar).
 */
export function similarity(a: ArrayLike<number>, b: ArrayLike<number>, fn: SimilarityFunction = "cosine"): number {
  if (a.length !== b.length) throw new RangeError(`vectors differ in length: ${a.length} and ${b.length}`);
  let s = 0;
  switch (fn) {
    case "cosine": {
      const na = Math.max(norm(a), 1e-12);
      const nb = Math.max(norm(b), 1e-12);
      for (let i = 0; i < a.length; i++) s += (a[i] / na) * (b[i] / nb);
      return s;
    }
    case "dot":
      for (let i = 0; i < a.length; i++) s += a[i] * b[i];
      return s;
    case "euclidean":
      for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
      return -Math.sqrt(s);
    case "manhattan":
      for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
      return -s;
    default:
      throw new RangeError(`unknown similarity function "${String(fn)}"; use one of ${SIMILARITY_FUNCTIONS.join(", ")}`);
  }
}

/** Python's str.strip(): str.isspace() characters, which JavaScript's trim() does not match exactly. */
const PY_SPACE = "\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const PY_STRIP = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, "g");
export function pyStrip(s: string): string {
  return s.replace(PY_STRIP, "");
}

/** Shortest decimal that reads back as the same float32: JSON stays small and exact. */
export function float32Number(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  for (let p = 6; p < 9; p++) {
    const y = Number(x.toPrecision(p));
    if (Math.fround(y) === x) return y;
  }
  return Number(x.toPrecision(9));
}
