// The sentence splitter: hand-written cases for each hard spot, offsets into the
// original text, and its quality on the hand-labelled gold set.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { splitSentences } from "../dist/engine/sentences.js";

const texts = (t, o) => splitSentences(t, o).map((s) => s.text);

test("abbreviations and initials do not end sentences", () => {
  assert.deepEqual(texts("Dr. Smith paid for it. Then he left."), ["Dr. Smith paid for it.", "Then he left."]);
  assert.deepEqual(texts("I met Mr. Brown yesterday. It was fine."), ["I met Mr. Brown yesterday.", "It was fine."]);
  assert.deepEqual(texts("Gut, aber z.B. Zum Einstellen zu ungenau. Schade."), ["Gut, aber z.B. Zum Einstellen zu ungenau.", "Schade."]);
  assert.deepEqual(texts("Ask J. Smith about it. He knows."), ["Ask J. Smith about it.", "He knows."]);
  assert.deepEqual(texts("Order No. 5 came late. Sad."), ["Order No. 5 came late.", "Sad."]);
  assert.deepEqual(texts("Wir kamen am 3. Mai an. Es regnete."), ["Wir kamen am 3. Mai an.", "Es regnete."]);
  // "etc." and "min." end sentences as often as not: a capital after them is a new sentence
  assert.deepEqual(texts("Cords, plugs etc. I gave up."), ["Cords, plugs etc.", "I gave up."]);
  assert.deepEqual(texts("Laisser agir 15 min. Une fois sec, enlever."), ["Laisser agir 15 min.", "Une fois sec, enlever."]);
});

test("decimals and prices stay whole", () => {
  assert.deepEqual(texts("It cost $7.50 at the store. Worth it."), ["It cost $7.50 at the store.", "Worth it."]);
  assert.deepEqual(texts("Je mesure 1.80m et il va. Prix 3,5 €."), ["Je mesure 1.80m et il va.", "Prix 3,5 €."]);
  assert.deepEqual(texts("USB出力は1.5A位ですが、動作はしてます。"), ["USB出力は1.5A位ですが、動作はしてます。"]);
});

test("quotes, ellipses, lowercase starts and missing spaces", () => {
  assert.deepEqual(texts('He said "Stop." Then he left.'), ['He said "Stop."', "Then he left."]);
  assert.deepEqual(texts("Wait... what? No way!"), ["Wait... what?", "No way!"]);
  assert.deepEqual(texts("Hmm… Okay then."), ["Hmm…", "Okay then."]);
  assert.deepEqual(texts("It works. then it broke."), ["It works.", "then it broke."]);
  assert.deepEqual(texts("Habe zwei gekauft.Nach einem Jahr rosten sie."), ["Habe zwei gekauft.", "Nach einem Jahr rosten sie."]);
  assert.deepEqual(texts("Bought it on amazon.com today. Fine."), ["Bought it on amazon.com today.", "Fine."]);
  assert.deepEqual(texts("voir la suite ! ! !"), ["voir la suite ! ! !"]);
  assert.deepEqual(texts("top . on a envie de la suite ."), ["top .", "on a envie de la suite ."]);
});

test("CJK full stops", () => {
  assert.deepEqual(texts("これは本です。あれはペンです！本当？"), ["これは本です。", "あれはペンです！", "本当？"]);
  assert.deepEqual(texts("这是书。那是笔！！好吗？😂。"), ["这是书。", "那是笔！！", "好吗？😂。"]);
});

test("begin/end are UTF-16 offsets into the original text, end exclusive, whitespace outside", () => {
  const text = "  😀 Great. \n Bad!  ";
  const s = splitSentences(text);
  assert.deepEqual(s, [
    { begin: 2, end: 11, text: "😀 Great." },
    { begin: 14, end: 18, text: "Bad!" },
  ]);
  for (const x of s) assert.equal(text.slice(x.begin, x.end), x.text);
  assert.deepEqual(splitSentences(""), []);
  assert.deepEqual(splitSentences(" \n\t "), []);
  assert.deepEqual(texts("no punctuation at all"), ["no punctuation at all"]);
});

test("gold set: the rules beat Intl.Segmenter alone and the regex baseline on held-out texts", () => {
  const gold = JSON.parse(readFileSync(new URL("./fixtures/sentences-gold.json", import.meta.url), "utf8")).items;
  const f1 = (splitter, split) => {
    let tp = 0, fp = 0, fn = 0;
    for (const g of gold.filter((x) => x.split === split)) {
      const starts = (pieces) => new Set(pieces.slice(1).map((p) => p.begin));
      let pos = 0;
      const want = starts(g.sentences.map((t) => ({ begin: (pos = g.text.indexOf(t, pos)) })));
      const got = starts(splitSentences(g.text, { splitter }));
      for (const b of got) want.has(b) ? tp++ : fp++;
      for (const b of want) if (!got.has(b)) fn++;
    }
    return (2 * tp) / (2 * tp + fp + fn);
  };
  const rules = f1("rules", "heldout");
  assert.ok(rules >= 0.9, `held-out F1 ${rules}`);
  assert.ok(rules > f1("intl", "heldout") + 0.05, "rules vs Intl.Segmenter");
  assert.ok(rules > f1("regex", "heldout") + 0.05, "rules vs regex");
  assert.ok(f1("rules", "dev") >= 0.95);
});
