// Parity with Hugging Face transformers: every fixture model, every reference
// text, through the library and through the CLI.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { load } from "../dist/index.js";
import { CLASSIFIERS, fixture, reference, runInProcess, jsonl } from "./helpers.mjs";

const TOL = 1e-4;

function assertClose(actual, expected, what) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  expected.forEach((e, i) => assert.ok(Math.abs(actual[i] - e) <= TOL, `${what}[${i}]: got ${actual[i]}, want ${e}`));
}

/** Every label's score within TOL, and the best label first (unless the top two tie within TOL). */
function assertPipeline(record, pipeline, what) {
  for (const { label, score } of pipeline) {
    assert.ok(label in record.scores, `${what}: label ${label} missing`);
    assert.ok(Math.abs(record.scores[label] - score) <= TOL, `${what}: ${label} got ${record.scores[label]}, want ${score}`);
  }
  const tie = pipeline.length > 1 && pipeline[0].score - pipeline[1].score <= TOL;
  if (!tie) assert.equal(record.label, pipeline[0].label, `${what}: best label`);
  assert.ok(Math.abs(record.score - pipeline[0].score) <= TOL, `${what}: best score`);
}

for (const name of CLASSIFIERS) {
  test(`parity (library): ${name}`, async () => {
    const ref = reference(name);
    const texts = ref.cases.map((c) => c.text);
    const model = await load(fixture(name), { variant: "fp32" });
    try {
      assert.deepEqual([...model.info.inputNames].sort(), [...ref.input_names].sort());
      assert.equal(model.info.paddingSide, ref.padding_side);
      // token ids after truncation, special tokens included
      ref.cases.forEach((c, i) => assert.deepEqual(model.encode(c.text).ids, c.input_ids, `ids of case ${i}`));
      // one text at a time, then every text in padded batches: same logits
      for (const batchSize of [1, 7, 64]) {
        const logits = await model.logitsFor(texts.map((t) => model.encode(t)), batchSize);
        ref.cases.forEach((c, i) => assertClose(Array.from(logits[i]), c.logits, `batch ${batchSize} logits of case ${i}`));
      }
      const records = await model.classify(texts, { allScores: true });
      assert.equal(records.length, texts.length);
      ref.cases.forEach((c, i) => {
        assert.equal(records[i].text, c.text);
        assertPipeline(records[i], c.pipeline, `case ${i}`);
      });
    } finally {
      await model.dispose();
    }
  });
}

for (const name of CLASSIFIERS.filter((n) => existsSync(join(fixture(n), "onnx", "model_quantized.onnx")))) {
  test(`parity (int8, default variant): ${name}`, async () => {
    const ref = reference(name);
    const model = await load(fixture(name));
    try {
      assert.equal(model.info.variant, "int8", "int8 is the default when present");
      const records = await model.logitsFor(ref.cases.map((c) => model.encode(c.text)), model.batchSize);
      ref.cases.forEach((c, i) => assertClose(Array.from(records[i]), c.quantized_logits, `int8 logits of case ${i}`));
    } finally {
      await model.dispose();
    }
  });
}

for (const name of CLASSIFIERS) {
  test(`parity (CLI): ${name}`, async () => {
    const ref = reference(name);
    const input = ref.cases.map((c) => JSON.stringify({ text: c.text, id: c.text.length })).join("\n") + "\n";
    const dir = fixture(name);
    const cls = await runInProcess(["classify", "--model", dir, "--variant", "fp32", "--input", "jsonl", "--text-key", "text", "--format", "jsonl", "--all-scores"], { input });
    assert.equal(cls.code, 0, cls.stderr);
    // nothing on stderr but the end-of-run notice for the one reference text above 512 tokens
    const long = ref.cases.filter((c) => c.input_ids.length === 512).length;
    assert.equal(cls.stderr, long ? `nlp: ${long} of ${ref.cases.length} texts was longer than the model's 512 tokens and was cut; see --long chunk|sentences\n` : "");
    const out = jsonl(cls.stdout);
    assert.equal(out.length, ref.cases.length);
    ref.cases.forEach((c, i) => {
      assert.equal(out[i].text, c.text, `order of case ${i}`);
      assertPipeline(out[i], c.pipeline, `CLI case ${i}`);
    });
    const tok = await runInProcess(["tokenize", "--model", dir, "--input", "jsonl", "--text-key", "text", "--format", "jsonl"], { input });
    assert.equal(tok.code, 0, tok.stderr);
    const toks = jsonl(tok.stdout);
    assert.equal(toks.length, ref.cases.length);
    ref.cases.forEach((c, i) => {
      assert.deepEqual(toks[i].ids, c.input_ids, `tokenize ids of case ${i}`);
      assert.deepEqual(toks[i].tokens.length, c.tokens.length);
    });
  });
}
