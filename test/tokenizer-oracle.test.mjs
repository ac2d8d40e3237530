// Our tokenizer layer (TextTokenizer over @huggingface/tokenizers) against the
// Rust tokenizers that Python transformers runs (the npm `tokenizers` binding,
// a devDependency used only here): every fixture tokenizer, the whole corpus of
// test/fixtures/tokenizer-corpus (regenerate with its build.mjs), identical ids
// untruncated, at 512 and at 16 tokens, and for the NLI heads the
// (premise, hypothesis) pair truncated only_first as the zero-shot pipeline does.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import tokenizers from "tokenizers";
import { readBundle } from "../dist/model/bundle.js";
import { TextTokenizer } from "../dist/model/tokenizer.js";
import { CLASSIFIERS, ROOT, fixture } from "./helpers.mjs";

const { Tokenizer: RustTokenizer } = tokenizers;

const CORPUS = readFileSync(join(ROOT, "test", "fixtures", "tokenizer-corpus", "corpus.jsonl"), "utf8")
  .split("\n")
  .filter((l) => l !== "")
  .map((l) => JSON.parse(l));
const TEXTS = CORPUS.map((r) => r.text);
const NLI = ["bert_nli", "deberta_v2_nli"];
/** undefined: no truncation */
const MAX_LENGTHS = [undefined, 512, 16];
/**
 * Hypotheses as the zero-shot pipeline builds them ("This example is {}."); the
 * last is long enough that at 16 tokens the premise alone cannot absorb the cut.
 */
const HYPOTHESES = ["This example is sports.", "This example is négatif 👎.", "This example is about an extraordinarily long and detailed candidate label."];

function ours(name) {
  const b = readBundle(fixture(name), "fp32");
  return new TextTokenizer(b.tokenizerJson, b.tokenizerConfigJson, b.configJson);
}

/** The Rust tokenizer set up as transformers' fast tokenizer sets it per call: no padding, truncation as asked. */
function oracle(name, truncationSide) {
  const rust = RustTokenizer.fromFile(join(fixture(name), "tokenizer.json"));
  rust.disablePadding();
  return {
    async encodeAll(inputs, maxLength, strategy) {
      if (maxLength === undefined) rust.disableTruncation();
      else rust.setTruncation(maxLength, { strategy, direction: truncationSide });
      const out = [];
      for (let i = 0; i < inputs.length; i += 512) {
        const batch = inputs.slice(i, i + 512);
        try {
          out.push(...(await rust.encodeBatch(batch, { addSpecialTokens: true })));
        } catch {
          // one input the strategy cannot truncate fails the batch: redo it one by one
          for (const input of batch) out.push(await this.encodeOne(input, maxLength, strategy));
        }
      }
      return out;
    },
    async encodeOne(input, maxLength, strategy) {
      const [a, b] = Array.isArray(input) ? input : [input, null];
      try {
        return await rust.encode(a, b, { addSpecialTokens: true });
      } catch (err) {
        // the zero-shot pipeline retries without truncation when tokenizers says
        // "Sequence to truncate too short to respect the provided max_length"
        if (!/too short/.test(String(err))) throw err;
        rust.disableTruncation();
        try {
          return await rust.encode(a, b, { addSpecialTokens: true });
        } finally {
          rust.setTruncation(maxLength, { strategy, direction: truncationSide });
        }
      }
    },
  };
}

const show = (s) => JSON.stringify(s.length > 80 ? s.slice(0, 80) + "…" : s);

/** Compares ids (and, for pairs, the type ids the model gets) and returns the mismatches as readable lines. */
function compare(inputs, mine, rust, { typeIds = false } = {}) {
  const bad = [];
  for (let i = 0; i < inputs.length; i++) {
    const want = rust[i].getIds();
    const got = mine[i].ids;
    let same = got.length === want.length && got.every((id, k) => id === want[k]);
    if (same && typeIds) {
      const wt = rust[i].getTypeIds();
      same = mine[i].typeIds.every((t, k) => t === wt[k]);
    }
    if (!same) {
      const input = Array.isArray(inputs[i]) ? inputs[i].join(" ⟂ ") : inputs[i];
      bad.push(`${CORPUS[i % CORPUS.length].source} ${show(input)}\n    ours ${mine[i].tokens.join(" ")}\n    rust ${rust[i].getTokens().join(" ")}`);
    }
  }
  return bad;
}

let compared = 0;
let equal = 0;

for (const name of [...CLASSIFIERS, ...NLI]) {
  test(`oracle: ${name} encodes the corpus as the Rust tokenizers do`, async () => {
    const tk = ours(name);
    const rust = oracle(name, tk.truncationSide);
    const failures = [];
    for (const maxLength of MAX_LENGTHS) {
      const limit = maxLength ?? Infinity;
      const mine = TEXTS.map((t) => tk.encode(t, undefined, limit));
      const bad = compare(TEXTS, mine, await rust.encodeAll(TEXTS, maxLength, "LongestFirst"));
      compared += TEXTS.length;
      equal += TEXTS.length - bad.length;
      if (bad.length) failures.push(`max_length ${maxLength ?? "none"}: ${bad.length} of ${TEXTS.length} differ\n  ${bad.slice(0, 5).join("\n  ")}`);
    }
    if (NLI.includes(name)) {
      const pairs = TEXTS.map((t, i) => [t, HYPOTHESES[i % HYPOTHESES.length]]);
      for (const maxLength of MAX_LENGTHS) {
        const mine = pairs.map(([a, b]) => tk.encode(a, b, maxLength ?? Infinity));
        const bad = compare(pairs, mine, await rust.encodeAll(pairs, maxLength, "OnlyFirst"), { typeIds: tk.returnsTypeIds });
        compared += pairs.length;
        equal += pairs.length - bad.length;
        if (bad.length) failures.push(`pair, max_length ${maxLength ?? "none"}: ${bad.length} of ${pairs.length} differ\n  ${bad.slice(0, 5).join("\n  ")}`);
      }
    }
    assert.equal(failures.length, 0, failures.join("\n"));
  });
}

test("oracle: the corpus is the one the issue asks for", () => {
  assert.ok(CORPUS.length >= 5000, `${CORPUS.length} texts`);
  const sources = new Set(CORPUS.map((r) => r.source.split(":")[0].split("/")[0]));
  for (const s of ["amazon_reviews_multi", "tweet_eval", "sst2", "emotion", "ag_news", "sms_spam", "allocine_tv", "edge"]) assert.ok(sources.has(s), s);
  assert.ok(TEXTS.some((t) => /\p{Extended_Pictographic}\u200d\p{Extended_Pictographic}/u.test(t)), "emoji ZWJ sequences");
  process.stderr.write(`# oracle: ${equal} of ${compared} encodings equal (${((100 * equal) / Math.max(1, compared)).toFixed(3)}%)\n`);
});
