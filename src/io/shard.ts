/**
 * `--shard K/N`: keep records K, K+N, K+2N, … (1-based), so N workers given
 * 1/N … N/N split one input deterministically with nothing shared between them.
 */
import { UsageError } from "../errors.js";

export interface Shard {
  /** 1-based */
  index: number;
  count: number;
}

export function parseShard(value: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) {
    throw new UsageError(`--shard must be K/N with 1 ≤ K ≤ N (e.g. --shard 2/8 for the second of 8 workers), got "${value}"`);
  }
  return { index, count };
}

/** Without a shard (or with 1/1) the records pass through as they are: no extra async step per record. */
export function takeShard<T>(records: AsyncIterable<T>, shard: Shard | undefined): AsyncIterable<T> {
  return !shard || shard.count === 1 ? records : everyNth(records, shard);
}

async function* everyNth<T>(records: AsyncIterable<T>, shard: Shard): AsyncGenerator<T> {
  let i = 0;
  for await (const r of records) {
    if (i % shard.count === shard.index - 1) yield r;
    i++;
  }
}
