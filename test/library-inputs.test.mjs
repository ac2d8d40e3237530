// The library's methods called from JavaScript with texts of the wrong type: a UsageError naming what was
// passed, not a TypeError from inside the tokenizer ("undefined is not a function"), and not a number
// silently embedded as its decimal string.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { load, loadEmbedder, loadTokenClassifier, rerank } from "../dist/index.js";
import { ROOT } from "./helpers.mjs";

const usage = (pattern) => (err) => err.name === "UsageError" && pattern.test(err.message);

test("classify, embed and ner refuse texts that are not strings with a UsageError naming the type", async () => {
  const c = await load(join(ROOT, "models", "en.classify.sentiment.tiny"));
  const e = await loadEmbedder(join(ROOT, "test", "fixtures", "hf-embed", "bert"));
  const t = await loadTokenClassifier(join(ROOT, "test", "fixtures", "hf-token", "bert"));
  try {
    for (const [name, call] of [
      ["classify", (x) => c.classify(x)],
      ["classify level sentence", (x) => c.classify(x, { level: "sentence" })],
      ["embed", (x) => e.embed(x)],
      ["ner", (x) => t.ner(x)],
    ]) {
      await assert.rejects(call(5), usage(/`texts` must be a string or an array of strings, got number/), name);
      await assert.rejects(call(["fine", 5]), usage(/text 2 is number, not a string/), name);
      await assert.rejects(call([null]), usage(/text 1 is null, not a string/), name);
    }
    await assert.rejects(async () => { for await (const _ of e.embedStream([7])) void _; }, usage(/text 1 is number/));
    assert.throws(() => c.tokenize([1]), usage(/text 1 is number/));
    // strings still work
    assert.equal((await c.classify(["good", ""])).length, 2);
  } finally {
    await Promise.all([c.dispose(), e.dispose(), t.dispose()]);
  }
});

test("dispose() while a classify runs: the window in flight finishes, the rest is refused as disposed, not an ONNX Runtime failure", async () => {
  const m = await load(join(ROOT, "models", "en.classify.sentiment.tiny"), { workers: 1 });
  const texts = Array.from({ length: 200 }, (_, i) => `text number ${i}`);
  const running = m.classify(texts);
  await new Promise((r) => setTimeout(r, 2));
  await m.dispose();
  await assert.rejects(running, (err) => err.name === "InferenceError" && err.message === "the model was disposed; load it again");
});

test("rerank(): a bad topK, a query or document that is not a string are UsageErrors naming the option, not a RangeError about `k` or a TypeError", async () => {
  const m = await load(join(ROOT, "test", "fixtures", "hf-reference", "bert_regression"), { variant: "fp32" });
  try {
    for (const topK of [0, 1.5, "1"]) await assert.rejects(rerank(m, "q", ["a", "b"], (x) => x, { topK }), usage(/`topK` must be a positive integer/), String(topK));
    await assert.rejects(rerank(m, 5, ["a"], (x) => x), usage(/`query` must be a string, got number/));
    await assert.rejects(rerank(m, "q", ["a", 7], (x) => x), usage(/text 2 is number/));
    assert.equal((await rerank(m, "q", ["a", "b"], (x) => x, { topK: 1 })).length, 1);
  } finally {
    await m.dispose();
  }
});

test("ner(): ignoreLabels as a string (spread into its characters, so \"O,B-LOC\" ignored neither) is a UsageError", async () => {
  const t = await loadTokenClassifier(join(ROOT, "test", "fixtures", "hf-token", "bert"));
  try {
    await assert.rejects(t.ner("John", { ignoreLabels: "O,B-LOC" }), usage(/`ignoreLabels` must be an array of labels/));
    assert.equal((await t.ner("John", { ignoreLabels: ["O"] })).length, 1);
  } finally {
    await t.dispose();
  }
});

test("classify(): candidateLabels that are not a string or an array of strings are a UsageError, not a TypeError from trim()", async () => {
  const nli = await load(join(ROOT, "test", "fixtures", "hf-reference", "bert_nli"));
  try {
    for (const bad of [[1, 2], 5, ["a", null]]) {
      await assert.rejects(nli.classify("good", { candidateLabels: bad }), usage(/`candidateLabels` must be a comma-separated string or an array of strings/), JSON.stringify(bad));
    }
    assert.equal((await nli.classify("good", { candidateLabels: ["a", "b"] }))[0].label.length, 1);
  } finally {
    await nli.dispose();
  }
});

test("a per-call batchSize out of range is a UsageError naming batchSize (it was planBatches' untyped RangeError)", async () => {
  const c = await load(join(ROOT, "models", "en.classify.sentiment.tiny"));
  const e = await loadEmbedder(join(ROOT, "test", "fixtures", "hf-embed", "bert"));
  const t = await loadTokenClassifier(join(ROOT, "test", "fixtures", "hf-token", "bert"));
  try {
    for (const batchSize of [0, 2.5, "4"]) {
      await assert.rejects(c.classify(["a"], { batchSize }), usage(/`batchSize` must be an integer from 1 to/), `classify ${batchSize}`);
      await assert.rejects(e.embed(["a"], { batchSize }), usage(/`batchSize` must be an integer from 1 to/), `embed ${batchSize}`);
      await assert.rejects(t.ner(["a"], { batchSize }), usage(/`batchSize` must be an integer from 1 to/), `ner ${batchSize}`);
    }
  } finally {
    await Promise.all([c.dispose(), e.dispose(), t.dispose()]);
  }
});
