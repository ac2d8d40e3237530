// Huge texts in truncate mode: only a bounded prefix is tokenized, and its ids are those of the whole text
// (checked on every fixture tokenizer against full tokenization, on texts built to put the cut in awkward
// places); the output does not echo a huge text back unless asked.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { TextTokenizer } from "../dist/engine/tokenizer.js";
import { CLASSIFIERS, FIXTURES, ROOT, fixture, reference, runInProcess, jsonl } from "./helpers.mjs";

const BUNDLES = [...readdirSync(FIXTURES).map((n) => join(FIXTURES, n)), join(ROOT, "models", "en.classify.sentiment.tiny")];

function tokenizerAt(dir, maxLength) {
  const read = (f) => JSON.parse(readFileSync(join(dir, f), "utf8"));
  return new TextTokenizer(read("tokenizer.json"), read("tokenizer_config.json"), read("config.json"), maxLength);
}

/** Deterministic pseudo-random texts from fragments that stress normalizers and pre-tokenizers at a cut. */
function awkwardText(seed, length) {
  const pieces = [
    "word", "Word", "ΟΔΟΣ", "Σ", "ς", "e\u0301", " \u0301", "\u0301", "naïve", "ﬁne", "İstanbul", "``quote''", "don't", "it's",
    "日本語の文", "中文", "👩‍👩‍👧", "\u200d", "\u200b", "\u00a0", "\u0085", "\u3000", "\t", "\n", "\r\n", "  ", "   ",
    "[UNK]", "<unk>", "<mask>", "[MASK]", "12345", "3.14", "x".repeat(130), "ab", "a", "Z9", "...", "—", "~", "～", "¨", "´",
  ];
  const seps = [" ", " ", " ", "", "  ", "\t", "\n"];
  let s = seed;
  const rnd = (n) => ((s = (s * 1103515245 + 12345) & 0x7fffffff), s % n);
  let out = "";
  while (out.length < length) out += pieces[rnd(pieces.length)] + seps[rnd(seps.length)];
  return out;
}

/** The whole text tokenized: the first window of encodeWindows is the truncated encoding of the full token list. */
function wholeIds(tk, text) {
  return tk.encodeWindows(text)[0].ids;
}

for (const dir of BUNDLES) {
  const name = dir.split("/").pop();
  test(`bounded prefix gives the ids of the whole text: ${name}`, () => {
    for (const maxLength of [8, 24, 64]) {
      const tk = tokenizerAt(dir, maxLength);
      let bounded = 0;
      for (let seed = 1; seed <= 40; seed++) {
        const text = awkwardText(seed * 7919 + maxLength, 1500 + (seed % 7) * 700);
        const e = tk.encode(text);
        assert.deepEqual(e.ids, wholeIds(tk, text), `${name} max ${maxLength} seed ${seed}`);
        assert.ok(e.fullLength > e.ids.length, "a long text is reported as truncated");
        if (e.prefixChars !== undefined) bounded++;
      }
      // where the tokenizer allows it, the bounded path really ran
      if (tk.boundedPrefix) assert.ok(bounded > 30, `${name}: bounded prefix used on ${bounded} of 40 texts`);
    }
  });
}

test("the tokenizers whose pipeline splits words before the model take the bounded path", () => {
  const using = BUNDLES.filter((d) => tokenizerAt(d).boundedPrefix).map((d) => d.split("/").pop());
  for (const n of ["bert", "distilbert", "roberta", "xlm_roberta", "albert", "camembert", "xlnet", "mpnet", "en.classify.sentiment.tiny"]) {
    assert.ok(using.includes(n), `${n} should use the bounded prefix`);
  }
});

test("a text with no safe cut (no ASCII space after a letter or digit) is tokenized whole", () => {
  const tk = tokenizerAt(fixture("bert"), 16);
  const text = "日本語の文章。".repeat(400);
  const e = tk.encode(text);
  assert.equal(e.prefixChars, undefined);
  assert.deepEqual(e.ids, wholeIds(tk, text));
});

test("pairs (zero-shot premise + hypothesis) use the bounded prefix of the premise", () => {
  const tk = tokenizerAt(fixture("bert_nli"), 32);
  const premise = awkwardText(99, 4000);
  const hypothesis = "This example is sports.";
  const e = tk.encode(premise, hypothesis);
  assert.ok(e.prefixChars !== undefined && e.prefixChars < premise.length);
  // only_first truncation: [CLS] + the premise's first K tokens of the whole text, then [SEP] hypothesis [SEP]
  const hyp = tk.encode("", hypothesis); // [CLS] [SEP] hypothesis [SEP]
  const k = 32 - hyp.ids.length;
  const premiseIds = tokenizerAt(fixture("bert_nli"), k + 2).encodeWindows(premise)[0].ids.slice(0, k + 1);
  assert.deepEqual(e.ids, [...premiseIds, ...hyp.ids.slice(1)]);
});

test("a huge text is not echoed whole unless --full-text; one stderr line says so", async () => {
  const huge = "great film ".repeat(12_000).trim(); // 131,999 characters
  const input = `short text\n${huge}\n`;
  const r = await runInProcess(["classify", "-m", fixture("distilbert"), "--format", "jsonl"], { input });
  assert.equal(r.code, 0, r.stderr);
  const [short, long] = jsonl(r.stdout);
  assert.equal(short.text, "short text");
  assert.equal(long.text.length, 100_001);
  assert.ok(long.text.endsWith("…") && huge.startsWith(long.text.slice(0, -1)));
  assert.match(r.stderr, /^nlp: 1 text longer than 100,000 characters is shortened in the output's "text" field \(ending in …\); --full-text echoes texts whole$/m);
  const full = await runInProcess(["classify", "-m", fixture("distilbert"), "--format", "jsonl", "--full-text"], { input });
  assert.equal(jsonl(full.stdout)[1].text, huge);
  assert.doesNotMatch(full.stderr, /shortened/);
  // the label is the same either way: the model saw the same first tokens
  assert.equal(jsonl(full.stdout)[1].label, long.label);
});

test("Hugging Face's own ids for the 9,182-character reference text come out of the bounded prefix", () => {
  for (const name of CLASSIFIERS) {
    const tk = tokenizerAt(fixture(name));
    const c = reference(name).cases.find((x) => x.text.length > 9000);
    const e = tk.encode(c.text);
    assert.deepEqual(e.ids, c.input_ids, name);
    if (tk.boundedPrefix) assert.ok(e.prefixChars < c.text.length, `${name}: bounded prefix used`);
  }
});
