/**
 * Why: cross-encoders tokenize (query, document) with truncation=True, i.e.
 * Hugging Face tokenizers' "longest_first" strategy; this is its length rule
 * (tokenizers/src/utils/truncation.rs), kept pure so it can be checked by hand.
 */

/**
 * Content tokens kept of each text of a pair so that n1 + n2 ≤ budget: the
 * longer text is cut first; when both must go, the budget is split in half,
 * the odd token going to the longer text.
 * Known divergence (fuzzed against the tokenizers 0.23.2 binding): when both texts are cut and the
 * budget is odd, the binding sometimes gives the odd token to the other text, depending on the texts
 * and not only on their lengths (BERT, max_length 4: "unbelievably" | "the the the the the the" keeps
 * [CLS] un [SEP] [SEP], this rule [CLS] [SEP] the [SEP]; "the the the the the" | the same keeps the
 * latter). Rust's source is this rule, so it stays until the binding's reason is known.
 */
export function longestFirstLengths(n1: number, n2: number, budget: number): [number, number] {
  if (n1 + n2 <= budget) return [n1, n2];
  const swap = n1 > n2;
  let short = Math.min(n1, n2);
  let long: number;
  if (short > budget) long = short;
  else long = Math.max(short, budget - short);
  if (short + long > budget) {
    short = Math.floor(budget / 2);
    long = short + (budget % 2);
  }
  return swap ? [long, short] : [short, long];
}
