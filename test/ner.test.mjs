// nlp ner: token classification with transformers' entities and the Rust tokenizers' offsets, checked
// against test/fixtures/hf-token/<arch>/ner_reference.json (made with tokenizers 0.23.2 + onnxruntime).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadTokenClassifier, TextTokenizer, OffsetAligner, AGGREGATION_STRATEGIES, aggregateOverlappingEntities } from "../dist/index.js";
import { TOKEN_ARCHS, tokenFixture, nerReference, assertEntities } from "./ner-helpers.mjs";

for (const arch of TOKEN_ARCHS) {
  test(`offsets equal the Rust tokenizers' offset_mapping on every case (${arch})`, () => {
    const dir = tokenFixture(arch);
    const tj = JSON.parse(readFileSync(join(dir, "tokenizer.json"), "utf8"));
    const tc = JSON.parse(readFileSync(join(dir, "tokenizer_config.json"), "utf8"));
    const tk = new TextTokenizer(tj, tc, {});
    const aligner = OffsetAligner.fromTokenizerJson(tj, (s) => tk.normalize(s));
    const [before, after] = tk.specialsAround();
    const ref = nerReference(arch);
    for (const [i, c] of ref.cases.entries()) {
      const content = tk.contentTokens(c.text);
      const got = aligner.offsets(c.text, content).slice(0, c.offsets.length - before - after);
      assert.deepEqual(got, c.offsets.slice(before, c.offsets.length - after), `case ${i} ${JSON.stringify(c.text.slice(0, 40))}`);
    }
  });

  test(`model.ner equals the pipeline for every case × strategy, and stride_simple (${arch})`, async () => {
    const ref = nerReference(arch);
    const model = await loadTokenClassifier(tokenFixture(arch), { threads: 1 });
    try {
      assert.deepEqual(model.labels, ref.labels);
      const texts = ref.cases.map((c) => c.text);
      let compared = 0;
      for (const s of AGGREGATION_STRATEGIES) {
        const recs = await model.ner(texts, { aggregation: s });
        assert.equal(recs.length, texts.length);
        recs.forEach((r, i) => {
          assert.equal(r.text, texts[i]);
          assert.equal(r.truncated, ref.cases[i].untruncated_len > ref.max_length, `case ${i} truncated flag`);
          assertEntities(r.entities, ref.cases[i].pipeline[s], `case ${i} ${s}`);
          compared++;
        });
      }
      const long = ref.cases.filter((c) => c.stride_simple);
      assert.ok(long.length > 0, "the reference has a long text");
      const strided = await model.ner(
        long.map((c) => c.text),
        { aggregation: "simple", stride: ref.stride },
      );
      strided.forEach((r, i) => {
        assert.equal(r.truncated, false);
        assertEntities(r.entities, long[i].stride_simple, `stride_simple ${i}`);
        // whole-text chunks reach past the first 512 tokens (tokenizers#2091 would stop there)
        assert.ok(r.entities.at(-1).end > ref.cases.find((c) => c === long[i]).offsets.at(-2)[1], "entities past the truncation point");
      });
      assert.equal(compared, ref.cases.length * AGGREGATION_STRATEGIES.length);
    } finally {
      await model.dispose();
    }
  });
}

test("streaming, threshold, ignore-labels and UTF-16 offsets", async () => {
  const ref = nerReference("roberta");
  const model = await loadTokenClassifier(tokenFixture("roberta"), { threads: 1 });
  try {
    const text = ref.cases[24].text; // "I love it 😍🔥👍🏽 — truly!": astral characters before entities
    const [base] = await model.ner(text);
    assert.ok(base.entities.some((e) => e.start > 12), "entities after the emoji");
    const [cut] = await model.ner(text, { threshold: 0.5 });
    assert.deepEqual(cut.entities, base.entities.filter((e) => e.score >= 0.5));
    const [utf16] = await model.ner(text, { offsets: "utf16" });
    utf16.entities.forEach((e, i) => {
      const before = Array.from(text).slice(0, base.entities[i].start).join("").length;
      assert.equal(e.start, before, "UTF-16 index of the same character");
      assert.equal(text.slice(e.start, e.end), Array.from(text).slice(base.entities[i].start, base.entities[i].end).join(""));
    });
    const [all] = await model.ner(text, { aggregation: "none", ignoreLabels: [] });
    assert.ok(all.entities.some((e) => e.entity === "O"), "ignoreLabels [] keeps O tokens");
    async function* gen() {
      for (const c of ref.cases.slice(0, 5)) yield { id: c.text.length, text: c.text };
    }
    const seen = [];
    for await (const r of model.nerStream(gen(), (x) => x.text, { aggregation: "first" })) seen.push(r);
    assert.deepEqual(seen.map((r) => r.item.text), ref.cases.slice(0, 5).map((c) => c.text));
    seen.forEach((r, i) => assertEntities(r.entities, ref.cases[i].pipeline.first, `stream ${i}`));
    await assert.rejects(model.ner(text, { aggregation: "none", stride: 16 }), /--stride needs grouped entities/);
    await assert.rejects(model.ner(text, { aggregation: "bogus" }), /--aggregation must be one of/);
  } finally {
    await model.dispose();
  }
});

test("aggregateOverlappingEntities keeps the longer, then the higher-scoring entity", () => {
  const a = { entity_group: "PER", score: 0.5, word: "Ada", start: 0, end: 3 };
  const b = { entity_group: "PER", score: 0.6, word: "Ada Love", start: 0, end: 8 };
  const c = { entity_group: "LOC", score: 0.9, word: "Ada", start: 0, end: 3 };
  const d = { entity_group: "LOC", score: 0.4, word: "London", start: 20, end: 26 };
  assert.deepEqual(aggregateOverlappingEntities([d, a, c]), [c, d]);
  assert.deepEqual(aggregateOverlappingEntities([a, b, d]), [b, d]);
  assert.deepEqual(aggregateOverlappingEntities([]), []);
});
