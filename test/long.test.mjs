// Long documents (--long chunk | sentences), sentence level, and the pure window arithmetic.
import { test } from "node:test";
import assert from "node:assert/strict";
import { load } from "../dist/index.js";
import { windowRanges, weightedMean } from "../dist/engine/chunking.js";
import { fixture, reference, runInProcess, jsonl } from "./helpers.mjs";

const LONG = reference("bert").cases.find((c) => c.rust_ids_untruncated_len > 512);
const softmax = (xs) => {
  const m = Math.max(...xs);
  const e = Array.from(xs, (x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
};
const close = (a, b, tol = 1e-6) => a.length === b.length && a.every((x, i) => Math.abs(x - b[i]) <= tol);

test("windowRanges: HF stride = tokens shared by consecutive windows; last window ends at n", () => {
  assert.deepEqual(windowRanges(10, 4, 1), [[0, 4], [3, 7], [6, 10]]);
  assert.deepEqual(windowRanges(10, 4, 0), [[0, 4], [4, 8], [8, 10]]);
  assert.deepEqual(windowRanges(4, 4, 2), [[0, 4]]);
  assert.deepEqual(windowRanges(0, 4, 0), [[0, 0]]);
  assert.throws(() => windowRanges(10, 4, 4), RangeError);
  assert.deepEqual(weightedMean([[1, 0], [0, 1]], [3, 1]), [0.75, 0.25]);
  assert.deepEqual(weightedMean([[1, 0], [0, 1]]), [0.5, 0.5]);
});

test("chunk: windows carry special tokens, overlap by stride, and average weighted by text tokens", async () => {
  const model = await load(fixture("bert"), { variant: "fp32" });
  const tk = model.tokenizer;
  const full = tk.encode(LONG.text, undefined, 1e9).ids; // untruncated, [CLS] … [SEP]
  assert.equal(full.length, LONG.rust_ids_untruncated_len);
  const [cls, sep, content] = [full[0], full[full.length - 1], full.slice(1, -1)];
  // by hand: 510 text tokens per window, step 510 − 128 = 382
  const want = [];
  for (let s = 0; ; s += 382) {
    want.push([cls, ...content.slice(s, s + 510), sep]);
    if (s + 510 >= content.length) break;
  }
  const windows = tk.encodeWindows(LONG.text, 128);
  assert.deepEqual(windows.map((w) => w.ids), want);
  assert.deepEqual(windows[0].ids, LONG.input_ids, "the first window is what truncation gives");

  const logits = await model.logitsFor(want.map((ids) => ({ ids, typeIds: ids.map(() => 0), tokens: [], fullLength: ids.length })));
  const weights = want.map((w) => w.length - 2);
  const probs = logits.map((l) => softmax(l));
  const expected = probs[0].map((_, j) => probs.reduce((a, p, i) => a + p[j] * weights[i], 0) / weights.reduce((a, b) => a + b, 0));

  const [r] = await model.classify([LONG.text], { long: "chunk", stride: 128, allScores: true });
  assert.ok(close(model.labels.map((l) => r.scores[l]), expected), `${JSON.stringify(r.scores)} vs ${expected}`);
  assert.equal(r.text, LONG.text);

  // short texts: one window, exactly truncation's result; the default is truncation
  const short = ["A heartwarming and funny movie", "", "Terrible."];
  const t = await model.classify(short, { allScores: true });
  const c = await model.classify(short, { long: "chunk", allScores: true });
  const explicit = await model.classify(short, { long: "truncate", allScores: true });
  assert.deepEqual(c, t);
  assert.deepEqual(explicit, t);
  await model.dispose();
});

test("sentences: one record per document, the plain mean of its sentences' probabilities", async () => {
  const model = await load(fixture("bert"), { variant: "fp32" });
  const doc = "A heartwarming film. Terrible acting, though! Dr. Brown's score is fine.";
  const parts = ["A heartwarming film.", "Terrible acting, though!", "Dr. Brown's score is fine."];
  const each = await model.classify(parts, { allScores: true });
  const mean = model.labels.map((l) => each.reduce((a, r) => a + r.scores[l], 0) / parts.length);
  const [r, empty, one] = await model.classify([doc, "", "Just one sentence"], { long: "sentences", allScores: true });
  assert.ok(close(model.labels.map((l) => r.scores[l]), mean));
  // no sentence at all: the text is scored as truncation would
  const [plainEmpty, plainOne] = await model.classify(["", "Just one sentence"], { allScores: true });
  assert.deepEqual(empty, plainEmpty);
  assert.deepEqual(one, plainOne);
  await model.dispose();
});

test("level sentence: doc and sentence indices, code-point offsets into the document (utf16 on request), sentence text", async () => {
  const model = await load(fixture("bert"), { variant: "fp32" });
  const docs = ["😀 Great screen. Awful battery!", "", "  Fine.  "];
  const recs = await model.classify(docs, { level: "sentence", allScores: true });
  assert.deepEqual(
    recs.map((r) => [r.doc, r.sentence, r.begin, r.end, r.text]),
    [
      [0, 0, 0, 15, "😀 Great screen."],
      [0, 1, 16, 30, "Awful battery!"],
      [2, 0, 2, 7, "Fine."],
    ],
  );
  // Python string indices, as nlp ner's start/end
  for (const r of recs) assert.equal(Array.from(docs[r.doc]).slice(r.begin, r.end).join(""), r.text);
  const js = await model.classify(docs, { level: "sentence", offsets: "utf16" });
  assert.deepEqual(
    js.map((r) => [r.begin, r.end]),
    [
      [0, 16],
      [17, 31],
      [2, 7],
    ],
  );
  for (const r of js) assert.equal(docs[r.doc].slice(r.begin, r.end), r.text);
  const alone = await model.classify(["Awful battery!"], { allScores: true });
  assert.deepEqual(recs[1].scores, alone[0].scores);
  await model.dispose();
});

test("CLI: one record per input line with --long; sentence-level CSV columns; stride errors", async () => {
  const m = ["-m", fixture("bert"), "--variant", "fp32"];
  const input = `${LONG.text}\n\nShort one. Another.\n`;
  for (const mode of ["truncate", "chunk", "sentences"]) {
    const r = await runInProcess(["classify", ...m, "--long", mode, "--format", "jsonl"], { input });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(jsonl(r.stdout).map((x) => x.text), [LONG.text, "", "Short one. Another."], mode);
  }
  const csv = await runInProcess(["classify", ...m, "--level", "sentence", "--format", "csv", "Short one. Another."]);
  assert.equal(csv.code, 0, csv.stderr);
  const lines = csv.stdout.trim().split("\n");
  assert.equal(lines[0], "doc,sentence,begin,end,text,label,score");
  assert.match(lines[1], /^0,0,0,10,Short one\.,/);
  assert.match(lines[2], /^0,1,11,19,Another\.,/);

  const tooBig = await runInProcess(["classify", ...m, "--long", "chunk", "--max-length", "16", "--stride", "14", "x"]);
  assert.equal(tooBig.code, 2);
  assert.match(tooBig.stderr, /--stride must be an integer from 0 to 13/);
  const stray = await runInProcess(["classify", ...m, "--stride", "4", "x"]);
  assert.equal(stray.code, 2);
  assert.match(stray.stderr, /--long chunk/);
  const badMode = await runInProcess(["classify", ...m, "--long", "split", "x"]);
  assert.equal(badMode.code, 2);
});

test("CLI --level sentence: a document with no sentence (empty, blank) keeps its record, with null sentence and label, in every format", async () => {
  const m = ["-m", fixture("bert"), "--variant", "fp32"];
  const input = "Good. Bad.\n\n   \nFine.\n";
  const r = await runInProcess(["classify", ...m, "--level", "sentence", "--format", "jsonl"], { input });
  assert.equal(r.code, 0, r.stderr);
  const recs = jsonl(r.stdout);
  assert.deepEqual(
    recs.map((x) => [x.doc, x.sentence, x.begin, x.end, x.text]),
    [[0, 0, 0, 5, "Good."], [0, 1, 6, 10, "Bad."], [1, null, null, null, ""], [2, null, null, null, "   "], [3, 0, 0, 5, "Fine."]],
  );
  assert.deepEqual([recs[2].label, recs[2].score], [null, null]);
  const csv = await runInProcess(["classify", ...m, "--level", "sentence", "--format", "csv"], { input });
  assert.deepEqual(csv.stdout.split("\n").slice(3, 5), ["1,,,,,,", "2,,,,   ,,"]);
  // zero-shot: at sentence level an empty text is a document with no sentence, not a refused text
  const z = await runInProcess(["classify", "-m", fixture("bert_nli"), "--labels", "a,b", "--level", "sentence", "--format", "jsonl"], { input: "Good.\n\n" });
  assert.equal(z.code, 0, z.stderr);
  assert.deepEqual(jsonl(z.stdout).map((x) => [x.doc, x.sentence, x.label === null]), [[0, 0, false], [1, null, true]]);
});
