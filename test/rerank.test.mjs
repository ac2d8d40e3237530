// `nlp rerank`: cross-encoder scores as sentence-transformers' CrossEncoder (longest_first pair truncation,
// Sigmoid on the single logit), best first with input line numbers. The expected logits come from running
// the ONNX graph directly with onnxruntime on the pair's token ids.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import { join } from "node:path";
import { load } from "../dist/index.js";
import { longestFirstLengths } from "../dist/engine/pair-truncation.js";
import { runInProcess, jsonl, fixture } from "./helpers.mjs";

const MODEL = fixture("bert_regression"); // one label: a cross-encoder's shape
const QUERY = "a heartwarming movie about toys";
const DOCS = ["It broke after a week.", "A classic animated film for the whole family.", "", "Toys come alive in this funny, touching story.", "Terrible service."];
const sigmoid = (x) => 1 / (1 + Math.exp(-x));

test("longest_first lengths: the tokenizers rule, worked by hand", () => {
  assert.deepEqual(longestFirstLengths(2, 3, 8), [2, 3]); // fits
  assert.deepEqual(longestFirstLengths(3, 10, 8), [3, 5]); // only the longer is cut
  assert.deepEqual(longestFirstLengths(10, 3, 8), [5, 3]);
  assert.deepEqual(longestFirstLengths(6, 10, 8), [4, 4]); // both cut to half
  assert.deepEqual(longestFirstLengths(6, 10, 9), [4, 5]); // the odd token to the longer
  assert.deepEqual(longestFirstLengths(10, 6, 9), [5, 4]);
  assert.deepEqual(longestFirstLengths(20, 30, 8), [4, 4]);
});

test("encodePairLongestFirst: [CLS] query [SEP] doc [SEP], both texts cut by longest_first", async () => {
  const model = await load(MODEL, { variant: "fp32" });
  try {
    const content = (t) => model.encode(t).ids.slice(1, -1);
    const q = content("one two three four five six seven eight nine ten");
    const d = content("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu");
    const [k1, k2] = longestFirstLengths(q.length, d.length, 16 - 3);
    const e = model.tokenizer.encodePairLongestFirst("one two three four five six seven eight nine ten", "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu", 16);
    const [cls, sep] = model.encode("").ids;
    assert.deepEqual(e.ids, [cls, ...q.slice(0, k1), sep, ...d.slice(0, k2), sep]);
    assert.equal(e.ids.length, 16);
    assert.deepEqual(e.typeIds, [...Array(k1 + 2).fill(0), ...Array(k2 + 1).fill(1)]);
  } finally {
    await model.dispose();
  }
});

async function expectedScores() {
  const model = await load(MODEL, { variant: "fp32" });
  const session = await ort.InferenceSession.create(join(MODEL, "onnx", "model.onnx"));
  try {
    const out = [];
    for (const doc of DOCS) {
      const e = model.encode(QUERY, doc); // short texts: no truncation, the NLI-tested pair template
      const t = (a) => new ort.Tensor("int64", BigInt64Array.from(a.map(BigInt)), [1, a.length]);
      const feeds = { input_ids: t(e.ids), attention_mask: t(e.ids.map(() => 1)), token_type_ids: t(e.typeIds) };
      const logits = (await session.run(Object.fromEntries(Object.entries(feeds).filter(([k]) => session.inputNames.includes(k))))).logits.data;
      out.push(logits[0]);
    }
    return out;
  } finally {
    await model.dispose();
    await session.release();
  }
}

test("rerank: sigmoid of the cross-encoder logit, best first with line numbers; --top-k, --activation none", async () => {
  const logits = await expectedScores();
  const want = DOCS.map((text, i) => ({ line: i + 1, text, score: sigmoid(logits[i]) })).sort((a, b) => b.score - a.score || a.line - b.line);
  const res = await runInProcess(["rerank", "-m", MODEL, "--variant", "fp32", "--format", "jsonl", "--batch-size", "4", QUERY], { input: DOCS.join("\n") + "\n" });
  assert.equal(res.code, 0, res.stderr);
  const out = jsonl(res.stdout);
  assert.deepEqual(out.map((o) => o.line), want.map((w) => w.line));
  out.forEach((o, i) => {
    assert.equal(o.rank, i + 1);
    assert.equal(o.text, want[i].text);
    assert.ok(Math.abs(o.score - want[i].score) <= 1e-5, `rank ${i + 1}: ${o.score} vs ${want[i].score}`);
  });
  const top2 = jsonl((await runInProcess(["rerank", "-m", MODEL, "--variant", "fp32", "--format", "jsonl", "--top-k", "2", "--activation", "none", QUERY, ...DOCS])).stdout);
  assert.deepEqual(top2.map((o) => o.line), want.slice(0, 2).map((w) => w.line));
  top2.forEach((o, i) => assert.ok(Math.abs(o.score - logits[want[i].line - 1]) <= 1e-4, "raw logit"));
});

test("rerank: JSONL records come back whole, rank and score added clear of the input's (e.g. nlp search hits); a multi-label model is refused", async () => {
  const input = DOCS.map((text, i) => JSON.stringify({ id: `d${i}`, text, rank: 99, score: -1 })).join("\n") + "\n";
  const res = await runInProcess(["rerank", "-m", MODEL, "--variant", "fp32", "--input", "jsonl", QUERY], { input });
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stderr, /already has "rank", "score": kept as is; the added fields are pred_rank, pred_score/);
  const out = jsonl(res.stdout);
  assert.equal(out.length, DOCS.length);
  out.forEach((o, i) => {
    assert.deepEqual([o.rank, o.score], [99, -1], "input fields kept");
    assert.equal(o.pred_rank, i + 1);
    assert.ok(o.pred_score >= 0 && o.pred_score <= 1);
    assert.equal(o.text, DOCS[Number(o.id.slice(1))]);
  });
  const plain = jsonl((await runInProcess(["rerank", "-m", MODEL, "--variant", "fp32", "--input", "jsonl", QUERY], { input: '{"text":"a"}\n{"text":"b"}\n' })).stdout);
  assert.deepEqual(plain.map((o) => Object.keys(o).sort()), [["rank", "score", "text"], ["rank", "score", "text"]]);
  const nli = await runInProcess(["rerank", "-m", fixture("bert_nli"), QUERY, "doc"]);
  assert.equal(nli.code, 2);
  assert.match(nli.stderr, /has 3 labels; a reranker/);
});
