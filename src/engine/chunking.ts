/**
 * Pure arithmetic for long documents: overlapping token windows (as Hugging
 * Face tokenizers make them with return_overflowing_tokens and a stride) and
 * the averages that fold window or sentence scores back into one prediction.
 */

/**
 * Splits `n` content tokens into windows of at most `size`, consecutive windows
 * sharing `stride` tokens (HF's meaning of stride), the last one ending at n.
 * Zero tokens still give one (empty) window, so every text is scored.
 */
export function windowRanges(n: number, size: number, stride: number): Array<[number, number]> {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`window size must be a positive integer, got ${size}`);
  if (!Number.isInteger(stride) || stride < 0 || stride >= size) {
    throw new RangeError(`stride must be an integer from 0 to ${size - 1} (window size ${size}), got ${stride}`);
  }
  const out: Array<[number, number]> = [];
  const step = size - stride;
  for (let start = 0; ; start += step) {
    const end = Math.min(start + size, n);
    out.push([start, end]);
    if (end >= n) break;
  }
  return out;
}

/** Element-wise mean of equal-length rows, each weighted (weights need not sum to 1; all-zero weights count equally). */
export function weightedMean(rows: readonly (readonly number[])[], weights?: readonly number[]): number[] {
  if (rows.length === 0) throw new RangeError("nothing to average");
  const w = weights ?? rows.map(() => 1);
  let total = w.reduce((a, b) => a + b, 0);
  const ws = total > 0 ? w : rows.map(() => 1);
  if (total <= 0) total = rows.length;
  const out = new Array<number>(rows[0].length).fill(0);
  rows.forEach((r, i) => {
    for (let j = 0; j < out.length; j++) out[j] += (r[j] * ws[i]) / total;
  });
  return out;
}
