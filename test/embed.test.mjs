// Sentence embeddings: sentence-transformers' numbers on the hf-embed fixtures through the library,
// the pure pooling/similarity functions, and the sentence-transformers config files.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  loadEmbedder, poolSequence, normalize, similarity, readSentenceConfig, UsageError, BundleError,
} from "../dist/index.js";
import { finishEmbedding, pyStrip, float32Number } from "../dist/engine/pooling.js";
import { ROOT } from "./helpers.mjs";

export const EMBED_FIXTURES = join(ROOT, "test", "fixtures", "hf-embed");
const TOL = 1e-5;
const embedRef = (name) => JSON.parse(readFileSync(join(EMBED_FIXTURES, name, "embed_reference.json"), "utf8"));

function maxDiff(a, b) {
  assert.equal(a.length, b.length, "length");
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
const l2 = (v) => Math.sqrt(Array.from(v).reduce((s, x) => s + x * x, 0));
const close = (a, b, tol, what) => assert.ok(Math.abs(a - b) <= tol, `${what}: got ${a}, want ${b}`);

/** A copy of a fixture with some of its sentence-transformers files rewritten. */
function variantOf(name, edit) {
  const dir = mkdtempSync(join(tmpdir(), "nlp-embed-"));
  cpSync(join(EMBED_FIXTURES, name), dir, { recursive: true });
  edit(dir);
  return dir;
}
const editJson = (path, f) => writeFileSync(path, JSON.stringify(f(JSON.parse(readFileSync(path, "utf8")))));

// --- pure pooling ---------------------------------------------------------------------------------

// three tokens of dimension 2: [1,2], [3,-4], [5,0]
const TOKENS = [1, 2, 3, -4, 5, 0];
const seq = (data = TOKENS, offset = 0) => ({ data: new Float32Array(data), offset, length: 3, dim: 2 });

test("poolSequence: every sentence-transformers mode on a hand-computed example", () => {
  const cases = {
    cls: [1, 2],
    max: [5, 2],
    mean: [3, -2 / 3],
    mean_sqrt_len_tokens: [9 / Math.sqrt(3), -2 / Math.sqrt(3)],
    weightedmean: [22 / 6, -6 / 6], // weights 1, 2, 3
    lasttoken: [5, 0],
  };
  for (const [mode, want] of Object.entries(cases)) assert.ok(maxDiff(poolSequence(seq(), [mode]), want) < 1e-6, mode);
  // several modes concatenate in Pooling.forward's order whatever order they are listed in
  assert.deepEqual(Array.from(poolSequence(seq(), ["lasttoken", "cls"])), [1, 2, 5, 0]);
});

test("poolSequence: include_prompt false masks the prompt tokens out of every mode but cls", () => {
  const skip1 = { cls: [1, 2], max: [5, 0], mean: [4, -2], weightedmean: [21 / 5, -8 / 5], lasttoken: [5, 0] };
  for (const [mode, want] of Object.entries(skip1)) assert.ok(maxDiff(poolSequence(seq(), [mode], 1), want) < 1e-6, mode);
  // everything masked: Pooling's -1e9 fill for max, zeros for lasttoken, zeros (sum / clamp 1e-9) for mean
  assert.deepEqual(Array.from(poolSequence(seq(), ["max"], 3)), [-1e9, -1e9]);
  assert.deepEqual(Array.from(poolSequence(seq(), ["lasttoken", "mean"], 5)), [0, 0, 0, 0]);
});

test("poolSequence: the tokens' place in a padded batch (left or right padding) never changes the vector", () => {
  const junk = [9, 9, -9, -9];
  for (const mode of ["cls", "max", "mean", "mean_sqrt_len_tokens", "weightedmean", "lasttoken"]) {
    const alone = poolSequence(seq(), [mode]);
    assert.deepEqual(poolSequence(seq([...junk, ...TOKENS], 2), [mode]), alone, `${mode} after left padding`);
    assert.deepEqual(poolSequence(seq([...TOKENS, ...junk], 0), [mode]), alone, `${mode} before right padding`);
  }
});

test("normalize, Matryoshka truncation and the four similarity functions", () => {
  assert.deepEqual(Array.from(normalize(new Float32Array([3, 4]))), [Math.fround(0.6), Math.fround(0.8)]);
  assert.deepEqual(Array.from(normalize(new Float32Array([0, 0]))), [0, 0]); // eps 1e-12, as torch
  const v = new Float32Array([3, 4, 12]);
  assert.deepEqual(Array.from(finishEmbedding(v, { dimensions: 2, normalize: false })), [3, 4]);
  assert.deepEqual(Array.from(finishEmbedding(v, { dimensions: 2, normalize: true })), [Math.fround(0.6), Math.fround(0.8)]);
  assert.deepEqual(Array.from(finishEmbedding(v, { normalize: true })), [3 / 13, 4 / 13, 12 / 13].map(Math.fround));
  const a = [1, 2];
  const b = [4, 6];
  close(similarity(a, b, "cosine"), 16 / (Math.sqrt(5) * Math.sqrt(52)), 1e-12, "cosine");
  assert.equal(similarity(a, b, "dot"), 16);
  assert.equal(similarity(a, b, "euclidean"), -5);
  assert.equal(similarity(a, b, "manhattan"), -7);
  assert.equal(similarity(a, b), similarity(a, b, "cosine"));
  assert.throws(() => similarity([1], [1, 2]), RangeError);
});

test("pyStrip is Python's str.strip, float32Number the shortest exact float32 decimal", () => {
  assert.equal(pyStrip("\x1c\x85 query: a \u3000\t"), "query: a");
  assert.equal(pyStrip("\uFEFFa"), "\uFEFFa"); // not whitespace to Python
  assert.equal(float32Number(Math.fround(0.1)), 0.1);
  assert.equal(float32Number(Math.fround(-1.2345678)), -1.2345678);
  for (const x of [Math.fround(1 / 3), Math.fround(-7e-8), Math.fround(123456.789)]) assert.equal(Math.fround(float32Number(x)), x);
});

// --- sentence-transformers files --------------------------------------------------------------------

test("readSentenceConfig: the fixtures' pipelines", () => {
  const bert = readSentenceConfig(join(EMBED_FIXTURES, "bert"));
  assert.deepEqual(
    { pooling: bert.pooling, normalize: bert.normalize, max: bert.maxSeqLength, prompts: bert.prompts, fn: bert.similarityFn, other: bert.otherModules },
    { pooling: ["mean"], normalize: true, max: 64, prompts: { query: "query: ", passage: "passage: " }, fn: "cosine", other: [] },
  );
  const xlmr = readSentenceConfig(join(EMBED_FIXTURES, "xlm_roberta"));
  assert.deepEqual([xlmr.pooling, xlmr.normalize, xlmr.maxSeqLength, xlmr.includePrompt], [["cls"], false, 128, true]);
});

test("readSentenceConfig: pooling_mode strings, include_prompt, other modules, defaults and bad files", () => {
  const dir = variantOf("bert", (d) => {
    writeFileSync(join(d, "1_Pooling", "config.json"), JSON.stringify({ word_embedding_dimension: 32, pooling_mode: "LastToken", include_prompt: false }));
    editJson(join(d, "modules.json"), (m) => [...m.slice(0, 2), { idx: 2, name: "2", path: "2_Dense", type: "sentence_transformers.models.Dense" }]);
    editJson(join(d, "config_sentence_transformers.json"), (c) => ({ ...c, similarity_fn_name: "dot_product", default_prompt_name: "query" }));
  });
  try {
    const c = readSentenceConfig(dir);
    assert.deepEqual([c.pooling, c.includePrompt, c.normalize, c.otherModules, c.similarityFn, c.defaultPromptName], [["lasttoken"], false, false, ["Dense"], "dot", "query"]);
    // no modules.json: SentenceTransformer's fallback for a plain transformers folder (mean pooling, no Normalize)
    rmSync(join(dir, "modules.json"));
    const plain = readSentenceConfig(dir);
    assert.deepEqual([plain.pooling, plain.normalize, plain.source, plain.maxSeqLength], [["mean"], false, "default", 64]);
    editJson(join(dir, "config_sentence_transformers.json"), (c) => ({ ...c, default_prompt_name: "nope" }));
    assert.throws(() => readSentenceConfig(dir), (e) => e instanceof BundleError && /default_prompt_name "nope"/.test(e.message));
    writeFileSync(join(dir, "config_sentence_transformers.json"), "{oops");
    assert.throws(() => readSentenceConfig(dir), (e) => e instanceof BundleError && /not valid JSON/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// --- parity with sentence-transformers on the fixtures -------------------------------------------------

for (const name of ["bert", "xlm_roberta"]) {
  test(`embed parity (library): ${name}, every case, with and without the query prompt, single and padded batches`, async () => {
    const ref = embedRef(name);
    const model = await loadEmbedder(join(EMBED_FIXTURES, name));
    try {
      assert.equal(model.info.maxSeqLength, ref.max_seq_length);
      assert.equal(model.info.normalize, ref.normalize);
      let worst = 0;
      let single;
      for (const promptName of [null, "query"]) {
        const cases = ref.cases.filter((c) => c.prompt_name === promptName);
        assert.ok(cases.length >= 40, "cases per prompt");
        const opts = promptName ? { promptName } : {};
        cases.forEach((c, i) => assert.deepEqual(model.encode(c.text, opts).ids, c.input_ids, `ids of ${promptName} case ${i}`));
        for (const batchSize of [1, 7, 64]) {
          const vectors = await model.embed(cases.map((c) => c.text), { ...opts, batchSize });
          assert.equal(vectors.length, cases.length);
          cases.forEach((c, i) => {
            assert.ok(vectors[i] instanceof Float32Array);
            const d = maxDiff(vectors[i], c.embedding);
            worst = Math.max(worst, d);
            assert.ok(d <= TOL, `${promptName} case ${i}, batch ${batchSize}: max |Δ| ${d}`);
          });
          // padding never changes a vector: every batch size gives the batch-of-one vectors within 1e-6
          if (batchSize === 1) single = vectors;
          else vectors.forEach((v, i) => assert.ok(maxDiff(v, single[i]) <= 1e-6, `case ${i}: batch ${batchSize} vs alone`));
        }
      }
      if (ref.normalize) for (const v of await model.embed(["a", "b c"])) close(l2(v), 1, 1e-6, "unit norm");
      process.stdout.write(`# ${name}: ${ref.cases.length} cases, max |Δ| ${worst.toExponential(2)}\n`);
    } finally {
      await model.dispose();
    }
  });
}

test("embedStream: any items in input order through textOf; a literal prompt equals the named one", async () => {
  const ref = embedRef("bert");
  const cases = ref.cases.filter((c) => c.prompt_name === "query").slice(0, 12);
  const model = await loadEmbedder(join(EMBED_FIXTURES, "bert"));
  try {
    const items = cases.map((c, i) => ({ id: i, body: c.text }));
    async function* source() {
      for (const it of items) yield it;
    }
    const out = [];
    for await (const r of model.embedStream(source(), { textOf: (x) => x.body, prompt: "query: ", batchSize: 4 })) out.push(r);
    assert.deepEqual(out.map((r) => r.item.id), items.map((x) => x.id));
    out.forEach((r, i) => {
      assert.ok(maxDiff(r.embedding, cases[i].embedding) <= TOL, `case ${i}`);
      assert.equal(r.tokens, cases[i].input_ids.length);
    });
  } finally {
    await model.dispose();
  }
});

test("prompts: errors name the fix; default_prompt_name applies unless --prompt \"\" turns it off", async () => {
  const ref = embedRef("bert");
  const model = await loadEmbedder(join(EMBED_FIXTURES, "bert"));
  try {
    await assert.rejects(model.embed("x", { promptName: "nope" }), (e) => e instanceof UsageError && /query, passage/.test(e.message));
    await assert.rejects(model.embed("x", { promptName: "query", prompt: "q: " }), UsageError);
  } finally {
    await model.dispose();
  }
  const dir = variantOf("bert", (d) => editJson(join(d, "config_sentence_transformers.json"), (c) => ({ ...c, default_prompt_name: "query" })));
  const withDefault = await loadEmbedder(dir);
  try {
    const q = ref.cases.filter((c) => c.prompt_name === "query").slice(0, 6);
    const plain = ref.cases.filter((c) => c.prompt_name === null).slice(0, 6);
    (await withDefault.embed(q.map((c) => c.text))).forEach((v, i) => assert.ok(maxDiff(v, q[i].embedding) <= TOL, `default prompt case ${i}`));
    (await withDefault.embed(plain.map((c) => c.text), { prompt: "" })).forEach((v, i) => assert.ok(maxDiff(v, plain[i].embedding) <= TOL, `no prompt case ${i}`));
  } finally {
    await withDefault.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("normalize override and --dimensions (truncate, then normalize when normalizing)", async () => {
  const bertRef = embedRef("bert").cases.filter((c) => c.prompt_name === null).slice(0, 8);
  const xlmrRef = embedRef("xlm_roberta").cases.filter((c) => c.prompt_name === null).slice(0, 8);
  const unit = (v) => {
    const n = l2(v);
    return v.map((x) => x / n);
  };
  const bert = await loadEmbedder(join(EMBED_FIXTURES, "bert"));
  const xlmr = await loadEmbedder(join(EMBED_FIXTURES, "xlm_roberta"));
  try {
    const texts = bertRef.map((c) => c.text);
    // bert normalizes (Normalize module): --no-normalize gives the raw mean, which points the same way
    const raw = await bert.embed(texts, { normalize: false });
    raw.forEach((v, i) => {
      assert.ok(Math.abs(l2(v) - 1) > 1e-3, "raw mean is not unit length");
      assert.ok(maxDiff(unit(Array.from(v)), bertRef[i].embedding) <= TOL, `direction of case ${i}`);
    });
    const cut = await bert.embed(texts, { dimensions: 8 });
    cut.forEach((v, i) => {
      assert.equal(v.length, 8);
      assert.ok(maxDiff(v, unit(bertRef[i].embedding.slice(0, 8))) <= TOL, `dims 8 of case ${i}`);
    });
    // xlm_roberta does not normalize (CLS norm √32): --dimensions only cuts, --normalize makes unit vectors
    const x8 = await xlmr.embed(texts, { dimensions: 8 });
    x8.forEach((v, i) => assert.ok(maxDiff(v, xlmrRef[i].embedding.slice(0, 8)) <= TOL, `xlmr dims 8 case ${i}`));
    const xn = await xlmr.embed(texts, { normalize: true });
    xn.forEach((v, i) => assert.ok(maxDiff(v, unit(xlmrRef[i].embedding)) <= TOL, `xlmr normalized case ${i}`));
    await assert.rejects(bert.embed("x", { dimensions: 33 }), (e) => e instanceof UsageError && /32 dimensions/.test(e.message));
    await assert.rejects(bert.embed("x", { dimensions: 0 }), UsageError);
    // the model's similarity function (cosine) on its own vectors
    close(bert.similarity(cut[0], cut[0]), 1, 1e-6, "self-similarity");
  } finally {
    await bert.dispose();
    await xlmr.dispose();
  }
});

test("--max-length caps max_seq_length; a bundle whose modules nlp cannot run and whose graph does not pool is refused", async () => {
  const m = await loadEmbedder(join(EMBED_FIXTURES, "bert"), { maxLength: 16 });
  try {
    assert.equal(m.info.maxSeqLength, 16);
    const ids = m.encode("a rather long sentence that certainly needs more than sixteen word pieces to be written down").ids;
    assert.equal(ids.length, 16);
    assert.equal(ids[15], 102, "[SEP] survives truncation");
  } finally {
    await m.dispose();
  }
  const dir = variantOf("bert", (d) => editJson(join(d, "modules.json"), (m) => [...m, { idx: 3, name: "3", path: "3_Dense", type: "sentence_transformers.models.Dense" }]));
  try {
    await assert.rejects(loadEmbedder(dir), (e) => e instanceof BundleError && /Dense/.test(e.message) && /sentence_embedding/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("include_prompt false: the prompt's tokens ([CLS] query :) leave the mean, as Pooling with prompt_length", async () => {
  const ort = await import("onnxruntime-node");
  const ref = embedRef("bert");
  const dir = variantOf("bert", (d) => editJson(join(d, "1_Pooling", "config.json"), (c) => ({ ...c, include_prompt: false })));
  const session = await ort.InferenceSession.create(join(EMBED_FIXTURES, "bert", "onnx", "model.onnx"));
  const model = await loadEmbedder(dir);
  try {
    const cases = ref.cases.filter((c) => c.prompt_name === "query").slice(0, 6);
    const got = await model.embed(cases.map((c) => c.text), { promptName: "query", batchSize: 4 });
    for (const [i, c] of cases.entries()) {
      // SentenceTransformer._get_prompt_length("query: "): [CLS] query : [SEP] is 4 tokens, less the trailing special one
      const skip = 3;
      const n = c.input_ids.length;
      const t = (a) => new ort.Tensor("int64", BigInt64Array.from(a.map(BigInt)), [1, a.length]);
      const out = await session.run({ input_ids: t(c.input_ids), attention_mask: t(c.input_ids.map(() => 1)), token_type_ids: t(c.input_ids.map(() => 0)) });
      const h = out.last_hidden_state.data;
      const mean = Array.from({ length: 32 }, (_, d) => {
        let s = 0;
        for (let k = skip; k < n; k++) s += h[k * 32 + d];
        return s / (n - skip);
      });
      const len = Math.hypot(...mean);
      assert.ok(maxDiff(got[i], mean.map((x) => x / len)) <= TOL, `case ${i}`);
      assert.ok(maxDiff(got[i], c.embedding) > 1e-3, "differs from the include_prompt true vector");
    }
  } finally {
    await model.dispose();
    await session.release();
    rmSync(dir, { recursive: true, force: true });
  }
});
